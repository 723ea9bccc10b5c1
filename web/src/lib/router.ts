// Client-side routes on real paths (/jobs/job_123): the server answers index.html for any
// path it does not know, so links can be shared and reloaded.
import { signal } from "./signal";

export const route = signal<string>(location.pathname + location.search);

export function navigate(to: string, replace = false): void {
  if (to === location.pathname + location.search) return;
  if (replace) history.replaceState(null, "", to);
  else history.pushState(null, "", to);
  route.set(to);
  window.scrollTo(0, 0);
}

window.addEventListener("popstate", () => route.set(location.pathname + location.search));

// Same-origin <a href> clicks become client navigations (keyboard Enter on a link included).
document.addEventListener("click", (ev) => {
  const a = (ev.target as Element | null)?.closest?.("a");
  if (!a || ev.defaultPrevented || ev.button !== 0 || ev.metaKey || ev.ctrlKey || ev.shiftKey) return;
  const href = a.getAttribute("href");
  if (!href || !href.startsWith("/") || a.target || a.hasAttribute("download")) return;
  ev.preventDefault();
  navigate(href);
});

export function pathParts(r: string): string[] {
  return r.split("?")[0].split("/").filter(Boolean).map(decodeURIComponent);
}

export function queryParam(r: string, k: string): string {
  return new URLSearchParams(r.split("?")[1] ?? "").get(k) ?? "";
}
