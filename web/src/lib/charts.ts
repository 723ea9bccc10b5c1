// ECharts, tree-shaken to what the console draws, with the China map registered from the
// GeoJSON that the echarts 4.9 package ships (installed under the alias echarts-geo): the map
// is bundled at build time, nothing is fetched at run time.
import * as echarts from "echarts/core";
import { BarChart, EffectScatterChart, LineChart, PieChart, ScatterChart } from "echarts/charts";
import {
  GeoComponent,
  GridComponent,
  LegendComponent,
  TitleComponent,
  TooltipComponent,
  VisualMapComponent,
} from "echarts/components";
import { CanvasRenderer } from "echarts/renderers";
import china from "echarts-geo/map/json/china.json";

echarts.use([
  BarChart,
  EffectScatterChart,
  LineChart,
  PieChart,
  ScatterChart,
  GeoComponent,
  GridComponent,
  LegendComponent,
  TitleComponent,
  TooltipComponent,
  VisualMapComponent,
  CanvasRenderer,
]);
echarts.registerMap("china", china as any);

export { echarts };
export type EChartsOption = echarts.EChartsCoreOption;
