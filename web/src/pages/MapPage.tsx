// 一张图: every site on the map of China by tier, coloured by load, sized by capacity; totals
// in cores and PFLOPS; a site's pools, nodes, offers and faults on click (or Enter in the list).
import { useMemo, useState } from "preact/hooks";
import { Badge, Chart, ErrorBox, Kpi, Live, Loading, Panel, Table } from "../components";
import { get, listAll } from "../lib/api";
import { num, pct, yuan } from "../lib/format";
import { L, t, tv } from "../lib/i18n";
import { POLL_MS, useData } from "../lib/hooks";
import { loadNetwork, useBy, utilisation, type Network, type Site } from "../lib/network";
import { accName, orgName } from "../lib/session";

const TIER_SYMBOL: Record<string, string> = { hub: "diamond", region: "circle", edge: "triangle" };

export function MapPage() {
  const net = useData(loadNetwork, [], POLL_MS * 2);
  const [selected, setSelected] = useState<string>("");
  const n = net.data;

  const rows = useMemo(() => {
    if (!n) return [];
    const use = useBy(n, (s) => s?.id ?? "");
    return n.sites
      .map((s) => {
        const c = n.bySite.get(s.id);
        const load = n.allJobsVisible ? utilisation(c, use.get(s.id)) : c && c.nodes ? c.nodes_ready / c.nodes : 0;
        return { site: s, cap: c, load };
      })
      .sort((a, b) => (b.cap?.ai_pflops_fp16 ?? 0) + (b.cap?.cpu_cores ?? 0) / 1e4 - ((a.cap?.ai_pflops_fp16 ?? 0) + (a.cap?.cpu_cores ?? 0) / 1e4));
  }, [n]);

  const option = useMemo(() => {
    const tiers = ["hub", "region", "edge"];
    return {
      tooltip: {
        trigger: "item",
        formatter: (p: any) =>
          p.data?.site
            ? `<b>${p.data.site.name}</b><br/>${p.data.site.city} · ${tv("tier", p.data.site.tier)}<br/>` +
              `${t("cap.cores")}: ${num(p.data.cap?.cpu_cores)}<br/>${t("cap.accelerators")}: ${num(p.data.cap?.accelerators)}<br/>` +
              `${t("cap.ai")}: ${num(p.data.cap?.ai_pflops_fp16, 2)}<br/>${t("map.load")}: ${pct(p.data.value[2])}`
            : p.name,
      },
      legend: { data: tiers.map((x) => tv("tier", x)), bottom: 8, left: 8, orient: "vertical" },
      visualMap: {
        min: 0,
        max: 1,
        calculable: false,
        dimension: 2,
        seriesIndex: [0, 1, 2],
        inRange: { color: ["#2e9d5b", "#f2c230", "#e0473a"] },
        text: [n?.allJobsVisible ? "100%" : L("就绪 100%", "ready 100%"), "0%"],
        right: 12,
        bottom: 12,
        itemHeight: 100,
      },
      geo: {
        map: "china",
        roam: true,
        zoom: 1.15,
        center: [104.5, 35.5],
        itemStyle: { areaColor: "#eef3fa", borderColor: "#9fb3cc" },
        emphasis: { itemStyle: { areaColor: "#dbe7f6" }, label: { show: false } },
        label: { show: false },
      },
      series: tiers.map((tier) => ({
        name: tv("tier", tier),
        type: tier === "hub" ? "effectScatter" : "scatter",
        coordinateSystem: "geo",
        symbol: TIER_SYMBOL[tier],
        rippleEffect: { scale: 2.5, brushType: "stroke" },
        itemStyle: { color: "#6b7a90" }, // the legend's neutral shape; the visual map colours the sites
        data: rows
          .filter((r) => r.site.tier === tier)
          .map((r) => ({
            name: r.site.name,
            value: [r.site.longitude, r.site.latitude, r.load],
            site: r.site,
            cap: r.cap,
            symbolSize: Math.max(8, Math.min(34, 6 + Math.sqrt((r.cap?.ai_pflops_fp16 ?? 0) * 4 + (r.cap?.hpc_pflops_fp64 ?? 0) * 8 + (r.cap?.cpu_cores ?? 0) / 800))),
            itemStyle: { borderColor: r.site.id === selected ? "#112" : "#fff", borderWidth: r.site.id === selected ? 3 : 1 },
          })),
      })),
    };
  }, [rows, selected, n?.allJobsVisible]);

  const total = n?.total;
  return (
    <div class="page">
      <header class="page-head">
        <h1>{t("map.title")}</h1>
        <Live at={net.updatedAt} loading={net.loading} onRefresh={net.reload} />
      </header>
      <ErrorBox error={net.error} />
      <div class="kpis" data-testid="totals">
        <Kpi label={t("cap.sites")} value={num(n?.sites.length)} />
        <Kpi label={t("cap.cores")} value={num(total?.cpu_cores)} testid="kpi-cores" />
        <Kpi label={t("cap.accelerators")} value={num(total?.accelerators)} />
        <Kpi label={t("cap.ai")} value={num(total?.ai_pflops_fp16, 1)} testid="kpi-ai" />
        <Kpi label={t("cap.hpc")} value={num(total?.hpc_pflops_fp64, 2)} />
        <Kpi label={t("cap.nodes")} value={`${num(total?.nodes_ready)} / ${num(total?.nodes)}`} sub={t("map.effective") + " " + pct(total ? total.nodes_ready / Math.max(1, total.nodes) : undefined, 1)} />
      </div>
      <div class="grid-map">
        <Panel title={t("map.title")} class="map-panel">
          <Loading when={!n && net.loading} />
          <Chart option={option} height="clamp(460px, calc(100vh - 330px), 1100px)" label={t("map.title")} testid="china-map" onClick={(p) => p.data?.site && setSelected(p.data.site.id)} />
          <p class="muted small">{n?.allJobsVisible ? t("map.loadNote") : t("map.loadOwn")}</p>
        </Panel>
        <div>
          {selected && n ? (
            <SiteDetail key={selected} site={n.siteById.get(selected)!} net={n} onClose={() => setSelected("")} />
          ) : (
            <Panel title={t("map.site")}>
              <p class="muted">{t("map.pick")}</p>
            </Panel>
          )}
        </div>
      </div>
      <Panel title={`${t("cap.sites")} (${rows.length})`}>
        <Table
          testid="sites-table"
          rows={rows}
          rowKey={(r) => r.site.id}
          selected={selected}
          onRow={(r) => setSelected(r.site.id)}
          columns={[
            { key: "name", label: t("col.name"), render: (r) => r.site.name },
            { key: "city", label: t("col.city"), render: (r) => `${r.site.province} ${r.site.city}` },
            { key: "tier", label: t("col.tier"), render: (r) => <Badge prefix="tier" value={r.site.tier} /> },
            { key: "org", label: t("col.org"), render: (r) => orgName(r.site.org_id) },
            { key: "cores", label: t("cap.cores"), num: true, render: (r) => num(r.cap?.cpu_cores) },
            { key: "acc", label: t("cap.accelerators"), num: true, render: (r) => num(r.cap?.accelerators) },
            { key: "ai", label: "AI PFLOPS", num: true, render: (r) => num(r.cap?.ai_pflops_fp16, 2) },
            { key: "hpc", label: "HPC PFLOPS", num: true, render: (r) => num(r.cap?.hpc_pflops_fp64, 2) },
            { key: "load", label: n?.allJobsVisible ? t("map.load") : t("map.effective"), num: true, render: (r) => <LoadBar v={r.load} /> },
          ]}
        />
      </Panel>
    </div>
  );
}

