// 一键匹配: say what the work needs (a form, or the same spec as YAML), get ranked plans with
// their reasons and the offers that did not fit and why, and submit to a plan. Before
// POST /match is live, the spec can be submitted directly and the scheduler places it.
import { useEffect, useState } from "preact/hooks";
import { ErrorBox, Panel, Table, Tabs } from "../components";
import { get, isMissingEndpoint, post } from "../lib/api";
import { num, pct, time, yuan } from "../lib/format";
import { L, t } from "../lib/i18n";
import { navigate, queryParam, route } from "../lib/router";
import { accName, has, orgName, session } from "../lib/session";

const ECOSYSTEMS = ["CUDA", "CANN", "DTK", "ROCm", "Neuware", "XPU", "MUSA", "CPU"];
const PRIORITIES = ["high", "normal", "spot", "best_effort"];

interface Form {
  name: string;
  tasks: number;
  cpu_cores: number;
  memory_gib: number;
  acc_count: number;
  acc_models: string;
  acc_min_mem: number;
  commands: Record<string, string>;
  duration_estimate_s: number;
  budget_yuan: number;
  priority: string;
  location_city: string;
  latency_limit_ms: number;
  offer_id: string;
}

const initial: Form = {
  name: "train-llm-7b",
  tasks: 1,
  cpu_cores: 16,
  memory_gib: 128,
  acc_count: 2,
  acc_models: "",
  acc_min_mem: 0,
  commands: { CUDA: "python train.py --config 7b.yaml", CANN: "python train.py --device npu --config 7b.yaml" },
  duration_estimate_s: 3600,
  budget_yuan: 0,
  priority: "normal",
  location_city: "成都市",
  latency_limit_ms: 0,
  offer_id: "",
};

// Without named models, the job may run on every catalog model of an ecosystem it has a
// command for, with enough device memory.
function modelsFor(f: Form): string[] {
  const ecos = new Set(Object.entries(f.commands).filter(([, c]) => c.trim()).map(([e]) => e));
  return [...session.get()!.catalog.values()]
    .filter((a) => ecos.has(a.ecosystem) && a.memory_gib > 0 && a.memory_gib >= f.acc_min_mem)
    .map((a) => a.id);
}

// The job spec exactly as POST /jobs and POST /match take it.
export function specOf(f: Form): Record<string, unknown> {
  const spec: Record<string, unknown> = {
    name: f.name,
    tasks: f.tasks,
    cpu_cores: f.cpu_cores,
    memory_gib: f.memory_gib,
    commands: Object.fromEntries(Object.entries(f.commands).filter(([, c]) => c.trim())),
    duration_estimate_s: f.duration_estimate_s,
    priority: f.priority,
  };
  if (f.acc_count > 0) {
    const acc: Record<string, unknown> = { count: f.acc_count };
    const models = f.acc_models.split(/[\s,]+/).filter(Boolean);
    acc.any_of = models.length ? models : modelsFor(f);
    if (f.acc_min_mem > 0) acc.min_memory_gib = f.acc_min_mem;
    spec.accelerators = acc;
  }
  if (f.budget_yuan > 0) spec.budget_fen = Math.round(f.budget_yuan * 100);
  if (f.location_city) spec.location_city = f.location_city;
  if (f.latency_limit_ms > 0) spec.latency_limit_ms = f.latency_limit_ms;
  if (f.offer_id) spec.offer_id = f.offer_id;
  return spec;
}

function Field(props: { label: string; children: any }) {
  return (
    <label class="field">
      <span>{props.label}</span>
      {props.children}
    </label>
  );
}

