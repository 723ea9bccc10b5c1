// 算力券: programmes and their budgets; a buyer applies; the programme's regulator approves or
// rejects; a regulator publishes a programme; the monthly write-off (核销) per supplier.
import { useState } from "preact/hooks";
import { Badge, ErrorBox, Live, Panel, Table } from "../components";
import { get, post } from "../lib/api";
import { day, num, pct, yuan } from "../lib/format";
import { L, t, tv } from "../lib/i18n";
import { POLL_MS, useData } from "../lib/hooks";
import { has, orgName, seesAll, session } from "../lib/session";

export function eligibility(p: any): string {
  const parts = [
    p.kinds?.length ? p.kinds.map((k: string) => tv("kind", k)).join("/") : "",
    p.regions?.length ? p.regions.join("/") : "",
    p.providers?.length ? p.providers.map(orgName).join("/") : "",
  ].filter(Boolean);
  return parts.length ? parts.join(" · ") : t("v.any");
}

export function ProgrammesTable(props: { rows: any[] }) {
  return (
    <Table
      testid="programmes-table"
      rows={props.rows}
      rowKey={(p) => p.id}
      columns={[
        { key: "name", label: t("v.name"), render: (p) => <span title={p.id}>{p.name || p.id}</span> },
        { key: "reg", label: t("role.regulator"), render: (p) => orgName(p.regulator) },
        { key: "share", label: t("v.share"), num: true, render: (p) => pct(p.share_bps / 10000) },
        { key: "min", label: t("v.minContract"), num: true, render: (p) => yuan(p.min_contract_fen) },
        { key: "cap", label: t("v.cap"), num: true, render: (p) => yuan(p.cap_per_company_fen) },
        { key: "budget", label: t("v.budget"), num: true, render: (p) => yuan(p.budget_fen) },
        { key: "spent", label: t("v.spent"), num: true, render: (p) => yuan(p.spent_fen) },
        { key: "left", label: t("v.left"), num: true, render: (p) => yuan(p.budget_left_fen) },
        { key: "elig", label: t("v.eligible"), render: eligibility },
        { key: "valid", label: t("v.valid"), render: (p) => `${day(p.valid_from)} – ${day(p.valid_until)}` },
      ]}
    />
  );
}

