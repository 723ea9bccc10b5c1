// 一站统管: capacity and use by region and kind, subsidy spend per programme, the ledger's
// integrity, and the audit trail (newest first, filterable by object kind and id).
import { useMemo, useState } from "preact/hooks";
import { Chart, ErrorBox, Kpi, Live, Panel, Table, Time } from "../components";
import { get } from "../lib/api";
import { num, pct, yuan } from "../lib/format";
import { L, t, tv } from "../lib/i18n";
import { POLL_MS, useData } from "../lib/hooks";
import { capacity, loadNetwork, useBy, utilisation } from "../lib/network";
import { orgName } from "../lib/session";
import { LoadBar } from "./MapPage";
import { ProgrammesTable } from "./VouchersPage";

// The audit API pages forward from a sequence number; the newest entries are found by
// probing for the last sequence number: exponentially from the last one found for the same
// filter, then by bisection (a few requests per refresh).
const lastSeqHints = new Map<string, number>();

async function lastAuditSeq(query: Record<string, string>): Promise<number> {
  const exists = async (after: number) => (await get("/audit", { ...query, after_seq: after, limit: 1 })).items.length > 0;
  const key = JSON.stringify(query);
  let lo = lastSeqHints.get(key) ?? 0;
  if (lo > 0 && !(await exists(lo - 1))) lo = 0;
  else if (lo > 0) lo -= 1;
  if (!(await exists(lo))) return lo; // no entries at all (lo is 0 here)
  // Entries exist after lo; find hi with none after it.
  let step = 1;
  let hi = lo + step;
  while (await exists(hi)) {
    lo = hi;
    step *= 2;
    hi = lo + step;
  }
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (await exists(mid)) lo = mid;
    else hi = mid;
  }
  lastSeqHints.set(key, hi);
  return hi;
}

function AuditTrail() {
  const [kind, setKind] = useState("");
  const [object, setObject] = useState("");
  const [back, setBack] = useState(0);
  const page = 50;
  const audit = useData(
    async () => {
      const q: Record<string, string> = {};
      if (kind) q.kind = kind;
      if (object) q.object_id = object;
      const last = await lastAuditSeq(q);
      const from = Math.max(0, last - page * (back + 1));
      const r = await get("/audit", { ...q, after_seq: from, limit: 1000 });
      const items = (r.items as any[]).filter((a) => a.seq <= last - page * back);
      return { items: items.slice(-page).reverse(), last };
    },
    [kind, object, back],
    POLL_MS * 2,
  );
  return (
    <Panel title={t("reg.audit")} actions={<Live at={audit.updatedAt} loading={audit.loading} onRefresh={audit.reload} />}>
      <div class="row">
        <label>
          {t("reg.filterKind")}{" "}
          <select value={kind} onChange={(e) => { setKind((e.target as HTMLSelectElement).value); setBack(0); }}>
            {["", "org", "user", "token", "site", "pool", "node", "offer", "job", "accelerator"].map((k) => (
              <option key={k} value={k}>
                {k || t("jobs.all")}
              </option>
            ))}
          </select>
        </label>
        <label>
          {t("reg.filterObject")}{" "}
          <input value={object} onChange={(e) => { setObject((e.target as HTMLInputElement).value.trim()); setBack(0); }} placeholder="job_…" />
        </label>
        <button disabled={back === 0} onClick={() => setBack(back - 1)}>‹ {L("较新", "newer")}</button>
        <button disabled={!audit.data || audit.data.items.length < page} onClick={() => setBack(back + 1)}>{L("较早", "older")} ›</button>
      </div>
      <ErrorBox error={audit.error} />
      <Table
        testid="audit-table"
        rows={audit.data?.items ?? []}
        rowKey={(a: any) => String(a.seq)}
        columns={[
          { key: "seq", label: "#", num: true, render: (a: any) => a.seq },
          { key: "at", label: t("col.time"), render: (a: any) => <Time at={a.at} /> },
          { key: "actor", label: t("col.actor"), render: (a: any) => (a.actor_org_id ? orgName(a.actor_org_id) + " · " : "") + a.actor_user_id },
          { key: "action", label: t("col.action"), render: (a: any) => a.action },
          { key: "kind", label: t("reg.filterKind"), render: (a: any) => a.kind },
          { key: "obj", label: t("col.object"), render: (a: any) => <code>{a.object_id}</code> },
          { key: "chg", label: L("变更", "change"), render: (a: any) => <Diff before={a.before} after={a.after} /> },
        ]}
      />
    </Panel>
  );
}

function Diff(props: { before: any; after: any }) {
  const b = props.before ?? {};
  const a = props.after ?? {};
  const keys = [...new Set([...Object.keys(b), ...Object.keys(a)])].filter(
    (k) => !["version", "updated_at", "created_at"].includes(k) && JSON.stringify(b[k]) !== JSON.stringify(a[k]),
  );
  if (!props.before) return <span class="muted small">{L("新建", "created")}</span>;
  if (!props.after) return <span class="muted small">{L("删除", "deleted")}</span>;
  return (
    <span class="small">
      {keys.slice(0, 4).map((k) => (
        <span key={k} class="diff">
          {k}: {short(b[k])} → {short(a[k])}{" "}
        </span>
      ))}
    </span>
  );
}
function short(v: unknown): string {
  const s = typeof v === "string" ? v : JSON.stringify(v);
  return s === undefined ? "–" : s.length > 40 ? s.slice(0, 40) + "…" : s;
}

