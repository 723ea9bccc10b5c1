// Jobs: the caller's jobs (all of them for the operator and regulator) with live state; a job's
// detail with placement, state history (audit), its charges on this month's statement, cancel.
import { useEffect, useRef, useState } from "preact/hooks";
import { Badge, ErrorBox, Kpi, Live, Loading, Panel, Table, Tabs, Time } from "../components";
import { ApiError, get, post, type Page } from "../lib/api";
import { ago, duration, num, yuan } from "../lib/format";
import { L, t, tv } from "../lib/i18n";
import { POLL_MS, useData } from "../lib/hooks";
import { navigate } from "../lib/router";
import { accName, has, orgName, session } from "../lib/session";
import type { Job } from "../lib/network";

const STATES = ["", "pending", "scheduled", "running", "succeeded", "failed", "cancelled"];

export function JobsPage(props: { id?: string }) {
  return props.id ? <JobDetail id={props.id} /> : <JobList />;
}

function perTask(j: Job): string {
  const parts = [`${j.cpu_cores} ${t("cap.cores")}`, `${j.memory_gib} GiB`];
  const a = j.accelerators;
  if (a?.count) {
    const models = a.any_of ?? [];
    const which =
      models.length === 0 ? L("任意加速卡", "any accelerator")
      : models.length <= 2 ? models.map(accName).join(" / ")
      : L(`${models.length} 种型号`, `${models.length} models`) + ` (${[...new Set(models.map((m) => session.get()?.catalog.get(m)?.ecosystem ?? m))].join("/")})`;
    parts.push(`${a.count}× ${which}`);
  }
  else if (a?.milli) parts.push(`${a.milli / 1000} ${L("卡（共享）", "device (shared)")}`);
  return parts.join(" · ");
}

function JobList() {
  const [state, setState] = useState("");
  const [offset, setOffset] = useState(0);
  const list = useData(
    () => get<Page<Job>>("/jobs", { state, limit: 50, offset, sort: "-created_at" }),
    [state, offset],
    POLL_MS,
  );
  const counts = useData(
    () => Promise.all(STATES.slice(1).map((s) => get<Page<Job>>("/jobs", { state: s, limit: 1 }).then((p) => [s, p.total] as const))),
    [],
    POLL_MS,
  );
  return (
    <div class="page">
      <header class="page-head">
        <h1>{t("jobs.title")}</h1>
        <Live at={list.updatedAt} loading={list.loading} onRefresh={list.reload} />
        {has("buyer") && (
          <a class="button primary" href="/match">
            {t("jobs.new")}
          </a>
        )}
      </header>
      <div class="kpis">
        {(counts.data ?? []).map(([s, n]) => (
          <Kpi key={s} label={tv("state", s)} value={num(n)} />
        ))}
      </div>
      <Tabs
        label={t("col.state")}
        value={state}
        onChange={(v) => {
          setState(v);
          setOffset(0);
        }}
        tabs={STATES.map((s) => [s, s ? tv("state", s) : t("jobs.all")])}
      />
      <ErrorBox error={list.error} />
      <Loading when={!list.data && list.loading} />
      <Panel>
        <Table
          testid="jobs-table"
          rows={list.data?.items ?? []}
          rowKey={(j) => j.id}
          onRow={(j) => navigate("/jobs/" + encodeURIComponent(j.id))}
          columns={[
            { key: "name", label: t("col.name"), render: (j) => <a href={"/jobs/" + encodeURIComponent(j.id)}>{j.name}</a> },
            { key: "state", label: t("col.state"), render: (j) => <Badge value={j.state} /> },
            { key: "org", label: t("col.org"), render: (j) => orgName(j.org_id) },
            { key: "tasks", label: t("col.tasks"), num: true, render: (j) => num(j.tasks) },
            { key: "res", label: t("col.resources"), render: perTask },
            { key: "sup", label: t("v.supplier"), render: (j) => (j.supplier_org_id ? orgName(j.supplier_org_id) : "–") },
            { key: "created", label: t("col.created"), render: (j) => <Time at={j.created_at} /> },
          ]}
        />
        {list.data && (
          <div class="pager">
            <button disabled={offset === 0} onClick={() => setOffset(Math.max(0, offset - 50))}>
              ‹
            </button>
            <span>
              {offset + 1}–{offset + list.data.items.length} / {num(list.data.total)}
            </span>
            <button disabled={list.data.next_offset === null} onClick={() => setOffset(list.data!.next_offset ?? offset)}>
              ›
            </button>
          </div>
        )}
      </Panel>
    </div>
  );
}

