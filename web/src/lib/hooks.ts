// Data loading for pages: load once, then refresh on the server's change events (live.ts), or
// every `pollMs` while the stream is down, while the tab is visible; the last good data stays
// on screen while refreshing.
import { useCallback, useEffect, useRef, useState } from "preact/hooks";
import { changes, connected } from "./live";

export interface Loaded<T> {
  data: T | undefined;
  error: Error | undefined;
  loading: boolean;
  updatedAt: Date | undefined;
  reload: () => void;
}

export function useData<T>(load: () => Promise<T>, deps: unknown[], pollMs = 0): Loaded<T> {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<Error | undefined>(undefined);
  const [loading, setLoading] = useState(true);
  const [updatedAt, setUpdatedAt] = useState<Date | undefined>(undefined);
  const gen = useRef(0);
  const loadRef = useRef(load);
  loadRef.current = load;

  const run = useCallback(() => {
    const my = ++gen.current;
    setLoading(true);
    loadRef.current().then(
      (d) => {
        if (my !== gen.current) return;
        setData(d);
        setError(undefined);
        setLoading(false);
        setUpdatedAt(new Date());
      },
      (e) => {
        if (my !== gen.current) return;
        setError(e instanceof Error ? e : new Error(String(e)));
        setLoading(false);
      },
    );
  }, []);

  useEffect(() => {
    setData(undefined);
    run();
    if (!pollMs) return () => void ++gen.current;
    let last = Date.now();
    const refresh = () => {
      if (document.visibilityState !== "visible") return;
      last = Date.now();
      run();
    };
    // With the event stream up, refresh on its change events (at most one per second) and
    // poll only as a safety net; without it, poll every pollMs.
    const id = window.setInterval(() => {
      if (!connected.get() || Date.now() - last > SAFETY_POLL_MS) refresh();
    }, pollMs);
    let pending = 0;
    const unsubscribe = changes.subscribe(() => {
      if (!pending) pending = window.setTimeout(() => ((pending = 0), refresh()), Math.max(0, 1000 - (Date.now() - last)));
    });
    return () => {
      ++gen.current;
      window.clearInterval(id);
      window.clearTimeout(pending);
      unsubscribe();
    };
  }, deps);

  return { data, error, loading, updatedAt, reload: run };
}

// How often pages refresh themselves without the event stream, and with it.
export const POLL_MS = 5000;
const SAFETY_POLL_MS = 60000;