export function VouchersPage() {
  const me = session.get()!.me;
  const data = useData(
    async () => {
      const [programmes, applications] = await Promise.all([get("/vouchers/programmes"), get("/vouchers/applications")]);
      return { programmes: programmes.items as any[], applications: applications.items as any[] };
    },
    [],
    POLL_MS,
  );
  const [err, setErr] = useState<Error | undefined>();
  const [msg, setMsg] = useState("");
  const programmes = data.data?.programmes ?? [];
  const act = async (fn: () => Promise<any>, done: string) => {
    setErr(undefined);
    setMsg("");
    try {
      await fn();
      setMsg(done);
      data.reload();
    } catch (e) {
      setErr(e as Error);
    }
  };

  // Apply (buyer)
  const [prog, setProg] = useState("");
  const [contract, setContract] = useState("10000");
  const apply = (e: Event) => {
    e.preventDefault();
    const programme = prog || programmes[0]?.id;
    act(() => post("/vouchers/applications", { programme, contract_fen: Math.round(Number(contract) * 100) }), L("已提交申请", "Application submitted"));
  };

  // New programme (regulator)
  const year = new Date().getFullYear();
  const [np, setNp] = useState({ name: "", share: "30", cap: "50000", budget: "1000000", min: "5000", until: `${year + 1}-01-01`, kinds: "" });
  const publish = (e: Event) => {
    e.preventDefault();
    const body: any = {
      name: np.name,
      share_bps: Math.round(Number(np.share) * 100),
      cap_per_company_fen: Math.round(Number(np.cap) * 100),
      budget_fen: Math.round(Number(np.budget) * 100),
      min_contract_fen: Math.round(Number(np.min) * 100),
      valid_until: new Date(np.until + "T00:00:00+08:00").toISOString().replace(/\.\d+Z$/, "Z"),
    };
    if (np.kinds) body.kinds = np.kinds.split(/[\s,]+/).filter(Boolean);
    act(() => post("/vouchers/programmes", body), L("已发布补贴计划", "Programme published"));
  };
  const progName = (id: string) => programmes.find((p) => p.id === id)?.name || id;
  const myProgramme = (id: string) => programmes.find((p) => p.id === id)?.regulator === me.org_id;

  return (
    <div class="page">
      <header class="page-head">
        <h1>{t("v.title")}</h1>
        <Live at={data.updatedAt} loading={data.loading} onRefresh={data.reload} />
      </header>
      {msg && <div class="notice" role="status">{msg}</div>}
      <ErrorBox error={err ?? data.error} />
      <Panel title={t("v.programmes")}>
        <ProgrammesTable rows={programmes} />
      </Panel>
      <div class="grid-2">
        {has("buyer") && (
          <Panel title={t("v.apply")}>
            <form onSubmit={apply} class="form-grid" data-testid="apply-form">
              <label class="field">
                <span>{t("v.programmes")}</span>
                <select value={prog} onChange={(e) => setProg((e.target as HTMLSelectElement).value)} name="programme">
                  {programmes.map((p) => (
                    <option value={p.id} key={p.id}>
                      {p.name || p.id} ({pct(p.share_bps / 10000)})
                    </option>
                  ))}
                </select>
              </label>
              <label class="field">
                <span>{t("v.contract")}</span>
                <input type="number" min="0" step="0.01" name="contract" value={contract} onInput={(e) => setContract((e.target as HTMLInputElement).value)} />
              </label>
              <div class="row wide">
                <button class="primary" type="submit" disabled={!programmes.length}>
                  {t("v.apply")}
                </button>
              </div>
            </form>
          </Panel>
        )}
        {has("regulator") && (
          <Panel title={t("v.new")}>
            <form onSubmit={publish} class="form-grid" data-testid="programme-form">
              <label class="field wide">
                <span>{t("v.name")}</span>
                <input required value={np.name} onInput={(e) => setNp({ ...np, name: (e.target as HTMLInputElement).value })} placeholder={L("例：2027 年成都智算券", "e.g. Chengdu AI vouchers 2027")} />
              </label>
              {(
                [
                  ["share", L("补贴比例 %", "share %")],
                  ["min", L("最低合同（元）", "min contract (¥)")],
                  ["cap", L("每家上限（元/年）", "cap per company-year (¥)")],
                  ["budget", L("预算（元）", "budget (¥)")],
                ] as const
              ).map(([k, label]) => (
                <label class="field" key={k}>
                  <span>{label}</span>
                  <input type="number" min="0" value={(np as any)[k]} onInput={(e) => setNp({ ...np, [k]: (e.target as HTMLInputElement).value })} />
                </label>
              ))}
              <label class="field">
                <span>{t("v.validUntil")}</span>
                <input type="date" value={np.until} onInput={(e) => setNp({ ...np, until: (e.target as HTMLInputElement).value })} />
              </label>
              <label class="field">
                <span>{L("适用类型（ai, general, hpc；空 = 不限）", "kinds (ai, general, hpc; empty = any)")}</span>
                <input value={np.kinds} onInput={(e) => setNp({ ...np, kinds: (e.target as HTMLInputElement).value })} />
              </label>
              <div class="row wide">
                <button class="primary" type="submit">
                  {t("v.create")}
                </button>
              </div>
            </form>
          </Panel>
        )}
      </div>
      <Panel title={t("v.applications")}>
        <Table
          testid="applications-table"
          rows={(data.data?.applications ?? []).slice().reverse()}
          rowKey={(a) => a.id}
          columns={[
            { key: "id", label: "ID", render: (a) => <code>{a.id}</code> },
            { key: "prog", label: t("v.programmes"), render: (a) => progName(a.programme) },
            { key: "buyer", label: t("v.buyer"), render: (a) => orgName(a.buyer) },
            { key: "contract", label: t("v.contract"), num: true, render: (a) => yuan(a.contract_fen) },
            { key: "state", label: t("col.state"), render: (a) => <Badge prefix="app" value={a.state} /> },
            ...(has("regulator")
              ? [
                  {
                    key: "act",
                    label: t("col.action"),
                    render: (a: any) =>
                      a.state === "pending" && myProgramme(a.programme) ? (
                        <span class="row">
                          <button class="primary" data-testid={"approve-" + a.id} onClick={() => act(() => post(`/vouchers/applications/${a.id}/approve`, {}), t("state.approved"))}>
                            {t("v.approve")}
                          </button>
                          <button onClick={() => act(() => post(`/vouchers/applications/${a.id}/reject`, { reason: L("材料不全", "incomplete documents") }), t("state.rejected"))}>
                            {t("v.reject")}
                          </button>
                        </span>
                      ) : (
                        ""
                      ),
                  },
                ]
              : []),
          ]}
        />
      </Panel>
      {(has("supplier") || seesAll()) && <WriteOff />}
    </div>
  );
}

function WriteOff() {
  const me = session.get()!.me;
  const suppliers = [...session.get()!.orgs.values()].filter((o) => o.roles.includes("supplier"));
  const [sup, setSup] = useState(has("supplier") ? me.org_id : suppliers[0]?.id ?? "");
  const w = useData(() => get("/vouchers/writeoffs", { supplier_id: sup }), [sup], POLL_MS * 2);
  return (
    <Panel
      title={t("v.writeoff")}
      actions={
        seesAll() && (
          <select value={sup} onChange={(e) => setSup((e.target as HTMLSelectElement).value)} aria-label={t("v.supplier")}>
            {suppliers.map((o) => (
              <option key={o.id} value={o.id}>
                {o.display_name || o.name}
              </option>
            ))}
          </select>
        )
      }
    >
      <ErrorBox error={w.error} />
      <p>
        {orgName(sup)} · {w.data?.period} · {L("合计", "total")} <strong data-testid="writeoff-total">{yuan(w.data?.total_fen)}</strong>
      </p>
      <Table
        testid="writeoff-table"
        rows={w.data?.rows ?? []}
        columns={[
          { key: "p", label: t("v.programmes"), render: (r: any) => r.programme },
          { key: "b", label: t("v.buyer"), render: (r: any) => orgName(r.buyer) },
          { key: "a", label: t("v.applications"), render: (r: any) => <code>{r.application}</code> },
          { key: "n", label: t("v.vouchers"), num: true, render: (r: any) => num(r.vouchers) },
          { key: "amt", label: t("col.amount"), num: true, render: (r: any) => yuan(r.amount_fen) },
        ]}
      />
    </Panel>
  );
}