// One plan of POST /match: its totals, then the offers (parts) it runs on.
function PlanView(props: { plan: any }) {
  const p = props.plan;
  const sp = p.speed ?? {};
  return (
    <>
      <dl class="facts inline">
        <dt>{L("费用", "cost")}</dt>
        <dd>{yuan(p.cost_fen)}</dd>
        <dt>{L("算力券", "vouchers")}</dt>
        <dd>{p.subsidy_fen ? yuan(-p.subsidy_fen) : "–"}</dd>
        <dt>{L("券后", "after vouchers")}</dt>
        <dd>
          <strong>{yuan(p.cost_after_vouchers_fen ?? p.cost_fen - (p.subsidy_fen ?? 0))}</strong>
        </dd>
        <dt>{L("预计开始", "expected start")}</dt>
        <dd>{time(p.start)}</dd>
        <dt>{L("预计完成", "expected finish")}</dt>
        <dd>{time(p.finish)}</dd>
        <dt>{L("速度（相对 A100）", "speed (vs A100)")}</dt>
        <dd>{sp.known === false ? "?" : sp.vs_a100 !== undefined ? num(sp.vs_a100, 2) + "×" : "–"} {sp.workload ? <small class="muted">{sp.workload}</small> : null}</dd>
        <dt>{L("有效算力", "effective")}</dt>
        <dd>{sp.effective_pflops !== undefined ? num(sp.effective_pflops, 3) + " PFLOPS" : "–"}</dd>
        <dt>{L("可靠性", "reliability")}</dt>
        <dd>{pct(p.reliability, 2)}</dd>
        {p.failover_replicas ? (
          <>
            <dt>{L("冗余副本", "failover replicas")}</dt>
            <dd>{p.failover_replicas}</dd>
          </>
        ) : null}
      </dl>
      {(p.parts ?? []).length > 0 && (
        <Table
          rows={p.parts}
          columns={[
            { key: "o", label: t("match.offer"), render: (x: any) => <span title={x.offer_id}>{x.offer_name ?? x.offer_id}</span> },
            { key: "s", label: t("col.site"), render: (x: any) => (x.site ? `${x.site.city} · ${x.site.name}` : "") },
            { key: "sup", label: t("v.supplier"), render: (x: any) => orgName(x.supplier_org_id) },
            { key: "t", label: t("col.tasks"), num: true, render: (x: any) => num(x.tasks) },
            { key: "p", label: L("单价/时", "price/h"), num: true, render: (x: any) => yuan(x.price_fen_per_hour) },
            { key: "pv", label: L("券后/时", "after vouchers/h"), num: true, render: (x: any) => yuan(x.price_after_vouchers_fen_per_hour) },
            { key: "l", label: L("时延", "latency"), render: (x: any) => (x.latency_ms !== null && x.latency_ms !== undefined ? `${num(x.latency_ms, 1)} ms · ${x.network_tier ?? ""}` : "–") },
            { key: "prog", label: t("v.programmes"), render: (x: any) => x.programme ?? "–" },
          ]}
        />
      )}
    </>
  );
}

function reasonsOf(p: any): string[] {
  const r = p.reasons ?? p.why ?? p.reason ?? p.explanation;
  if (!r) return [];
  if (Array.isArray(r)) return r.map((x) => (typeof x === "string" ? x : JSON.stringify(x)));
  return [typeof r === "string" ? r : JSON.stringify(r)];
}

