// 算力市场: offer search with facets (kind, vendor, model, ecosystem, region, tier, billing),
// memory and price bounds, sorting. Uses GET /market/offers; until that endpoint is live it
// searches GET /offers and counts the facets here, over the same fields.
import { useMemo, useState } from "preact/hooks";
import { Badge, ErrorBox, Live, Loading, Panel, Table } from "../components";
import { get, isMissingEndpoint, listAll } from "../lib/api";
import { num, pct, yuan } from "../lib/format";
import { L, t, tv } from "../lib/i18n";
import { POLL_MS, useData } from "../lib/hooks";
import { navigate } from "../lib/router";
import { accName, has, orgName, session } from "../lib/session";
import type { Site } from "../lib/network";

// Facets as GET /market/offers names them; the fallback counts the same ones.
const FACETS = ["kind", "vendor", "model", "ecosystem", "province", "city", "tier", "billing_mode"] as const;
type Filters = Record<string, string[]>;

// [the API's sort, the offer field the fallback sorts by, label]
const SORTS: [string, string, () => string][] = [
  ["price", "price_fen_per_hour", () => L("价格从低到高", "price, low to high")],
  ["-price", "-price_fen_per_hour", () => L("价格从高到低", "price, high to low")],
  ["price_per_pflops", "price_fen_per_hour", () => L("每 PFLOPS 价格", "price per PFLOPS")],
  ["-reliability", "-reliability", () => L("可靠性从高到低", "reliability, high to low")],
  ["-speed", "price_fen_per_hour", () => L("速度从快到慢", "speed, fastest first")],
];

export interface MarketItem {
  id: string;
  name: string;
  org_id: string;
  site_id: string;
  pool_id: string;
  kind: string;
  accelerator_model: string;
  accelerator_count: number;
  cpu_cores: number;
  memory_gib: number;
  quantity: number;
  price_fen_per_hour: number;
  billing_mode: string;
  sla_availability_pct: number;
  state: string;
  // from the market search (or derived here in the fallback)
  vendor: string;
  model: string;
  ecosystem: string;
  device_memory_gib: number;
  province: string;
  city: string;
  tier: string;
  site_name: string;
  reliability: number;
  free_units?: number;
  speed_vs_a100?: number | null;
  price_per_pflops_hour_fen?: number | null;
}

interface Result {
  items: MarketItem[];
  total: number;
  facets: Record<string, Record<string, number>>;
  fallback: boolean;
}

function enrich(o: any, sites: Map<string, Site>): MarketItem {
  const acc = session.get()!.catalog.get(o.accelerator_model);
  const site = o.site ?? sites.get(o.site_id);
  return {
    ...o,
    vendor: o.vendor ?? acc?.vendor ?? "CPU",
    model: acc?.id ?? (o.accelerator_model || "CPU"),
    ecosystem: o.ecosystem || acc?.ecosystem || "CPU",
    device_memory_gib: o.device_memory_gib ?? acc?.memory_gib ?? 0,
    province: site?.province ?? "",
    city: site?.city ?? "",
    tier: site?.tier ?? "",
    site_name: site?.name ?? o.site_id,
    reliability: o.reliability ?? o.sla_availability_pct / 100,
  };
}

const matchesText = (o: MarketItem, needle: string) =>
  !needle || [o.name, o.model, accName(o.accelerator_model), o.vendor, o.city, o.province, o.site_name].some((s) => (s ?? "").toLowerCase().includes(needle));

