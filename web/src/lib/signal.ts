// A minimal observable value and its Preact hook: enough for the session, the language and
// the current route, without a state library.
import { useEffect, useState } from "preact/hooks";

export interface Signal<T> {
  get(): T;
  set(v: T): void;
  subscribe(fn: (v: T) => void): () => void;
}

export function signal<T>(initial: T): Signal<T> {
  let value = initial;
  const subs = new Set<(v: T) => void>();
  return {
    get: () => value,
    set(v: T) {
      value = v;
      subs.forEach((fn) => fn(v));
    },
    subscribe(fn) {
      subs.add(fn);
      return () => subs.delete(fn);
    },
  };
}

export function useSignal<T>(s: Signal<T>): T {
  const [v, setV] = useState(s.get());
  useEffect(() => {
    const unsubscribe = s.subscribe(setV);
    setV(s.get()); // it may have changed between the render and now
    return unsubscribe;
  }, [s]);
  return v;
}