// A task's output, streamed by polling GET /jobs/{id}/logs from the last offset.
function Logs(props: { job: Job }) {
  const j = props.job;
  const [task, setTask] = useState(0);
  const [text, setText] = useState("");
  const [note, setNote] = useState("");
  const offset = useRef(0);
  const ended = useRef(false);
  useEffect(() => {
    offset.current = 0;
    ended.current = false;
    setText("");
    setNote("");
    let stop = false;
    const poll = async () => {
      while (!stop && !ended.current) {
        try {
          const r = await get(`/jobs/${encodeURIComponent(j.id)}/logs`, { task, offset: offset.current });
          if (stop) return;
          if (r.data) setText((t0) => (t0 + r.data).slice(-200000));
          offset.current = r.next_offset;
          ended.current = !!r.eof;
          setNote("");
        } catch (e) {
          if (stop) return;
          setNote(e instanceof ApiError && (e.status === 404 || e.status === 503) && !(e.message ?? "").includes("no such job") ? t("jobs.noLogs") : (e as Error).message);
        }
        await new Promise((res) => setTimeout(res, 2000));
      }
    };
    poll();
    return () => {
      stop = true;
    };
  }, [j.id, task]);
  return (
    <Panel
      title={t("jobs.logs")}
      actions={
        j.tasks > 1 && (
          <label>
            task{" "}
            <select value={task} onChange={(e) => setTask(Number((e.target as HTMLSelectElement).value))}>
              {Array.from({ length: Math.min(j.tasks, 256) }, (_, i) => (
                <option key={i} value={i}>
                  {i}
                </option>
              ))}
            </select>
          </label>
        )
      }
    >
      {note && <p class="muted">{note}</p>}
      <pre class="log" data-testid="job-logs" aria-live="polite">{text || (note ? JSON.stringify(j.commands ?? {}, null, 2) : L("（暂无输出）", "(no output yet)"))}</pre>
    </Panel>
  );
}