export function LoadBar(props: { v: number }) {
  const hue = 130 - 125 * Math.min(1, props.v);
  return (
    <span class="loadbar" title={pct(props.v)}>
      <span class="track">
        <span class="fill" style={{ width: pct(props.v), background: `hsl(${hue} 65% 45%)` }} />
      </span>
      <em>{pct(props.v)}</em>
    </span>
  );
}

function SiteDetail(props: { site: Site; net: Network; onClose: () => void }) {
  const s = props.site;
  const d = useData(
    async () => {
      const [pools, offers, nodes, cap] = await Promise.all([
        listAll("pools", { site_id: s.id }),
        listAll("offers", { site_id: s.id }),
        listAll("nodes", { site_id: s.id }, 2000), // the server shows only the nodes the caller may see
        get("/capacity", { group_by: "pool" }),
      ]);
      return { pools, offers, nodes, capByPool: new Map<string, any>((cap.groups ?? []).map((g: any) => [g.key, g])) };
    },
    [s.id],
    POLL_MS * 2,
  );
  const c = props.net.bySite.get(s.id);
  const faults = (d.data?.nodes ?? []).filter((x: any) => x.state !== "ready" || (x.faulty_devices ?? []).length > 0);
  return (
    <Panel
      title={s.name}
      id="site-detail"
      actions={
        <button class="link" onClick={props.onClose} aria-label={t("app.close")}>
          ✕
        </button>
      }
    >
      <div data-testid="site-detail">
        <p>
          {s.province} {s.city} · <Badge prefix="tier" value={s.tier} /> · {orgName(s.org_id)}
        </p>
        {s.description && <p class="muted small">{s.description}</p>}
        <div class="kpis small">
          <Kpi label={t("cap.cores")} value={num(c?.cpu_cores)} />
          <Kpi label={t("cap.accelerators")} value={num(c?.accelerators)} />
          <Kpi label="AI PFLOPS" value={num(c?.ai_pflops_fp16, 2)} />
          <Kpi label={t("cap.nodes")} value={`${num(c?.nodes_ready)}/${num(c?.nodes)}`} />
        </div>
        <ErrorBox error={d.error} />
        <h3>
          {t("map.pools")} ({d.data?.pools.length ?? "…"})
        </h3>
        <Table
          rows={d.data?.pools ?? []}
          rowKey={(p: any) => p.id}
          columns={[
            { key: "name", label: t("col.name") },
            { key: "kind", label: t("col.kind"), render: (p: any) => tv("kind", p.kind) },
            { key: "driver", label: t("col.driver") },
            { key: "nodes", label: t("map.nodes"), num: true, render: (p: any) => num(d.data?.capByPool.get(p.id)?.nodes) },
            { key: "acc", label: t("cap.accelerators"), num: true, render: (p: any) => num(d.data?.capByPool.get(p.id)?.accelerators) },
          ]}
        />
        <h3>
          {t("map.offers")} ({d.data?.offers.length ?? "…"})
        </h3>
        <Table
          rows={d.data?.offers ?? []}
          rowKey={(o: any) => o.id}
          columns={[
            { key: "name", label: t("col.name") },
            { key: "model", label: t("col.model"), render: (o: any) => (o.accelerator_model ? `${o.accelerator_count}× ${accName(o.accelerator_model)}` : `${o.cpu_cores} ${t("cap.cores")}`) },
            { key: "q", label: t("col.quantity"), num: true, render: (o: any) => num(o.quantity) },
            { key: "price", label: t("col.price"), num: true, render: (o: any) => yuan(o.price_fen_per_hour) },
            { key: "state", label: t("col.state"), render: (o: any) => <Badge value={o.state} /> },
          ]}
        />
        <h3>
          {t("map.nodes")} ({d.data?.nodes.length ?? "…"}) · {t("map.faults")} ({faults.length})
        </h3>
        {d.data && d.data.nodes.length === 0 && <p class="muted small">{t("map.noNodes")}</p>}
        <Table
          rows={faults.slice(0, 50)}
          rowKey={(x: any) => x.id}
          columns={[
            { key: "name", label: t("col.name") },
            { key: "state", label: t("col.state"), render: (x: any) => <Badge value={x.state} /> },
            { key: "reason", label: t("jobs.reason"), render: (x: any) => x.state_reason || ((x.faulty_devices ?? []).length ? L("故障设备 ", "faulty devices ") + x.faulty_devices.join(",") : "") },
            { key: "faults", label: t("map.faults"), num: true, render: (x: any) => num(x.fault_count) },
          ]}
        />
      </div>
    </Panel>
  );
}
