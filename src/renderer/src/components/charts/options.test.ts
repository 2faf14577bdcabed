import { describe, expect, it } from 'vitest';
import { confusionOption, reliabilityOption, rocOption, trainingOption } from './options';

type Series = { name?: string; type: string; data: unknown[]; yAxisIndex?: number; label?: { formatter: (p: { dataIndex: number; data: unknown }) => string } };
const seriesOf = (o: Record<string, unknown>) => o.series as Series[];

describe('chart options', () => {
  it('training: loss on the left axis, accuracy on the right, validation only at epoch ends', () => {
    const points = [
      { x: 10, loss: 0.9, valLoss: null, acc: 0.5, valAcc: null },
      { x: 20, loss: 0.7, valLoss: 0.8, acc: 0.6, valAcc: 0.55 },
      { x: 30, loss: 0.5, valLoss: null, acc: 0.7, valAcc: null },
    ];
    const o = trainingOption(points, 40, { batches: 'B', loss: 'L', accuracy: 'A', trainLoss: 'tl', valLoss: 'vl', trainAcc: 'ta', valAcc: 'va' }) as Record<string, unknown>;
    const s = seriesOf(o);
    expect(s.map((x) => [x.name, x.yAxisIndex])).toEqual([['tl', 0], ['vl', 0], ['ta', 1], ['va', 1]]);
    expect(s[0]!.data).toEqual([[10, 0.9], [20, 0.7], [30, 0.5]]);
    expect(s[1]!.data).toEqual([[20, 0.8]]);
    expect(s[3]!.data).toEqual([[20, 0.55]]);
    expect((o.xAxis as { max: number }).max).toBe(40);
    expect((o.yAxis as { max?: number }[])[1]!.max).toBe(1);
  });

  it('reliability: one bar per bin labelled with its image count; empty bins draw nothing', () => {
    const bins = [
      { lower: 0.5, upper: 0.6, count: 0, confidence: 0, accuracy: 0 },
      { lower: 0.6, upper: 0.7, count: 12, confidence: 0.65, accuracy: 0.5 },
      { lower: 0.9, upper: 1.0, count: 88, confidence: 0.97, accuracy: 0.95 },
    ];
    const o = reliabilityOption(bins, { confidence: 'c', accuracy: 'a', count: (n) => `n=${n}`, perfect: 'p', meanConfidence: 'm', bars: 'b' }) as Record<string, unknown>;
    const [bars, conf, diag] = seriesOf(o);
    expect((bars!.data as { value: number | null }[]).map((d) => d.value)).toEqual([null, 0.5, 0.95]);
    expect([0, 1, 2].map((i) => bars!.label!.formatter({ dataIndex: i, data: null }))).toEqual(['', 'n=12', 'n=88']);
    expect(conf!.data).toEqual([null, 0.65, 0.97]);
    (diag!.data as number[]).forEach((v, i) => expect(v).toBeCloseTo([0.55, 0.65, 0.95][i]!, 12));
    expect((o.xAxis as { data: string[] }).data).toEqual(['0.5–0.6', '0.6–0.7', '0.9–1.0']);
  });

  it('ROC: a line per curve with its AUC in the name, then the chance diagonal', () => {
    const curves = [
      { className: 'pneumonia', auc: 0.75, points: [{ fpr: 0, tpr: 0, threshold: Infinity }, { fpr: 0, tpr: 0.5, threshold: 0.8 }, { fpr: 1, tpr: 1, threshold: 0.1 }] },
    ];
    const o = rocOption(curves, { fpr: 'x', tpr: 'y', chance: 'chance', curve: (c, auc) => `${c} ${auc}` }) as Record<string, unknown>;
    const s = seriesOf(o);
    expect(s.map((x) => x.name)).toEqual(['pneumonia 0.75', 'chance']);
    expect(s[0]!.data).toEqual([[0, 0], [0, 0.5], [1, 1]]);
    expect(s[1]!.data).toEqual([[0, 0], [1, 1]]);
  });

  it('confusion: every cell with its count, shaded by the share of its true class', () => {
    const o = confusionOption(['a', 'b'], [[8, 2], [1, 9]], { predicted: 'p', actual: 't', cell: () => '' }) as Record<string, unknown>;
    const [heat] = seriesOf(o);
    const cells = heat!.data as { value: number[]; label: { color: string } }[];
    expect(cells.map((c) => c.value)).toEqual([[0, 0, 0.8, 8], [1, 0, 0.2, 2], [0, 1, 0.1, 1], [1, 1, 0.9, 9]]);
    // Dark (high-share) cells get white numbers.
    expect(cells.map((c) => c.label.color)).toEqual(['#ffffff', '#101828', '#101828', '#ffffff']);
    expect((heat!.label!.formatter as unknown as (p: { value: number[] }) => string)({ value: [1, 0, 0.2, 2] })).toBe('2');
    expect(confusionOption(['a'], [[0]], { predicted: 'p', actual: 't', cell: () => '' })).toBeTruthy();
  });
});
