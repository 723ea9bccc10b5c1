// 一张网: capacity, allocation and utilisation by region, tier, kind, vendor and provider;
// effective compute (ready share), faults, queue waits, jobs by state and platform revenue,
// with trends sampled while the page is open.
import { useMemo, useRef, useState } from "preact/hooks";
import { Chart, ErrorBox, Kpi, Live, Panel, Table, Tabs } from "../components";
import { get, listAll, type Page } from "../lib/api";
import { ago, duration, num, pct, yuan } from "../lib/format";
import { L, t, tv } from "../lib/i18n";
import { POLL_MS, useData } from "../lib/hooks";
import { capacity, loadNetwork, useBy, utilisation, type Capacity } from "../lib/network";
import { orgName, seesAll } from "../lib/session";
import { LoadBar } from "./MapPage";

const GROUPS: [string, string][] = [
  ["province", "col.region"],
  ["tier", "col.tier"],
  ["kind", "col.kind"],
  ["vendor", "col.vendor"],
  ["org", "col.org"],
];

interface Sample {
  at: string;
  util: number;
  running: number;
  pending: number;
  ready: number;
  down: number;
}

function label(group: string, key: string): string {
  if (group === "tier") return tv("tier", key);
  if (group === "kind") return tv("kind", key);
  if (group === "org") return orgName(key);
  return key || "–";
}

export async function loadOps() {
  const [net, groups, states, down, faulty, pending, balances, effective] = await Promise.all([
    loadNetwork(),
    Promise.all(GROUPS.map(([g]) => capacity(g).then((r) => [g, r] as const))),
    Promise.all(["pending", "scheduled", "running", "succeeded", "failed", "cancelled"].map((s) => get<Page<any>>("/jobs", { state: s, limit: 1 }).then((p) => [s, p.total] as const))),
    get<Page<any>>("/nodes", { state: "down", limit: 1 }),
    get<Page<any>>("/nodes", { sort: "-fault_count", limit: 15 }).catch(() => ({ items: [] as any[] })),
    listAll("jobs", { state: "pending" }, 5000),
    seesAll() ? get("/ledger/balances").catch(() => null) : Promise.resolve(null),
    // Effective compute (useful over nominal device-time) where the server measures it.
    Promise.all(
      GROUPS.filter(([g]) => g !== "kind").map(([g]) =>
        get("/effective-compute", { group_by: g }).then((r) => [g, r] as const, () => [g, null] as const),
      ),
    ),
  ]);
  return { net, groups: new Map(groups), states, down: down.total, faulty: faulty.items, pending, balances, effective: new Map(effective) };
}

