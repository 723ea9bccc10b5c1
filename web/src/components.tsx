// Small building blocks shared by the pages: panels, KPI tiles, tables, charts, messages.
import type { ComponentChildren } from "preact";
import { useEffect, useRef } from "preact/hooks";
import { echarts, type EChartsOption } from "./lib/charts";
import { t, tv } from "./lib/i18n";
import { time } from "./lib/format";
import { connected } from "./lib/live";
import { useSignal } from "./lib/signal";

export function Panel(props: { title?: ComponentChildren; actions?: ComponentChildren; children: ComponentChildren; class?: string; id?: string }) {
  return (
    <section class={"panel " + (props.class ?? "")} id={props.id} aria-label={typeof props.title === "string" ? props.title : undefined}>
      {(props.title || props.actions) && (
        <header class="panel-head">
          <h2>{props.title}</h2>
          <div class="panel-actions">{props.actions}</div>
        </header>
      )}
      {props.children}
    </section>
  );
}

export function Kpi(props: { label: string; value: ComponentChildren; sub?: ComponentChildren; testid?: string }) {
  return (
    <div class="kpi" data-testid={props.testid}>
      <div class="kpi-value">{props.value}</div>
      <div class="kpi-label">{props.label}</div>
      {props.sub && <div class="kpi-sub">{props.sub}</div>}
    </div>
  );
}

export function ErrorBox(props: { error?: Error }) {
  if (!props.error) return null;
  const e: any = props.error;
  return (
    <div class="error" role="alert">
      {t("app.error")}: {e.message}
      {e.field ? ` (${e.field})` : ""}
    </div>
  );
}

export function Loading(props: { when: boolean }) {
  return props.when ? <div class="muted" aria-live="polite">{t("app.loading")}</div> : null;
}

export function Empty(props: { when: boolean }) {
  return props.when ? <div class="muted empty">{t("app.none")}</div> : null;
}

export function Live(props: { at?: Date; loading?: boolean; onRefresh?: () => void }) {
  const streaming = useSignal(connected);
  return (
    <span class="live" data-live={streaming ? "events" : "polling"}>
      <span class={"dot " + (props.loading ? "busy" : streaming ? "" : "poll")} aria-hidden="true" />
      {streaming ? t("app.live") : t("app.polling")} · {t("app.updated")} {props.at ? props.at.toLocaleTimeString() : "–"}
      {props.onRefresh && (
        <button class="link" onClick={props.onRefresh}>
          {t("app.refresh")}
        </button>
      )}
    </span>
  );
}

export function Badge(props: { value: string; prefix?: string }) {
  return <span class={"badge b-" + props.value} data-value={props.value}>{tv(props.prefix ?? "state", props.value)}</span>;
}

export function Time(props: { at?: string }) {
  return <time dateTime={props.at}>{time(props.at)}</time>;
}

// An ECharts canvas that follows its container's size and the option it is given.
export function Chart(props: { option: EChartsOption; height?: number | string; onClick?: (p: any) => void; label?: string; testid?: string }) {
  const el = useRef<HTMLDivElement>(null);
  const chart = useRef<echarts.ECharts | null>(null);
  const click = useRef(props.onClick);
  click.current = props.onClick;
  useEffect(() => {
    const c = echarts.init(el.current!, undefined, { renderer: "canvas" });
    chart.current = c;
    c.on("click", (p: any) => click.current?.(p));
    const ro = new ResizeObserver(() => c.resize());
    ro.observe(el.current!);
    return () => {
      ro.disconnect();
      c.dispose();
    };
  }, []);
  useEffect(() => {
    chart.current?.setOption(props.option, { notMerge: true, lazyUpdate: true });
  }, [props.option]);
  return <div ref={el} class="chart" role="img" aria-label={props.label} data-testid={props.testid} style={{ height: typeof props.height === "string" ? props.height : (props.height ?? 300) + "px" }} />;
}

export interface Column<T> {
  key: string;
  label: ComponentChildren;
  render?: (row: T) => ComponentChildren;
  num?: boolean;
}

// A table; when `onRow` is given, rows are focusable and open with Enter or a click.
export function Table<T>(props: { rows: T[]; columns: Column<T>[]; onRow?: (row: T) => void; rowKey?: (row: T) => string; selected?: string; testid?: string; caption?: string }) {
  return (
    <div class="table-wrap">
      <table data-testid={props.testid}>
        {props.caption && <caption class="sr-only">{props.caption}</caption>}
        <thead>
          <tr>
            {props.columns.map((c) => (
              <th key={c.key} class={c.num ? "num" : ""} scope="col">
                {c.label}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {props.rows.map((r, i) => {
            const k = props.rowKey ? props.rowKey(r) : String(i);
            return (
              <tr
                key={k}
                class={(props.onRow ? "clickable " : "") + (props.selected === k ? "selected" : "")}
                tabIndex={props.onRow ? 0 : undefined}
                onClick={props.onRow ? () => props.onRow!(r) : undefined}
                onKeyDown={props.onRow ? (e) => e.key === "Enter" && props.onRow!(r) : undefined}
                aria-selected={props.onRow ? props.selected === k : undefined}
              >
                {props.columns.map((c) => (
                  <td key={c.key} class={c.num ? "num" : ""}>
                    {c.render ? c.render(r) : String((r as any)[c.key] ?? "")}
                  </td>
                ))}
              </tr>
            );
          })}
        </tbody>
      </table>
      <Empty when={props.rows.length === 0} />
    </div>
  );
}

export function Tabs(props: { tabs: [string, string][]; value: string; onChange: (v: string) => void; label: string }) {
  return (
    <div class="tabs" role="tablist" aria-label={props.label}>
      {props.tabs.map(([v, label]) => (
        <button
          role="tab"
          aria-selected={props.value === v}
          class={props.value === v ? "active" : ""}
          onClick={() => props.onChange(v)}
          key={v}
        >
          {label}
        </button>
      ))}
    </div>
  );
}