export function RegulatorPage() {
  const data = useData(
    async () => {
      const [net, byProvince, byKind, programmes, applications] = await Promise.all([
        loadNetwork(),
        capacity("province"),
        capacity("kind"),
        get("/vouchers/programmes"),
        get("/vouchers/applications"),
      ]);
      return { net, byProvince, byKind, programmes: programmes.items as any[], applications: applications.items as any[] };
    },
    [],
    POLL_MS * 2,
  );
  const [verify, setVerify] = useState<any>(null);
  const d = data.data;
  const provinceRows = useMemo(() => {
    if (!d) return [];
    const use = useBy(d.net, (s) => s?.province ?? "");
    return (d.byProvince.groups ?? []).map((c) => ({ c, u: use.get(c.key ?? ""), util: utilisation(c, use.get(c.key ?? "")) })).sort((a, b) => b.c.ai_pflops_fp16 - a.c.ai_pflops_fp16);
  }, [d]);
  const kindRows = useMemo(() => {
    if (!d) return [];
    const use = useBy(d.net, (_, p) => p?.kind ?? "");
    return (d.byKind.groups ?? []).map((c) => ({ c, util: utilisation(c, use.get(c.key ?? "")) }));
  }, [d]);
  const spent = (d?.programmes ?? []).reduce((s, p) => s + p.spent_fen, 0);
  const budget = (d?.programmes ?? []).reduce((s, p) => s + p.budget_fen, 0);
  const apps = d?.applications ?? [];
  const subsidyOption = useMemo(
    () => ({
      tooltip: { trigger: "axis" },
      legend: { top: 0 },
      grid: { left: 60, right: 20, top: 30, bottom: 60 },
      xAxis: { type: "category", data: (d?.programmes ?? []).map((p) => p.name || p.id), axisLabel: { interval: 0, rotate: 15 } },
      yAxis: { type: "value", name: "¥" },
      series: [
        { name: t("v.spent"), type: "bar", stack: "b", data: (d?.programmes ?? []).map((p) => p.spent_fen / 100), itemStyle: { color: "#e07b24" } },
        { name: t("v.left"), type: "bar", stack: "b", data: (d?.programmes ?? []).map((p) => p.budget_left_fen / 100), itemStyle: { color: "#c9d6e8" } },
      ],
    }),
    [d],
  );
  return (
    <div class="page">
      <header class="page-head">
        <h1>{t("reg.title")}</h1>
        <Live at={data.updatedAt} loading={data.loading} onRefresh={data.reload} />
        <button onClick={() => get("/ledger/verify").then(setVerify, (e) => setVerify({ ok: false, violation: e.message }))}>{t("ledger.verify")}</button>
      </header>
      {verify && (
        <div class={verify.ok ? "notice" : "error"} role="status" data-testid="verify">
          {verify.ok ? `✓ ${t("ledger.verified")} ${num(verify.entries)} · head ${String(verify.head_hash).slice(0, 16)}…` : `✗ ${verify.violation}`}
        </div>
      )}
      <ErrorBox error={data.error} />
      <div class="kpis">
        <Kpi label={t("cap.ai")} value={num(d?.net.total.ai_pflops_fp16, 1)} />
        <Kpi label={t("cap.hpc")} value={num(d?.net.total.hpc_pflops_fp64, 2)} />
        <Kpi label={t("cap.cores")} value={num(d?.net.total.cpu_cores)} />
        <Kpi label={t("reg.subsidy")} value={yuan(spent)} sub={`${pct(spent / Math.max(1, budget), 1)} / ${yuan(budget)}`} testid="subsidy-spent" />
        <Kpi label={t("v.applications")} value={num(apps.length)} sub={["pending", "approved", "rejected"].map((s) => `${tv("app", s)} ${apps.filter((a) => a.state === s).length}`).join(" · ")} />
      </div>
      <div class="grid-2">
        <Panel title={`${t("reg.capacity")} · ${t("col.region")}`}>
          <Table
            testid="reg-province"
            rows={provinceRows}
            rowKey={(r) => r.c.key ?? ""}
            columns={[
              { key: "k", label: t("col.province"), render: (r) => r.c.key },
              { key: "c", label: t("cap.cores"), num: true, render: (r) => num(r.c.cpu_cores) },
              { key: "a", label: t("cap.accelerators"), num: true, render: (r) => num(r.c.accelerators) },
              { key: "p", label: "AI PFLOPS", num: true, render: (r) => num(r.c.ai_pflops_fp16, 1) },
              { key: "h", label: "HPC PFLOPS", num: true, render: (r) => num(r.c.hpc_pflops_fp64, 2) },
              { key: "u", label: t("col.util"), num: true, render: (r) => <LoadBar v={r.util} /> },
            ]}
          />
        </Panel>
        <div>
          <Panel title={`${t("reg.capacity")} · ${t("col.kind")}`}>
            <Table
              rows={kindRows}
              rowKey={(r) => r.c.key ?? ""}
              columns={[
                { key: "k", label: t("col.kind"), render: (r) => tv("kind", r.c.key ?? "") },
                { key: "n", label: t("cap.nodes"), num: true, render: (r) => num(r.c.nodes) },
                { key: "c", label: t("cap.cores"), num: true, render: (r) => num(r.c.cpu_cores) },
                { key: "a", label: t("cap.accelerators"), num: true, render: (r) => num(r.c.accelerators) },
                { key: "p", label: "PFLOPS", num: true, render: (r) => num(r.c.key === "hpc" ? r.c.hpc_pflops_fp64 : r.c.ai_pflops_fp16, 2) },
                { key: "u", label: t("col.util"), num: true, render: (r) => <LoadBar v={r.util} /> },
              ]}
            />
          </Panel>
          <Panel title={t("reg.subsidy")}>
            <Chart option={subsidyOption} height={220} label={t("reg.subsidy")} />
          </Panel>
        </div>
      </div>
      <Panel title={t("v.programmes")}>
        <ProgrammesTable rows={d?.programmes ?? []} />
      </Panel>
      <AuditTrail />
    </div>
  );
}