export function MatchPage() {
  const [form, setForm] = useState<Form>(initial);
  const [mode, setMode] = useState("form");
  const [yamlText, setYamlText] = useState("");
  const [yamlError, setYamlError] = useState("");
  const [result, setResult] = useState<{ plans: any[]; rejected: any[]; rejected_total?: number; workload?: string } | null>(null);
  const [missing, setMissing] = useState(false);
  const [error, setError] = useState<Error | undefined>();
  const [busy, setBusy] = useState(false);

  // Pre-fill from a market offer (/match?offer=…).
  useEffect(() => {
    const offer = queryParam(route.get(), "offer");
    if (!offer) return;
    get("/offers/" + encodeURIComponent(offer)).then((o) => {
      setForm((f) => ({
        ...f,
        offer_id: o.id,
        acc_count: o.accelerator_count ? Math.min(o.accelerator_count, f.acc_count || 1) : 0,
        acc_models: o.accelerator_model ?? "",
        cpu_cores: Math.min(o.cpu_cores || f.cpu_cores, f.cpu_cores),
        memory_gib: Math.min(o.memory_gib || f.memory_gib, f.memory_gib),
        commands: o.accelerator_model
          ? { [session.get()!.catalog.get(o.accelerator_model)?.ecosystem ?? "CUDA"]: "python train.py --config 7b.yaml" }
          : { CPU: "./run.sh" },
      }));
    }, setError);
  }, []);

  // The YAML library loads with the YAML tab (it is not needed for the first screen).
  const [yaml, setYaml] = useState<typeof import("yaml") | null>(null);
  const currentSpec = (): Record<string, unknown> | null => {
    if (mode === "form" || !yaml) return specOf(form);
    try {
      const s = yaml.parse(yamlText);
      if (!s || typeof s !== "object" || Array.isArray(s)) throw new Error(L("YAML 必须是一个映射", "the YAML must be a mapping"));
      setYamlError("");
      return s as Record<string, unknown>;
    } catch (e) {
      setYamlError((e as Error).message);
      return null;
    }
  };

  const switchMode = async (m: string) => {
    if (m === "yaml" && mode === "form") {
      const y = yaml ?? (await import("yaml"));
      setYaml(y);
      setYamlText(y.stringify(specOf(form)));
    }
    setMode(m);
  };

  const runMatch = async (ev?: Event) => {
    ev?.preventDefault();
    const spec = currentSpec();
    if (!spec) return;
    setBusy(true);
    setError(undefined);
    try {
      const r = await post("/match", spec);
      setResult({ ...r, plans: r.plans ?? [], rejected: r.rejected ?? [] });
      setMissing(false);
    } catch (e) {
      if (isMissingEndpoint(e)) {
        setMissing(true);
        setResult(null);
      } else setError(e as Error);
    } finally {
      setBusy(false);
    }
  };

  const submit = async (offerId?: string) => {
    const spec = currentSpec();
    if (!spec) return;
    setBusy(true);
    setError(undefined);
    try {
      const body = offerId ? { ...spec, offer_id: offerId } : spec;
      const job = await post("/jobs", body);
      navigate("/jobs/" + encodeURIComponent(job.id));
    } catch (e) {
      setError(e as Error);
    } finally {
      setBusy(false);
    }
  };

  // Accepting a plan submits its jobs: one per part (a split plan runs on several offers).
  const accept = async (plan: any) => {
    const bodies: any[] = plan.accept?.length ? plan.accept : [{ ...currentSpec(), offer_id: plan.offer_id }];
    setBusy(true);
    setError(undefined);
    try {
      const jobs = [];
      for (const b of bodies) jobs.push(await post("/jobs", b));
      navigate(jobs.length === 1 ? "/jobs/" + encodeURIComponent(jobs[0].id) : "/jobs");
    } catch (e) {
      setError(e as Error);
    } finally {
      setBusy(false);
    }
  };

  const set = <K extends keyof Form>(k: K, v: Form[K]) => setForm((f) => ({ ...f, [k]: v }));
  const numIn = (k: keyof Form) => (e: Event) => set(k, Number((e.target as HTMLInputElement).value) as any);
  const strIn = (k: keyof Form) => (e: Event) => set(k, (e.target as HTMLInputElement).value as any);
  const canSubmit = has("buyer");

  return (
    <div class="page">
      <header class="page-head">
        <h1>{t("match.title")}</h1>
      </header>
      <div class="grid-2 match">
        <Panel title={L("作业需求", "What the work needs")}>
          <Tabs label="spec" value={mode} onChange={switchMode} tabs={[["form", t("match.form")], ["yaml", t("match.yaml")]]} />
          <form onSubmit={runMatch} data-testid="match-form">
            {mode === "form" ? (
              <div class="form-grid">
                <Field label={t("match.name")}>
                  <input name="name" value={form.name} onInput={strIn("name")} required />
                </Field>
                <Field label={t("match.tasks")}>
                  <input name="tasks" type="number" min="1" value={form.tasks} onInput={numIn("tasks")} />
                </Field>
                <Field label={t("match.cpu")}>
                  <input name="cpu_cores" type="number" min="0" value={form.cpu_cores} onInput={numIn("cpu_cores")} />
                </Field>
                <Field label={t("match.mem")}>
                  <input name="memory_gib" type="number" min="0" value={form.memory_gib} onInput={numIn("memory_gib")} />
                </Field>
                <Field label={t("match.acc")}>
                  <input name="acc_count" type="number" min="0" value={form.acc_count} onInput={numIn("acc_count")} />
                </Field>
                <Field label={t("match.accMem")}>
                  <input name="acc_min_mem" type="number" min="0" value={form.acc_min_mem} onInput={numIn("acc_min_mem")} />
                </Field>
                <Field label={L("限定型号（目录 ID，可多个，空格分隔）", "allowed models (catalog ids, space-separated)")}>
                  <input name="acc_models" list="catalog-ids" value={form.acc_models} onInput={strIn("acc_models")} placeholder={L("空 = 按生态与显存自动选择", "empty = every model of its ecosystems with the memory")} />
                  <datalist id="catalog-ids">
                    {[...session.get()!.catalog.values()].map((a) => (
                      <option value={a.id} key={a.id}>
                        {accName(a.id)}
                      </option>
                    ))}
                  </datalist>
                </Field>
                <Field label={t("match.priority")}>
                  <select name="priority" value={form.priority} onChange={strIn("priority")}>
                    {PRIORITIES.map((p) => (
                      <option key={p}>{p}</option>
                    ))}
                  </select>
                </Field>
                <Field label={t("match.duration")}>
                  <input name="duration_estimate_s" type="number" min="1" value={form.duration_estimate_s} onInput={numIn("duration_estimate_s")} />
                </Field>
                <Field label={t("match.budget")}>
                  <input name="budget_yuan" type="number" min="0" value={form.budget_yuan} onInput={numIn("budget_yuan")} />
                </Field>
                <Field label={t("match.city")}>
                  <input name="location_city" value={form.location_city} onInput={strIn("location_city")} />
                </Field>
                <Field label={t("match.latency")}>
                  <input name="latency_limit_ms" type="number" min="0" value={form.latency_limit_ms} onInput={numIn("latency_limit_ms")} />
                </Field>
                <Field label={t("match.offer")}>
                  <input name="offer_id" value={form.offer_id} onInput={strIn("offer_id")} placeholder={L("可选", "optional")} />
                </Field>
                <fieldset class="wide">
                  <legend>{t("match.eco")}</legend>
                  {ECOSYSTEMS.map((eco) => (
                    <label class="eco" key={eco}>
                      <span>{eco}</span>
                      <input
                        name={"cmd_" + eco}
                        value={form.commands[eco] ?? ""}
                        placeholder={L("不支持则留空", "leave empty if it does not run there")}
                        onInput={(e) => set("commands", { ...form.commands, [eco]: (e.target as HTMLInputElement).value })}
                      />
                    </label>
                  ))}
                </fieldset>
              </div>
            ) : (
              <div>
                <textarea class="yaml" rows={22} spellcheck={false} aria-label="YAML" value={yamlText} onInput={(e) => setYamlText((e.target as HTMLTextAreaElement).value)} data-testid="match-yaml" />
                {yamlError && <div class="error">YAML: {yamlError}</div>}
              </div>
            )}
            <div class="row">
              <button type="submit" class="primary" disabled={busy} data-testid="run-match">
                {t("match.run")}
              </button>
              {canSubmit && (
                <button type="button" disabled={busy} onClick={() => submit()} data-testid="submit-direct">
                  {t("match.submitDirect")}
                </button>
              )}
            </div>
          </form>
          <ErrorBox error={error} />
        </Panel>
        <div>
          {missing && <div class="notice">{t("match.missing")}</div>}
          {result && (
            <>
              <Panel title={`${t("match.plans")} (${result.plans.length})`}>
                <ol class="plans" data-testid="plans">
                  {result.plans.map((p, i) => (
                    <li key={i} class="plan">
                      <div class="plan-head">
                        <strong>
                          #{p.rank ?? i + 1} {p.parts?.[0]?.offer_name ?? p.offer_name ?? p.offer_id}
                          {p.parts?.length > 1 ? ` +${p.parts.length - 1}` : ""}
                        </strong>
                        {p.kind && <span class="badge">{p.kind}</span>}
                        {p.score !== undefined && <span class="muted small">score {num(p.score, 3)}</span>}
                      </div>
                      <PlanView plan={p} />
                      {reasonsOf(p).length > 0 && (
                        <ul class="reasons">
                          {reasonsOf(p).map((r) => (
                            <li key={r}>{r}</li>
                          ))}
                        </ul>
                      )}
                      {canSubmit && (p.accept?.length || p.offer_id) && (
                        <button class="primary" disabled={busy} onClick={() => accept(p)} data-testid="submit-plan">
                          {t("match.submit")}
                        </button>
                      )}
                    </li>
                  ))}
                </ol>
              </Panel>
              <Panel title={`${t("match.rejected")} (${result.rejected_total ?? result.rejected.length})`}>
                <Table
                  rows={result.rejected.slice(0, 100)}
                  columns={[
                    { key: "offer", label: t("match.offer"), render: (r: any) => <code>{r.offer_id}</code> },
                    { key: "reason", label: t("jobs.reason"), render: (r: any) => r.reason },
                  ]}
                />
              </Panel>
            </>
          )}
        </div>
      </div>
    </div>
  );
}