function JobDetail(props: { id: string }) {
  const id = props.id;
  const job = useData(() => get<Job>("/jobs/" + encodeURIComponent(id)), [id], 2000);
  const history = useData(
    () => get("/audit", { object_id: id, limit: 200 }).catch((e) => (e instanceof ApiError && e.status === 403 ? { items: [] } : Promise.reject(e))),
    [id],
    POLL_MS,
  );
  const bill = useData(
    async () => {
      const j = job.data;
      const me = session.get()!.me;
      const org = j && (has("operator") || has("regulator")) ? j.org_id : me.org_id;
      const st = await get("/ledger/statements", { org_id: org, period: "month" });
      return (st.lines ?? []).filter((l: any) => l.job === id && l.account.startsWith("buyer:"));
    },
    [id, job.data?.org_id],
    POLL_MS * 2,
  );
  const poolId = job.data?.pool_id ?? "";
  const pool = useData(
    async () => {
      if (!poolId) return undefined;
      const p = await get("/pools/" + encodeURIComponent(poolId));
      return { ...p, site: await get("/sites/" + encodeURIComponent(p.site_id)) };
    },
    [poolId],
  );
  const [msg, setMsg] = useState("");
  const [err, setErr] = useState<Error | undefined>();
  const j = job.data;
  const cancel = async () => {
    setErr(undefined);
    try {
      await post(`/jobs/${encodeURIComponent(id)}/cancel`, { reason: L("控制台取消", "cancelled from the console") });
      setMsg(t("jobs.cancelled"));
      job.reload();
    } catch (e) {
      setErr(e as Error);
    }
  };
  const active = j && ["pending", "scheduled", "running"].includes(j.state);
  const charged = (bill.data ?? []).reduce((s: number, l: any) => s + l.amount_fen, 0);
  return (
    <div class="page">
      <a href="/jobs">{t("jobs.back")}</a>
      <header class="page-head">
        <h1>
          {j?.name ?? id} {j && <Badge value={j.state} />}
        </h1>
        <Live at={job.updatedAt} loading={job.loading} onRefresh={job.reload} />
        {active && (has("buyer") || has("operator")) && (
          <button class="danger" onClick={cancel} data-testid="cancel-job">
            {t("jobs.cancel")}
          </button>
        )}
      </header>
      {msg && <div class="notice" role="status">{msg}</div>}
      <ErrorBox error={err ?? job.error} />
      {j && (
        <div data-testid="job-detail" data-state={j.state}>
          <div class="kpis">
            <Kpi label={t("col.state")} value={tv("state", j.state)} sub={j.state_reason} testid="job-state" />
            <Kpi label={t("col.tasks")} value={num(j.tasks)} sub={perTask(j)} />
            <Kpi label={t("jobs.started")} value={<Time at={j.started_at} />} sub={j.started_at && !j.started_at.startsWith("1970") ? duration(ago(j.started_at, j.finished_at && !j.finished_at.startsWith("1970") ? new Date(j.finished_at).getTime() : Date.now())) : ""} />
            <Kpi label={t("jobs.bill")} value={yuan(charged)} sub={L("本月已计费", "billed this month")} testid="job-bill" />
          </div>
          <div class="grid-2">
            <Panel title={t("jobs.placement")}>
              <dl class="facts">
                <dt>ID</dt>
                <dd><code>{j.id}</code></dd>
                <dt>{t("col.org")}</dt>
                <dd>{orgName(j.org_id)}</dd>
                <dt>{t("col.pool")}</dt>
                <dd>{pool.data ? `${pool.data.name} · ${pool.data.site?.name ?? ""}` : j.pool_id || "–"}</dd>
                <dt>{t("v.supplier")}</dt>
                <dd>{j.supplier_org_id ? orgName(j.supplier_org_id) : "–"}</dd>
                <dt>{t("match.offer")}</dt>
                <dd>{j.offer_id || "–"}</dd>
                <dt>{t("match.priority")}</dt>
                <dd>{j.priority}</dd>
                <dt>{t("jobs.reason")}</dt>
                <dd>{j.state_reason || "–"}</dd>
              </dl>
              <Table
                testid="placement-table"
                rows={j.placement ?? []}
                columns={[
                  { key: "node", label: t("jobs.node"), render: (p) => <code>{p.node_id}</code> },
                  { key: "dev", label: t("jobs.devices"), render: (p) => (p.devices ?? []).join(", ") || "–" },
                ]}
              />
            </Panel>
            <Panel title={t("jobs.history")}>
              <Table
                rows={(history.data?.items ?? []).slice().reverse()}
                columns={[
                  { key: "at", label: t("col.time"), render: (a: any) => <Time at={a.at} /> },
                  { key: "action", label: t("col.action"), render: (a: any) => a.action },
                  { key: "state", label: t("col.state"), render: (a: any) => (a.after?.state ? <Badge value={a.after.state} /> : "–") },
                  { key: "reason", label: t("jobs.reason"), render: (a: any) => a.after?.state_reason ?? "" },
                ]}
              />
            </Panel>
          </div>
          <Panel title={t("jobs.bill")}>
            <Table
              testid="job-bill-lines"
              rows={bill.data ?? []}
              columns={[
                { key: "at", label: t("col.time"), render: (l: any) => <Time at={l.at} /> },
                { key: "kind", label: t("col.kind"), render: (l: any) => l.kind },
                { key: "memo", label: t("col.memo"), render: (l: any) => l.memo },
                { key: "amt", label: t("col.amount"), num: true, render: (l: any) => yuan(l.amount_fen) },
              ]}
            />
          </Panel>
          <Logs job={j} />
        </div>
      )}
    </div>
  );
}
