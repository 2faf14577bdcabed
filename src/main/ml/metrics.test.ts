import { describe, expect, it } from 'vitest';
import { areaUnder, calibration, fitTemperature, nll, rocAuc, rocCurve, rocCurves, splitMetrics, thinRoc, ROC_MAX_POINTS } from './metrics';
import { seededRandom } from '../../shared/random';
import { softmax } from '../../shared/probabilities';

describe('metrics', () => {
  it('ROC AUC: perfect, reversed, ties and a hand-computed case', () => {
    expect(rocAuc([0.1, 0.2, 0.8, 0.9], [false, false, true, true])).toBe(1);
    expect(rocAuc([0.9, 0.8, 0.2, 0.1], [false, false, true, true])).toBe(0);
    expect(rocAuc([0.5, 0.5], [false, true])).toBe(0.5);
    // positives 0.35, 0.8; negatives 0.1, 0.4 -> pairs won: (0.35>0.1), (0.8>0.1), (0.8>0.4) = 3 of 4
    expect(rocAuc([0.1, 0.4, 0.35, 0.8], [false, false, true, true])).toBe(0.75);
    expect(rocAuc([0.1, 0.2], [true, true])).toBeNull();
  });

  it('precision, recall, F1 and the confusion matrix', () => {
    // logits favour class 1 for rows 2,3,4; labels 0,0,1,1,0
    const logits = [[2, 0], [2, 0], [0, 2], [0, 2], [0, 2]];
    const m = splitMetrics(logits, [0, 0, 1, 1, 0], ['a', 'b'], 1);
    expect(m.confusion).toEqual([[2, 1], [0, 2]]);
    expect(m.accuracy).toBeCloseTo(0.8);
    expect(m.perClass[1]!.precision).toBeCloseTo(2 / 3);
    expect(m.perClass[1]!.recall).toBe(1);
    expect(m.perClass[0]!.recall).toBeCloseTo(2 / 3);
    expect(m.perClass[1]!.f1).toBeCloseTo(0.8);
  });

  it('ROC curve: a hand-computed curve, ties as one diagonal step, and its area equals the AUC', () => {
    // positives 0.35, 0.8; negatives 0.1, 0.4
    const pts = rocCurve([0.1, 0.4, 0.35, 0.8], [false, false, true, true])!;
    expect(pts.map((p) => [p.fpr, p.tpr])).toEqual([[0, 0], [0, 0.5], [0.5, 0.5], [0.5, 1], [1, 1]]);
    expect(areaUnder(pts)).toBe(0.75);
    const tied = rocCurve([0.5, 0.5], [false, true])!;
    expect(tied.map((p) => [p.fpr, p.tpr])).toEqual([[0, 0], [1, 1]]);
    expect(rocCurve([0.1, 0.2], [true, true])).toBeNull();
    const rand = seededRandom(7);
    const scores = Array.from({ length: 3000 }, () => Math.round(rand() * 500) / 500);
    const positive = scores.map((s) => rand() < 0.2 + 0.6 * s);
    const curve = rocCurve(scores, positive)!;
    expect(areaUnder(curve)).toBeCloseTo(rocAuc(scores, positive)!, 12);
    const thin = thinRoc(curve);
    expect(thin.length).toBeLessThanOrEqual(ROC_MAX_POINTS);
    expect(thin[0]).toEqual(curve[0]);
    expect(thin[thin.length - 1]).toEqual(curve[curve.length - 1]);
    expect(Math.abs(areaUnder(thin) - areaUnder(curve))).toBeLessThan(0.01);
  });

  it('stores one curve for two classes and one per class for more, each with its AUC', () => {
    const probs = [[0.9, 0.05, 0.05], [0.2, 0.7, 0.1], [0.1, 0.3, 0.6], [0.5, 0.4, 0.1]];
    const three = rocCurves(probs, [0, 1, 2, 1], ['a', 'b', 'c']);
    expect(three.map((c) => c.className)).toEqual(['a', 'b', 'c']);
    for (const c of three) expect(areaUnder(c.points)).toBeCloseTo(c.auc!, 12);
    const two = splitMetrics([[2, 0], [0, 2], [1, 1.5], [1.2, 1]], [0, 1, 1, 0], ['neg', 'pos'], 1).roc!;
    expect(two).toHaveLength(1);
    expect(two[0]!.className).toBe('pos');
    expect(two[0]!.auc).toBe(1);
  });

  it('temperature scaling lowers the NLL of an over-confident model and the ECE follows', () => {
    // 70 % right, but logits say ~99.99 %.
    const logits: number[][] = [];
    const labels: number[] = [];
    for (let i = 0; i < 100; i++) {
      logits.push([10, 0]);
      labels.push(i < 70 ? 0 : 1);
    }
    const t = fitTemperature(logits, labels);
    expect(t).toBeGreaterThan(5);
    expect(nll(logits, labels, t)).toBeLessThan(nll(logits, labels, 1));
    expect(softmax([10, 0], t)[0]).toBeCloseTo(0.7, 2);
    const before = calibration(logits.map((l) => softmax(l)), labels).ece;
    const after = calibration(logits.map((l) => softmax(l, t)), labels).ece;
    expect(before).toBeGreaterThan(0.25);
    expect(after).toBeLessThan(0.02);
  });
});
