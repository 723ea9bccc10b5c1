// The network as the dashboards see it: sites, pools and their capacity (GET /capacity), and
// what running jobs hold (allocation), rolled up by any grouping.
import { get, listAll } from "./api";
import { seesAll } from "./session";

export interface Capacity {
  key?: string;
  nodes: number;
  nodes_ready: number;
  cpu_cores: number;
  memory_gib: number;
  accelerators: number;
  ai_pflops_fp16: number;
  hpc_pflops_fp64: number;
  accelerators_by_vendor: Record<string, number>;
}

export interface CapacityRollup {
  total: Capacity;
  group_by?: string;
  groups?: Capacity[];
}

export interface Site {
  id: string;
  org_id: string;
  name: string;
  city: string;
  province: string;
  latitude: number;
  longitude: number;
  tier: string;
  description: string;
}

export interface Pool {
  id: string;
  org_id: string;
  site_id: string;
  name: string;
  kind: string;
  driver: string;
}

export interface Job {
  id: string;
  org_id: string;
  name: string;
  state: string;
  state_reason: string;
  tasks: number;
  cpu_cores: number;
  memory_gib: number;
  accelerators: { count: number; milli: number; any_of: string[]; min_memory_gib: number };
  pool_id: string;
  supplier_org_id: string;
  offer_id: string;
  placement: { node_id: string; devices: number[] }[];
  priority: string;
  created_at: string;
  started_at: string;
  finished_at: string;
  [k: string]: any;
}

export function capacity(groupBy = ""): Promise<CapacityRollup> {
  return get<CapacityRollup>("/capacity", groupBy ? { group_by: groupBy } : undefined);
}

export function byKey(r: CapacityRollup): Map<string, Capacity> {
  return new Map((r.groups ?? []).map((g) => [g.key ?? "", g]));
}

// Devices and cores a job holds while it runs.
export function allocation(j: Job): { acc: number; cores: number } {
  const per = (j.accelerators?.count ?? 0) + (j.accelerators?.milli ?? 0) / 1000;
  return { acc: j.tasks * per, cores: j.tasks * j.cpu_cores };
}

export const ACTIVE = ["scheduled", "running"];

export interface Network {
  sites: Site[];
  pools: Pool[];
  poolById: Map<string, Pool>;
  siteById: Map<string, Site>;
  total: Capacity;
  bySite: Map<string, Capacity>;
  active: Job[]; // scheduled or running jobs the caller may see
  allJobsVisible: boolean;
}

export async function loadNetwork(): Promise<Network> {
  const all = seesAll();
  const [sites, pools, bySite, active] = await Promise.all([
    listAll<Site>("sites"),
    listAll<Pool>("pools"),
    capacity("site"),
    Promise.all(ACTIVE.map((s) => listAll<Job>("jobs", { state: s }))).then((x) => x.flat()),
  ]);
  return {
    sites,
    pools,
    poolById: new Map(pools.map((p) => [p.id, p])),
    siteById: new Map(sites.map((s) => [s.id, s])),
    total: bySite.total,
    bySite: byKey(bySite),
    active,
    allJobsVisible: all,
  };
}

export interface Use {
  acc: number;
  cores: number;
}

// Allocation of the visible active jobs grouped by `keyOf(site, pool)`.
export function useBy(net: Network, keyOf: (site: Site | undefined, pool: Pool | undefined) => string): Map<string, Use> {
  const out = new Map<string, Use>();
  for (const j of net.active) {
    const pool = net.poolById.get(j.pool_id);
    const site = pool ? net.siteById.get(pool.site_id) : undefined;
    const k = keyOf(site, pool);
    const a = allocation(j);
    const u = out.get(k) ?? { acc: 0, cores: 0 };
    u.acc += a.acc;
    u.cores += a.cores;
    out.set(k, u);
  }
  return out;
}

// Share of a capacity in use: accelerators where it has any, else CPU cores.
export function utilisation(c: Capacity | undefined, u: Use | undefined): number {
  if (!c) return 0;
  if (c.accelerators > 0) return Math.min(1, (u?.acc ?? 0) / c.accelerators);
  return c.cpu_cores > 0 ? Math.min(1, (u?.cores ?? 0) / c.cpu_cores) : 0;
}