async function search(q: string, f: Filters, minMem: string, maxPrice: string, sort: string, sites: Map<string, Site>): Promise<Result> {
  const maxFen = maxPrice ? Math.round(Number(maxPrice) * 100) : undefined;
  const needle = q.trim().toLowerCase();
  const dims = Object.fromEntries(Object.entries(f).filter(([, v]) => v.length).map(([k, v]) => [k, v.join(",")]));
  try {
    // The API has no free-text parameter: with text, take a large page and filter it here.
    const r = await get("/market/offers", { ...dims, min_memory_gib: minMem, max_price_fen: maxFen, sort, limit: needle ? 1000 : 200 });
    const items = r.items.map((o: any) => enrich(o, sites)).filter((o: MarketItem) => matchesText(o, needle));
    return { items: items.slice(0, 200), total: needle ? items.length : r.total, facets: r.facets ?? {}, fallback: false };
  } catch (e) {
    if (!isMissingEndpoint(e)) throw e;
  }
  const all = (await listAll("offers", { state: "active" })).map((o) => enrich(o, sites));
  const passes = (o: MarketItem, skip?: string) =>
    FACETS.every((k) => k === skip || !f[k]?.length || f[k].includes(String((o as any)[k]))) &&
    matchesText(o, needle) &&
    (!minMem || o.device_memory_gib >= Number(minMem)) &&
    (maxFen === undefined || o.price_fen_per_hour <= maxFen);
  // Each facet is counted over the results of every *other* filter, so its values stay choosable.
  const facets: Result["facets"] = {};
  for (const k of FACETS) {
    const counts: Record<string, number> = {};
    for (const o of all) if (passes(o, k)) counts[String((o as any)[k])] = (counts[String((o as any)[k])] ?? 0) + 1;
    facets[k] = counts;
  }
  const field = SORTS.find(([api]) => api === sort)?.[1] ?? "price_fen_per_hour";
  const desc = field.startsWith("-");
  const key = field.replace(/^-/, "");
  const items = all.filter((o) => passes(o)).sort((a: any, b: any) => (desc ? b[key] - a[key] : a[key] - b[key]) || a.id.localeCompare(b.id));
  return { items: items.slice(0, 200), total: items.length, facets, fallback: true };
}

const FACET_ORDER = [...FACETS, "accelerator_count", "memory_gib", "availability"];
const facetRank = (k: string) => {
  const i = FACET_ORDER.indexOf(k);
  return i < 0 ? FACET_ORDER.length : i;
};

function facetLabel(k: string, v: string): string {
  if (k === "kind") return tv("kind", v);
  if (k === "tier") return tv("tier", v);
  if (k === "billing_mode") return tv("mode", v);
  if (k === "model") return session.get()?.catalog.get(v)?.model ?? v;
  if (k === "availability") return v;
  return v;
}