export function OpsPage() {
  const data = useData(loadOps, [], POLL_MS * 2);
  const [group, setGroup] = useState("province");
  const samples = useRef<Sample[]>([]);
  const d = data.data;

  const rows = useMemo(() => {
    if (!d) return [];
    const r = d.groups.get(group);
    const caps = r?.groups ?? [];
    const keyOf =
      group === "province" ? (s: any) => s?.province ?? ""
      : group === "tier" ? (s: any) => s?.tier ?? ""
      : group === "kind" ? (_: any, p: any) => p?.kind ?? ""
      : group === "org" ? (_: any, p: any) => p?.org_id ?? ""
      : null;
    const use = keyOf ? useBy(d.net, keyOf) : null;
    const eff = new Map<string, number>((d.effective.get(group)?.items ?? []).map((e: any) => [e.key, e.useful_of_allocated_pct]));
    return caps
      .map((c: Capacity) => ({
        key: c.key ?? "",
        cap: c,
        use: use?.get(c.key ?? ""),
        util: use ? utilisation(c, use.get(c.key ?? "")) : NaN,
        effective: eff.get(c.key ?? ""),
      }))
      .sort((a, b) => b.cap.ai_pflops_fp16 - a.cap.ai_pflops_fp16 || b.cap.cpu_cores - a.cap.cpu_cores);
  }, [d, group]);

  const totalUse = d ? useBy(d.net, () => "all").get("all") : undefined;
  const util = d ? utilisation(d.net.total, totalUse) : 0;
  const waits = useMemo(() => (d?.pending ?? []).map((j: any) => ago(j.created_at)).sort((a, b) => a - b), [d]);
  const running = d?.states.find(([s]) => s === "running")?.[1] ?? 0;
  const pendingN = d?.states.find(([s]) => s === "pending")?.[1] ?? 0;
  if (d && samples.current[samples.current.length - 1]?.at !== data.updatedAt?.toLocaleTimeString()) {
    samples.current = [
      ...samples.current.slice(-119),
      { at: data.updatedAt?.toLocaleTimeString() ?? "", util, running, pending: pendingN, ready: d.net.total.nodes_ready / Math.max(1, d.net.total.nodes), down: d.down },
    ];
  }
  const fee = d?.balances?.items?.find((b: any) => b.account === "platform:fee_revenue");
  const effTotal = d?.effective.get("province")?.total;

  const barOption = useMemo(
    () => ({
      tooltip: { trigger: "axis" },
      legend: { top: 0 },
      grid: { left: 110, right: 40, top: 50, bottom: 30 },
      yAxis: { type: "category", data: rows.slice(0, 15).map((r) => label(group, r.key)).reverse() },
      xAxis: [
        { type: "value", name: "PFLOPS" },
        { type: "value", name: L("万核", "×10k cores"), position: "top", splitLine: { show: false } },
      ],
      series: [
        { name: "AI PFLOPS", type: "bar", data: rows.slice(0, 15).map((r) => +r.cap.ai_pflops_fp16.toFixed(2)).reverse(), itemStyle: { color: "#1f5fbf" } },
        { name: "HPC PFLOPS", type: "bar", data: rows.slice(0, 15).map((r) => +r.cap.hpc_pflops_fp64.toFixed(2)).reverse(), itemStyle: { color: "#7a4cc2" } },
        { name: L("CPU 核 (万)", "CPU cores (×10k)"), type: "bar", xAxisIndex: 1, data: rows.slice(0, 15).map((r) => +(r.cap.cpu_cores / 1e4).toFixed(2)).reverse(), itemStyle: { color: "#2e9d5b" } },
      ],
    }),
    [rows, group],
  );

  const trendOption = {
    tooltip: { trigger: "axis" },
    legend: { top: 0 },
    grid: { left: 50, right: 50, top: 30, bottom: 30 },
    xAxis: { type: "category", data: samples.current.map((s) => s.at) },
    yAxis: [
      { type: "value", max: 100, name: "%" },
      { type: "value", name: L("个", "count") },
    ],
    series: [
      { name: t("col.util"), type: "line", data: samples.current.map((s) => +(s.util * 100).toFixed(1)), showSymbol: false },
      { name: t("map.effective"), type: "line", data: samples.current.map((s) => +(s.ready * 100).toFixed(1)), showSymbol: false },
      { name: tv("state", "running"), type: "line", yAxisIndex: 1, data: samples.current.map((s) => s.running), showSymbol: false },
      { name: tv("state", "pending"), type: "line", yAxisIndex: 1, data: samples.current.map((s) => s.pending), showSymbol: false },
      { name: t("ops.faults"), type: "line", yAxisIndex: 1, data: samples.current.map((s) => s.down), showSymbol: false },
    ],
  };

  const statesOption = {
    tooltip: { trigger: "item" },
    series: [
      {
        type: "pie",
        radius: ["45%", "72%"],
        data: (d?.states ?? []).filter(([, n]) => n > 0).map(([s, n]) => ({ name: tv("state", s), value: n })),
        label: { formatter: "{b}: {c}" },
      },
    ],
  };

  return (
    <div class="page">
      <header class="page-head">
        <h1>{t("ops.title")}</h1>
        <Live at={data.updatedAt} loading={data.loading} onRefresh={data.reload} />
      </header>
      <ErrorBox error={data.error} />
      <div class="kpis" data-testid="ops-kpis">
        <Kpi label={t("cap.ai")} value={num(d?.net.total.ai_pflops_fp16, 1)} />
        <Kpi label={t("cap.cores")} value={num(d?.net.total.cpu_cores)} />
        <Kpi label={t("col.util")} value={pct(util, 1)} sub={`${num(totalUse?.acc, 1)} ${t("cap.accelerators")} · ${num(totalUse?.cores)} ${t("cap.cores")}`} />
        {effTotal ? (
          <Kpi
            label={t("ops.effective")}
            value={pct(effTotal.useful_of_allocated_pct / 100, 1)}
            sub={`${L("有效/名义", "useful/nominal")} ${pct(effTotal.effective_pct / 100, 1)} · ${L("就绪节点", "ready nodes")} ${pct(d!.net.total.nodes_ready / Math.max(1, d!.net.total.nodes), 1)} · ${t("ops.faults")}: ${num(d?.down)}`}
            testid="effective"
          />
        ) : (
          <Kpi label={t("map.effective")} value={pct(d ? d.net.total.nodes_ready / Math.max(1, d.net.total.nodes) : undefined, 1)} sub={`${t("ops.faults")}: ${num(d?.down)}`} />
        )}
        <Kpi label={t("ops.queueP50")} value={waits.length ? duration(waits[Math.floor(waits.length / 2)]) : "–"} sub={`${t("ops.queueMax")} ${waits.length ? duration(waits[waits.length - 1]) : "–"} · ${num(waits.length)} ${tv("state", "pending")}`} />
        {fee && <Kpi label={t("ops.fee")} value={yuan(-fee.balance_fen)} />}
      </div>
      {!d?.net.allJobsVisible && <p class="notice small">{t("map.loadOwn")}</p>}
      <Tabs label={t("ops.by")} value={group} onChange={setGroup} tabs={GROUPS.map(([g, k]) => [g, t(k)])} />
      <div class="grid-2">
        <Panel title={`${t("ops.by")} ${t(GROUPS.find(([g]) => g === group)![1])}`}>
          <Chart option={barOption} height={380} label="capacity" />
        </Panel>
        <Panel title={t("col.util")}>
          <Table
            testid="ops-table"
            rows={rows}
            rowKey={(r) => r.key}
            columns={[
              { key: "k", label: t("col.key"), render: (r) => label(group, r.key) },
              { key: "c", label: t("cap.cores"), num: true, render: (r) => num(r.cap.cpu_cores) },
              { key: "a", label: t("cap.accelerators"), num: true, render: (r) => num(r.cap.accelerators) },
              { key: "p", label: "AI PFLOPS", num: true, render: (r) => num(r.cap.ai_pflops_fp16, 1) },
              { key: "al", label: t("col.allocated"), num: true, render: (r) => (r.use ? (r.cap.accelerators ? num(r.use.acc, 1) : num(r.use.cores)) : "–") },
              { key: "u", label: t("col.util"), num: true, render: (r) => (Number.isNaN(r.util) ? "–" : <LoadBar v={r.util} />) },
              { key: "e", label: t("ops.effShort"), num: true, render: (r) => (r.effective === undefined ? "–" : pct(r.effective / 100, 1)) },
            ]}
          />
          <p class="muted small">{t("ops.utilNote")}</p>
        </Panel>
      </div>
      <div class="grid-3">
        <Panel title={t("ops.trend")}>
          <Chart option={trendOption} height={260} label="trend" />
        </Panel>
        <Panel title={t("ops.jobs")}>
          <Chart option={statesOption} height={260} label="jobs" />
        </Panel>
        <Panel title={`${t("ops.faults")} (${num(d?.down)} ${tv("state", "down")})`}>
          <Table
            rows={(d?.faulty ?? []).filter((n: any) => n.fault_count > 0 || n.state !== "ready")}
            rowKey={(n: any) => n.id}
            columns={[
              { key: "n", label: t("col.name"), render: (n: any) => n.name },
              { key: "s", label: t("col.site"), render: (n: any) => d?.net.siteById.get(n.site_id)?.name ?? n.site_id },
              { key: "st", label: t("col.state"), render: (n: any) => tv("state", n.state) },
              { key: "f", label: t("map.faults"), num: true, render: (n: any) => num(n.fault_count) },
            ]}
          />
        </Panel>
      </div>
    </div>
  );
}
