/**
 * The charts' ECharts options, built from CareLens data and already-translated words. Pure
 * functions (no ECharts import at run time), so tests check what each chart will draw — its
 * series, axes, bin counts and labels — without a canvas.
 */
import type { EChartsCoreOption } from 'echarts/core';
import type { ReliabilityBin, RocCurve } from '../../../../shared/domain/ml';

/** Colours that stay apart for the colour-blind (Okabe-Ito) and print well. */
export const PALETTE = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9', '#F0E442', '#000000'] as const;
const AXIS = { axisLine: { lineStyle: { color: '#98a2b3' } }, axisLabel: { color: '#475467' }, nameTextStyle: { color: '#475467' }, splitLine: { lineStyle: { color: '#eaecf0' } } };

export interface TrainingPoint {
  /** Batches seen so far. */
  x: number;
  loss: number;
  valLoss: number | null;
  acc: number;
  valAcc: number | null;
}

export interface TrainingWords {
  batches: string;
  loss: string;
  accuracy: string;
  trainLoss: string;
  valLoss: string;
  trainAcc: string;
  valAcc: string;
}

/** Loss (left axis) and accuracy (right axis, 0-100 %) against batches; validation at epoch ends. */
export function trainingOption(points: readonly TrainingPoint[], totalBatches: number, w: TrainingWords): EChartsCoreOption {
  const val = points.filter((p) => p.valLoss !== null);
  return {
    color: [PALETTE[0], PALETTE[1], PALETTE[2], PALETTE[3]],
    grid: { left: 56, right: 56, top: 36, bottom: 44 },
    legend: { top: 0, data: [w.trainLoss, w.valLoss, w.trainAcc, w.valAcc] },
    tooltip: { trigger: 'axis' },
    xAxis: { type: 'value', name: w.batches, nameLocation: 'middle', nameGap: 28, min: 0, max: Math.max(1, totalBatches), ...AXIS },
    yAxis: [
      { type: 'value', name: w.loss, nameLocation: 'middle', nameGap: 40, min: 0, ...AXIS },
      { type: 'value', name: w.accuracy, nameLocation: 'middle', nameGap: 44, min: 0, max: 1, nameTextStyle: { color: '#475467' }, axisLabel: { color: '#475467', formatter: (v: number) => `${Math.round(v * 100)}%` }, splitLine: { show: false } },
    ],
    series: [
      { name: w.trainLoss, type: 'line', yAxisIndex: 0, showSymbol: false, data: points.map((p) => [p.x, p.loss]) },
      { name: w.valLoss, type: 'line', yAxisIndex: 0, symbolSize: 7, lineStyle: { width: 2, type: 'dashed' }, data: val.map((p) => [p.x, p.valLoss]) },
      { name: w.trainAcc, type: 'line', yAxisIndex: 1, showSymbol: false, lineStyle: { width: 1 }, data: points.map((p) => [p.x, p.acc]) },
      { name: w.valAcc, type: 'line', yAxisIndex: 1, symbolSize: 6, lineStyle: { width: 1.5, type: 'dashed' }, data: val.filter((p) => p.valAcc !== null).map((p) => [p.x, p.valAcc]) },
    ],
  };
}

export interface ReliabilityWords {
  confidence: string;
  accuracy: string;
  /** The bar's label, e.g. "n={n}", with `{n}` replaced. */
  count: (n: number) => string;
  perfect: string;
  meanConfidence: string;
  bars: string;
}

/**
 * Reliability diagram: per confidence bin, the accuracy of its predictions as a bar labelled
 * with how many test images fell in it, beside the bin's mean confidence; a perfectly
 * calibrated model's bars would reach the diagonal.
 */
