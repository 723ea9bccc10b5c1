// Live updates: one GET /api/v1/events stream (server-sent events, read with fetch so the
// token goes in the Authorization header) per login. `changes` counts the server's change
// events; pages refresh on them. When the stream is down, pages fall back to polling.
import { getToken } from "./api";
import { signal } from "./signal";

export const changes = signal(0);
export const connected = signal(false);

let controller: AbortController | null = null;
let retry = 0;

export function startLive(): void {
  stopLive();
  const mine = new AbortController();
  controller = mine;
  const run = async () => {
    while (!mine.signal.aborted) {
      try {
        const res = await fetch("/api/v1/events", {
          headers: { Authorization: "Bearer " + getToken(), Accept: "text/event-stream" },
          signal: mine.signal,
        });
        if (!res.ok || !res.body) throw new Error("events: " + res.status);
        connected.set(true);
        retry = 0;
        const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
        let buf = "";
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buf += value;
          let end;
          while ((end = buf.indexOf("\n\n")) >= 0) {
            const block = buf.slice(0, end);
            buf = buf.slice(end + 2);
            if (block.split("\n").some((l) => l === "event: change")) changes.set(changes.get() + 1);
          }
        }
      } catch {
        /* reconnect below */
      }
      connected.set(false);
      if (mine.signal.aborted) return;
      retry = Math.min(retry + 1, 6);
      await new Promise((r) => setTimeout(r, 1000 * retry));
    }
  };
  run();
}

export function stopLive(): void {
  controller?.abort();
  controller = null;
  connected.set(false);
}
