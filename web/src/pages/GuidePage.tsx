// 操作指南 and 政策支持: how each role does its one step (connect and publish, match and buy,
// apply for vouchers), and the regulator's open programmes, live from the ledger.
import { ErrorBox, Panel } from "../components";
import { get } from "../lib/api";
import { L, t } from "../lib/i18n";
import { useData } from "../lib/hooks";
import { ProgrammesTable } from "./VouchersPage";

function Step(props: { n: number; title: string; children: any }) {
  return (
    <li class="step">
      <h3>
        <span class="step-n">{props.n}</span> {props.title}
      </h3>
      {props.children}
    </li>
  );
}

export function GuidePage() {
  const progs = useData(() => get("/vouchers/programmes"), []);
  const now = Date.now();
  const open = (progs.data?.items ?? []).filter((p: any) => new Date(p.valid_until).getTime() > now && p.budget_left_fen > 0);
  return (
    <div class="page guide">
      <header class="page-head">
        <h1>{t("guide.title")}</h1>
      </header>
      <div class="grid-2">
        <Panel title={L("供给方：接入算力中心并一键发布", "Suppliers: connect a site and publish in one step")}>
          <ol class="steps">
            <Step n={1} title={L("登记算力中心与资源池", "Register the site and its pools")}>
              <p>{L("填写位置与层级（枢纽/区域/边缘）；每个资源池选择通算、智算或超算，以及驱动（内置节点代理或本中心的 Slurm）。", "Give its location and tier (hub / region / edge); each pool is general, AI or HPC, run by the built-in node agent or the site's own Slurm.")}</p>
              <pre>suanli site create --name cd-tianfu-1 --city 成都市 --province 四川省{" \\\n"}  --latitude 30.4 --longitude 104.1 --tier region{"\n"}suanli pool create --site-id SITE --name a800 --kind ai --driver agent</pre>
            </Step>
            <Step n={2} title={L("接入节点", "Connect the nodes")}>
              <p>{L("节点代理用限定于该资源池的令牌注册本机，上报 CPU、内存、加速卡与健康状态。", "The node agent registers each machine with a token limited to the pool and reports CPU, memory, accelerators and health.")}</p>
              <pre>suanli token create --name agent --pool POOL{"\n"}suanli agent --server http://PLATFORM:8080 --token sl_… --name gpu-node-01</pre>
            </Step>
            <Step n={3} title={L("一键发布挂牌", "Publish an offer in one step")}>
              <p>{L("按资源池的实际库存生成挂牌（规格、数量、价格、计费方式）；平台保证挂牌不超过资源池真实拥有的算力。", "An offer is built from the pool's real inventory (shape, quantity, price, billing mode); the platform never lets it sell more than the pool has.")}</p>
              <pre>suanli offer publish --pool POOL --price 25.5</pre>
            </Step>
          </ol>
        </Panel>
        <Panel title={L("需求方：一键匹配并购买算力", "Buyers: match and buy in one step")}>
          <ol class="steps">
            <Step n={1} title={L("在算力市场检索", "Search the market")}>
              <p>{L("按类型、厂商、型号、生态、显存、地区、层级、价格和可靠性筛选，按需排序。", "Filter by kind, vendor, model, ecosystem, memory, region, tier, price and reliability, sorted as you ask.")}</p>
              <p><a href="/market">{t("nav.market")} →</a></p>
            </Step>
            <Step n={2} title={L("说明作业需求并匹配", "Say what the work needs, then match")}>
              <p>{L("加速卡数量与显存、可运行的生态（CUDA、CANN、DTK…）及各自的命令、CPU、内存、整组规模、时长、预算、时延要求。平台给出排名的可行方案与不匹配原因。", "Accelerators and memory, the ecosystems it can run on (CUDA, CANN, DTK…) with a command for each, CPU, memory, gang size, duration, budget, latency. The platform returns ranked feasible plans and why other offers do not fit.")}</p>
              <p><a href="/match">{t("nav.match")} →</a></p>
            </Step>
            <Step n={3} title={L("提交、观察与对账", "Submit, watch and reconcile")}>
              <p>{L("作业页实时显示状态与放置；每秒用量计入一本账，可下载对账单与发票。", "The jobs page shows state and placement live; every second of use is posted to the ledger, with statements and invoices to download.")}</p>
              <pre>suanli job submit train.yaml{"\n"}suanli job list --state running</pre>
            </Step>
          </ol>
        </Panel>
      </div>
      <Panel title={L("算力券：申请、审批、抵扣与核销", "Compute vouchers: apply, approval, redemption, write-off")}>
        <ol class="steps horizontal">
          <Step n={1} title={L("申请", "Apply")}>
            <p>{L("需求方选择开放中的补贴计划，申报不低于最低金额的算力合同。", "A buyer picks an open programme and declares a compute contract of at least its minimum.")}</p>
          </Step>
          <Step n={2} title={L("审批", "Approval")}>
            <p>{L("计划的监管部门批准或驳回，每份申请只决定一次，全程记入账本。", "The programme's regulator approves or rejects, once per application, recorded in the journal.")}</p>
          </Step>
          <Step n={3} title={L("自动抵扣", "Automatic redemption")}>
            <p>{L("每笔用量账单按比例自动抵扣，受每家年度上限与计划预算约束；关联方交易不予补贴。", "Each usage bill is covered by the programme's share, within the per-company yearly cap and the budget; related parties get nothing.")}</p>
          </Step>
          <Step n={4} title={L("核销", "Write-off")}>
            <p>{L("按月为每个供给方生成核销报告（按计划、需求方、申请汇总），账本哈希链可随时校验。", "A monthly write-off report per supplier (by programme, buyer and application); the journal's hash chain can be verified at any time.")}</p>
          </Step>
        </ol>
        <p>
          <a href="/vouchers">{t("nav.vouchers")} →</a>
        </p>
      </Panel>
      <Panel title={`${t("guide.open")} (${open.length})`}>
        <ErrorBox error={progs.error} />
        <ProgrammesTable rows={open} />
      </Panel>
      <Panel title={L("政策支持", "Policy support")}>
        <ul class="policy">
          <li>{L("算力券面向本地企业、高校与科研机构，按算力服务合同金额的一定比例给予补贴，设每家年度上限。", "Compute vouchers subsidise a share of compute contracts for local companies, universities and labs, with a yearly cap per organisation.")}</li>
          <li>{L("支持国产算力生态：计划可限定适用的供给方、算力类型与地区。", "Programmes can be limited to eligible providers, kinds of compute and regions, for example to support domestic accelerator ecosystems.")}</li>
          <li>{L("补贴资金专款专用：每笔抵扣、审批与核销都记录在不可篡改的哈希链账本中，监管部门可随时审计。", "Subsidy funds are ring-fenced: every redemption, decision and write-off is in the hash-chained journal, auditable by the regulator at any time.")}</li>
          <li>{L("算力网络分层建设：国家枢纽节点约 20 ms、省内区域中心约 5 ms、城市边缘约 1 ms 时延圈。", "A tiered network: national hubs within about 20 ms, provincial regional centres about 5 ms, city edge about 1 ms.")}</li>
        </ul>
      </Panel>
    </div>
  );
}