export function reliabilityOption(bins: readonly ReliabilityBin[], w: ReliabilityWords): EChartsCoreOption {
  const categories = bins.map((b) => `${b.lower.toFixed(1)}–${b.upper.toFixed(1)}`);
  return {
    color: [PALETTE[0], PALETTE[1], '#98a2b3'],
    grid: { left: 52, right: 16, top: 36, bottom: 48 },
    legend: { top: 0, data: [w.bars, w.meanConfidence, w.perfect] },
    tooltip: { trigger: 'axis' },
    xAxis: { type: 'category', data: categories, name: w.confidence, nameLocation: 'middle', nameGap: 30, axisLabel: { color: '#475467', fontSize: 10, interval: 0, rotate: 30 }, axisLine: AXIS.axisLine },
    yAxis: { type: 'value', name: w.accuracy, nameLocation: 'middle', nameGap: 32, min: 0, max: 1, ...AXIS },
    series: [
      {
        name: w.bars,
        type: 'bar',
        barCategoryGap: '12%',
        data: bins.map((b) => ({ value: b.count ? b.accuracy : null, count: b.count })),
        label: { show: true, position: 'top', fontSize: 10, color: '#344054', formatter: (p: { dataIndex: number }) => (bins[p.dataIndex]!.count ? w.count(bins[p.dataIndex]!.count) : '') },
      },
      { name: w.meanConfidence, type: 'line', symbolSize: 6, data: bins.map((b) => (b.count ? b.confidence : null)) },
      { name: w.perfect, type: 'line', showSymbol: false, lineStyle: { type: 'dashed' }, data: bins.map((b) => (b.lower + b.upper) / 2) },
    ],
  };
}

export interface RocWords {
  fpr: string;
  tpr: string;
  chance: string;
  /** A curve's legend entry, e.g. "pneumonia (AUC 0.965)". */
  curve: (className: string, auc: number | null) => string;
}

/** ROC curves (one per stored class curve) with the chance diagonal; axes 0-1. */
export function rocOption(curves: readonly RocCurve[], w: RocWords): EChartsCoreOption {
  const names = curves.map((c) => w.curve(c.className, c.auc));
  return {
    color: [...PALETTE.slice(0, curves.length), '#98a2b3'],
    grid: { left: 52, right: 16, top: curves.length > 2 ? 56 : 36, bottom: 44 },
    legend: { top: 0, data: [...names, w.chance] },
    tooltip: { trigger: 'item' },
    xAxis: { type: 'value', name: w.fpr, nameLocation: 'middle', nameGap: 28, min: 0, max: 1, ...AXIS },
    yAxis: { type: 'value', name: w.tpr, nameLocation: 'middle', nameGap: 36, min: 0, max: 1, ...AXIS },
    series: [
      ...curves.map((c, i) => ({ name: names[i], type: 'line', showSymbol: false, lineStyle: { width: 2 }, data: c.points.map((p) => [p.fpr, p.tpr]) })),
      { name: w.chance, type: 'line', showSymbol: false, lineStyle: { type: 'dashed', width: 1 }, data: [[0, 0], [1, 1]] },
    ],
  };
}

export interface ConfusionWords {
  predicted: string;
  actual: string;
  /** Tooltip for a cell. */
  cell: (actual: string, predicted: string, n: number, share: number) => string;
}

/**
 * The confusion matrix as a heatmap: rows the true class (top to bottom in class order),
 * columns the predicted class; each cell shows its count and is shaded by the share of its
 * row (so a rare class's errors show as strongly as a common one's).
 */
export function confusionOption(classes: readonly string[], confusion: readonly (readonly number[])[], w: ConfusionWords): EChartsCoreOption {
  const data: { value: [number, number, number, number]; label: { color: string } }[] = [];
  confusion.forEach((row, i) => {
    const total = row.reduce((a, b) => a + b, 0);
    row.forEach((n, j) => {
      const share = total ? n / total : 0;
      // Dark cells get white numbers, light ones dark, so every count is readable.
      data.push({ value: [j, i, share, n], label: { color: share > 0.55 ? '#ffffff' : '#101828' } });
    });
  });
  return {
    grid: { left: 110, right: 16, top: 16, bottom: 56 },
    tooltip: { trigger: 'item', formatter: (p: { value: [number, number, number, number] }) => w.cell(classes[p.value[1]]!, classes[p.value[0]]!, p.value[3], p.value[2]) },
    xAxis: { type: 'category', data: [...classes], name: w.predicted, nameLocation: 'middle', nameGap: 32, axisLabel: { color: '#344054', interval: 0 }, splitArea: { show: true } },
    yAxis: { type: 'category', data: [...classes], inverse: true, name: w.actual, nameLocation: 'middle', nameGap: 96, axisLabel: { color: '#344054', interval: 0 }, splitArea: { show: true } },
    visualMap: { show: false, min: 0, max: 1, dimension: 2, inRange: { color: ['#f7fbff', '#6baed6', '#08306b'] } },
    series: [
      {
        type: 'heatmap',
        data,
        label: { show: true, fontSize: 13, formatter: (p: { value: [number, number, number, number] }) => String(p.value[3]) },
        emphasis: { itemStyle: { borderColor: '#101828', borderWidth: 1 } },
      },
    ],
  };
}
