// Who is logged in (GET /me), with lookups every page needs: organisation names and the
// accelerator catalog, loaded once per login.
import { get, listAll, setToken, setUnauthorizedHandler } from "./api";
import { startLive, stopLive } from "./live";
import { signal } from "./signal";

export interface Me {
  user_id: string;
  user_name: string;
  org_id: string;
  role: string; // admin | member | viewer
  org_roles: string[];
}

export interface Accelerator {
  id: string;
  vendor: string;
  model: string;
  ecosystem: string;
  memory_gib: number;
  fp16_tflops: number;
  fp64_tflops: number;
}

export interface Session {
  me: Me;
  orgs: Map<string, { id: string; name: string; display_name: string; roles: string[] }>;
  catalog: Map<string, Accelerator>;
}

export const session = signal<Session | null>(null);

setUnauthorizedHandler(() => {
  if (session.get()) logout();
});

export async function login(token: string): Promise<Session> {
  setToken(token.trim());
  try {
    const me = await get<Me>("/me");
    const [orgs, accs] = await Promise.all([listAll("orgs"), listAll<Accelerator>("accelerators")]);
    const s: Session = {
      me,
      orgs: new Map(orgs.map((o: any) => [o.id, o])),
      catalog: new Map(accs.map((a) => [a.id, a])),
    };
    session.set(s);
    startLive();
    return s;
  } catch (e) {
    setToken("");
    throw e;
  }
}

export function logout(): void {
  stopLive();
  setToken("");
  session.set(null);
}

export function has(role: string): boolean {
  return session.get()?.me.org_roles.includes(role) ?? false;
}
export function seesAll(): boolean {
  return has("operator") || has("regulator");
}
export function orgName(id: string): string {
  const o = session.get()?.orgs.get(id);
  return o ? o.display_name || o.name : id;
}
export function accName(model: string): string {
  const a = session.get()?.catalog.get(model);
  return a ? `${a.vendor} ${a.model}` : model;
}
