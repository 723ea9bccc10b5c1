// 一本账: an organisation's balances, this month's (or today's) statement and invoice, spend
// per day, CSV download; the operator and regulator pick any organisation and can verify the
// hash chain.
import { useMemo, useState } from "preact/hooks";
import { Chart, ErrorBox, Kpi, Live, Loading, Panel, Table, Tabs, Time } from "../components";
import { get, getText } from "../lib/api";
import { num, yuan } from "../lib/format";
import { L, t } from "../lib/i18n";
import { POLL_MS, useData } from "../lib/hooks";
import { orgName, seesAll, session } from "../lib/session";

function accountLabel(a: string): string {
  const [role, org, what] = a.split(":");
  if (!org) return a;
  const names: Record<string, string> = {
    balance: L("预付余额", "prepaid balance"),
    receivable: L("应收", "receivable"),
    grants: L("补贴拨款", "grants"),
  };
  return `${orgName(org)} · ${names[what] ?? what} (${role})`;
}

export function LedgerPage() {
  const me = session.get()!.me;
  const [org, setOrg] = useState(me.org_id);
  const [period, setPeriod] = useState("month");
  const [verify, setVerify] = useState<any>(null);
  const [err, setErr] = useState<Error | undefined>();
  const data = useData(
    async () => {
      const [balances, statement] = await Promise.all([
        get("/ledger/balances", { org_id: org }),
        get("/ledger/statements", { org_id: org, period }),
      ]);
      return { balances, statement };
    },
    [org, period],
    POLL_MS,
  );
  const st = data.data?.statement;
  const inv = st?.invoice;
  const buyerAcct = `buyer:${org}:balance`;
  const left = data.data?.balances.items.find((b: any) => b.account === buyerAcct);
  const recv = data.data?.balances.items.find((b: any) => b.account === `supplier:${org}:receivable`);

  const spend = useMemo(() => {
    const days = new Map<string, number>();
    for (const l of st?.lines ?? []) {
      if (l.account !== buyerAcct || l.kind !== "usage") continue;
      const d = new Date(new Date(l.at).getTime() + 8 * 3600e3).toISOString().slice(0, 10); // UTC+8 day
      days.set(d, (days.get(d) ?? 0) + l.amount_fen);
    }
    const keys = [...days.keys()].sort();
    return {
      tooltip: { trigger: "axis" },
      grid: { left: 60, right: 20, top: 20, bottom: 30 },
      xAxis: { type: "category", data: keys },
      yAxis: { type: "value", name: "¥" },
      series: [{ type: "bar", name: t("ledger.usage"), data: keys.map((k) => (days.get(k)! / 100).toFixed(2)), itemStyle: { color: "#1f5fbf" } }],
    };
  }, [st]);

  const downloadCsv = async () => {
    try {
      const csv = await getText("/ledger/statements", { org_id: org, period, format: "csv" });
      const a = document.createElement("a");
      a.href = URL.createObjectURL(new Blob([csv], { type: "text/csv" }));
      a.download = `statement-${org}-${st?.period?.label ?? period}.csv`;
      a.click();
      URL.revokeObjectURL(a.href);
    } catch (e) {
      setErr(e as Error);
    }
  };

  const runVerify = async () => {
    setErr(undefined);
    try {
      setVerify(await get("/ledger/verify"));
    } catch (e) {
      setErr(e as Error);
    }
  };

  const orgs = [...session.get()!.orgs.values()];
  return (
    <div class="page">
      <header class="page-head">
        <h1>{t("ledger.title")}</h1>
        <Live at={data.updatedAt} loading={data.loading} onRefresh={data.reload} />
      </header>
      <div class="row">
        {seesAll() && (
          <label>
            {t("ledger.org")}{" "}
            <select value={org} onChange={(e) => setOrg((e.target as HTMLSelectElement).value)} data-testid="ledger-org">
              {orgs.map((o) => (
                <option value={o.id} key={o.id}>
                  {o.display_name || o.name} ({o.roles.join(",")})
                </option>
              ))}
            </select>
          </label>
        )}
        <Tabs label="period" value={period} onChange={setPeriod} tabs={[["month", t("ledger.month")], ["day", t("ledger.day")]]} />
        <button onClick={downloadCsv}>{t("ledger.csv")}</button>
        {seesAll() && <button onClick={runVerify}>{t("ledger.verify")}</button>}
      </div>
      {verify && (
        <div class={verify.ok ? "notice" : "error"} role="status" data-testid="verify">
          {verify.ok ? `✓ ${t("ledger.verified")} ${num(verify.entries)} · head ${String(verify.head_hash).slice(0, 16)}…` : `✗ ${verify.violation} (seq ${verify.first_bad_seq})`}
        </div>
      )}
      <ErrorBox error={err ?? data.error} />
      <Loading when={!data.data && data.loading} />
      {st && (
        <>
          <div class="kpis" data-testid="ledger-kpis">
            {left && <Kpi label={t("ledger.left")} value={yuan(-left.balance_fen)} testid="balance" />}
            {recv && <Kpi label={L("应收（供给方）", "receivable (supplier)")} value={yuan(-recv.balance_fen)} />}
            <Kpi label={t("ledger.usage")} value={yuan(inv?.usage_charges_fen)} sub={st.period?.label} />
            <Kpi label={t("ledger.voucher")} value={yuan(inv?.voucher_covered_fen)} />
            <Kpi label={t("ledger.sla")} value={yuan(inv?.sla_credits_fen)} />
            <Kpi label={t("ledger.due")} value={yuan(inv?.amount_due_fen)} testid="amount-due" />
          </div>
          <div class="grid-2">
            <Panel title={t("ledger.spend")}>
              <Chart option={spend} height={240} label={t("ledger.spend")} />
            </Panel>
            <Panel title={`${t("ledger.invoice")} · ${st.period?.label ?? ""}`}>
              <dl class="facts" data-testid="invoice">
                <dt>{t("ledger.usage")}</dt>
                <dd>{yuan(inv?.usage_charges_fen)}</dd>
                <dt>− {t("ledger.voucher")}</dt>
                <dd>{yuan(inv?.voucher_covered_fen)}</dd>
                <dt>− {t("ledger.sla")}</dt>
                <dd>{yuan(inv?.sla_credits_fen)}</dd>
                <dt>± {t("ledger.reversals")}</dt>
                <dd>{yuan(inv?.reversals_fen)}</dd>
                <dt>
                  <strong>{t("ledger.due")}</strong>
                </dt>
                <dd>
                  <strong>{yuan(inv?.amount_due_fen)}</strong>
                </dd>
              </dl>
            </Panel>
          </div>
          <Panel title={t("ledger.balances")} actions={<span class="muted small">{L("借方为正、贷方为负；买方余额为负即尚有可用资金", "+ debit, − credit: a buyer's negative balance is money it has left")}</span>}>
            <Table
              testid="accounts-table"
              rows={st.accounts ?? []}
              columns={[
                { key: "a", label: t("col.account"), render: (a: any) => <span title={a.account}>{accountLabel(a.account)}</span> },
                { key: "o", label: t("ledger.opening"), num: true, render: (a: any) => yuan(a.opening_fen) },
                { key: "c", label: t("ledger.closing"), num: true, render: (a: any) => yuan(a.closing_fen) },
              ]}
            />
          </Panel>
          <Panel title={`${t("ledger.statement")} (${(st.lines ?? []).length})`}>
            <Table
              testid="statement-lines"
              rows={(st.lines ?? []).slice(-300).reverse()}
              columns={[
                { key: "seq", label: "#", num: true, render: (l: any) => l.seq },
                { key: "at", label: t("col.time"), render: (l: any) => <Time at={l.at} /> },
                { key: "kind", label: t("col.kind"), render: (l: any) => l.kind },
                { key: "acct", label: t("col.account"), render: (l: any) => accountLabel(l.account) },
                { key: "job", label: t("col.job"), render: (l: any) => (l.job ? <a href={"/jobs/" + encodeURIComponent(l.job)}>{l.job}</a> : "") },
                { key: "memo", label: t("col.memo"), render: (l: any) => l.memo },
                { key: "amt", label: t("col.amount"), num: true, render: (l: any) => yuan(l.amount_fen) },
              ]}
            />
          </Panel>
        </>
      )}
    </div>
  );
}
