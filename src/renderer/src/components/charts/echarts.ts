/**
 * ECharts, tree-shaken to what CareLens draws: line, bar and heatmap charts on a canvas, with
 * axes, legend, tooltip, the diagonal/reference lines and the colour scale. One registration
 * for the whole renderer (importing `echarts` itself would pull in every chart type, ~1 MB).
 */
import * as echarts from 'echarts/core';
import { BarChart, HeatmapChart, LineChart } from 'echarts/charts';
import { AriaComponent, GridComponent, LegendComponent, MarkLineComponent, TooltipComponent, VisualMapComponent } from 'echarts/components';
import { CanvasRenderer } from 'echarts/renderers';

echarts.use([LineChart, BarChart, HeatmapChart, GridComponent, LegendComponent, TooltipComponent, MarkLineComponent, VisualMapComponent, AriaComponent, CanvasRenderer]);

export { echarts };