export function MarketPage() {
  const [q, setQ] = useState("");
  const [filters, setFilters] = useState<Filters>({});
  const [minMem, setMinMem] = useState("");
  const [maxPrice, setMaxPrice] = useState("");
  const [sort, setSort] = useState(SORTS[0][0]);
  const sites = useData(() => listAll<Site>("sites").then((s) => new Map(s.map((x) => [x.id, x]))), []);
  const res = useData(
    () => (sites.data ? search(q, filters, minMem, maxPrice, sort, sites.data) : new Promise<Result>(() => {})),
    [q, JSON.stringify(filters), minMem, maxPrice, sort, !!sites.data],
    POLL_MS * 3,
  );
  const facetTitles: Record<string, string> = useMemo(
    () => ({
      kind: t("col.kind"),
      vendor: t("col.vendor"),
      model: t("col.model"),
      ecosystem: t("col.ecosystem"),
      province: t("col.province"),
      city: t("col.city"),
      tier: t("col.tier"),
      billing_mode: t("col.mode"),
      accelerator_count: L("每单位卡数", "accelerators per unit"),
      memory_gib: L("每单位内存", "memory per unit"),
      availability: L("可用性", "availability"),
    }),
    [],
  );
  const toggle = (k: string, v: string) =>
    setFilters((f) => ({ ...f, [k]: (f[k] ?? []).includes(v) ? f[k].filter((x) => x !== v) : [...(f[k] ?? []), v] }));
  const r = res.data;
  return (
    <div class="page">
      <header class="page-head">
        <h1>{t("market.title")}</h1>
        <Live at={res.updatedAt} loading={res.loading} onRefresh={res.reload} />
      </header>
      {r?.fallback && <div class="notice small">{t("market.fallback")}</div>}
      <ErrorBox error={res.error ?? sites.error} />
      <div class="market">
        <aside class="facets" aria-label="facets" data-testid="facets">
          {Object.entries(r?.facets ?? {})
            .sort(([a], [b]) => facetRank(a) - facetRank(b))
            .map(([k, counts]) => (
            <fieldset key={k} class="facet" data-facet={k}>
              <legend>{facetTitles[k] ?? k}</legend>
              {Object.entries(counts)
                .sort((a, b) => b[1] - a[1])
                .slice(0, 14)
                .map(([v, n]) => (
                  <label key={v} class={filters[k]?.includes(v) ? "on" : ""}>
                    <input type="checkbox" checked={!!filters[k]?.includes(v)} onChange={() => toggle(k, v)} />
                    <span>{facetLabel(k, v)}</span>
                    <span class="count">{n}</span>
                  </label>
                ))}
            </fieldset>
          ))}
        </aside>
        <div>
          <Panel>
            <div class="searchbar">
              <input type="search" placeholder={t("market.search")} aria-label={t("market.search")} value={q} onInput={(e) => setQ((e.target as HTMLInputElement).value)} data-testid="market-search" />
              <label>
                {t("match.accMem")}
                <input type="number" min="0" value={minMem} onInput={(e) => setMinMem((e.target as HTMLInputElement).value)} style={{ width: "6em" }} />
              </label>
              <label>
                {L("最高价（元/时）", "max price (¥/h)")}
                <input type="number" min="0" value={maxPrice} onInput={(e) => setMaxPrice((e.target as HTMLInputElement).value)} style={{ width: "7em" }} />
              </label>
              <label>
                {t("market.sort")}
                <select value={sort} onChange={(e) => setSort((e.target as HTMLSelectElement).value)}>
                  {SORTS.map(([v, , l]) => (
                    <option value={v} key={v}>
                      {l()}
                    </option>
                  ))}
                </select>
              </label>
              <button
                onClick={() => {
                  setFilters({});
                  setQ("");
                  setMinMem("");
                  setMaxPrice("");
                }}
              >
                {t("market.clear")}
              </button>
            </div>
            <p class="muted" data-testid="market-total">
              {num(r?.total)} {t("market.results")}
            </p>
            <Loading when={!r && res.loading} />
            <Table
              testid="offers-table"
              rows={r?.items ?? []}
              rowKey={(o) => o.id}
              columns={[
                { key: "name", label: t("col.name"), render: (o) => <span title={o.id}>{o.name}</span> },
                {
                  key: "model",
                  label: t("col.model"),
                  render: (o) => (
                    <span>
                      {o.accelerator_model ? `${o.accelerator_count}× ${accName(o.accelerator_model)}` : `${o.cpu_cores} ${t("cap.cores")}`}{" "}
                      <small class="muted">{o.ecosystem}</small>
                    </span>
                  ),
                },
                { key: "site", label: t("col.site"), render: (o) => <span title={o.province}>{o.city} · {o.site_name}</span> },
                { key: "tier", label: t("col.tier"), render: (o) => <Badge prefix="tier" value={o.tier} /> },
                { key: "org", label: t("v.supplier"), render: (o) => orgName(o.org_id) },
                { key: "mode", label: t("col.mode"), render: (o) => tv("mode", o.billing_mode) },
                { key: "rel", label: L("可靠性", "reliability"), num: true, render: (o) => pct(o.reliability, 1) },
                { key: "speed", label: L("速度/A100", "speed/A100"), num: true, render: (o) => (o.speed_vs_a100 ? o.speed_vs_a100.toFixed(2) + "×" : "–") },
                { key: "q", label: L("可售/总量", "free/total"), num: true, render: (o) => (o.free_units !== undefined ? `${num(o.free_units)}/${num(o.quantity)}` : num(o.quantity)) },
                { key: "price", label: t("col.price"), num: true, render: (o) => <span>{yuan(o.price_fen_per_hour)}<small class="muted">{t("market.perHour")}</small></span> },
                ...(has("buyer")
                  ? [{ key: "go", label: "", render: (o: MarketItem) => <button class="link" onClick={() => navigate("/match?offer=" + encodeURIComponent(o.id))}>{t("market.match")}</button> }]
                  : []),
              ]}
            />
          </Panel>
        </div>
      </div>
    </div>
  );
}
