// The REST client: same-origin /api/v1 calls with the bearer token, JSON in and out, and the
// server's one error shape ({"error":{code,message,field}}) turned into ApiError.

export class ApiError extends Error {
  constructor(
    public status: number,
    public code: string,
    message: string,
    public field?: string,
  ) {
    super(message);
  }
}

let token = localStorage.getItem("suanli.token") ?? "";
let onUnauthorized: () => void = () => {};

export function setToken(t: string): void {
  token = t;
  if (t) localStorage.setItem("suanli.token", t);
  else localStorage.removeItem("suanli.token");
}
export function getToken(): string {
  return token;
}
export function setUnauthorizedHandler(fn: () => void): void {
  onUnauthorized = fn;
}

export type Query = Record<string, string | number | boolean | undefined | null | string[]>;

export function qs(query?: Query): string {
  if (!query) return "";
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) {
    if (v === undefined || v === null || v === "") continue;
    if (Array.isArray(v)) v.forEach((x) => p.append(k, x));
    else p.set(k, String(v));
  }
  const s = p.toString();
  return s ? "?" + s : "";
}

async function request(method: string, path: string, body?: unknown, query?: Query): Promise<Response> {
  const headers: Record<string, string> = {};
  if (token) headers["Authorization"] = "Bearer " + token;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const res = await fetch("/api/v1" + path + qs(query), {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!res.ok) {
    let code = "http_" + res.status;
    let message = res.statusText;
    let field: string | undefined;
    try {
      const j = await res.json();
      if (j?.error) ({ code, message, field } = j.error);
    } catch {
      /* not JSON */
    }
    if (res.status === 401) onUnauthorized();
    throw new ApiError(res.status, code, message, field);
  }
  return res;
}

export async function get<T = any>(path: string, query?: Query): Promise<T> {
  return (await request("GET", path, undefined, query)).json();
}
export async function getText(path: string, query?: Query): Promise<string> {
  return (await request("GET", path, undefined, query)).text();
}
export async function post<T = any>(path: string, body?: unknown): Promise<T> {
  const res = await request("POST", path, body ?? {});
  return res.status === 204 ? (undefined as T) : res.json();
}

export interface Page<T> {
  items: T[];
  total: number;
  offset: number;
  limit: number;
  next_offset: number | null;
}

// Every item of a list resource (pages of 1000), up to `max` items.
export async function listAll<T = any>(resource: string, query?: Query, max = 20000): Promise<T[]> {
  const out: T[] = [];
  let offset = 0;
  for (;;) {
    const page = await get<Page<T>>("/" + resource, { ...query, limit: 1000, offset });
    out.push(...page.items);
    if (page.next_offset === null || out.length >= max) return out;
    offset = page.next_offset;
  }
}

// A 404 on an endpoint that another change adds (market search, match): lets a page fall back.
export function isMissingEndpoint(e: unknown): boolean {
  return e instanceof ApiError && e.status === 404 && /no such endpoint/.test(e.message);
}
