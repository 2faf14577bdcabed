import { describe, expect, it } from 'vitest';
import { calibration, fitTemperature, nll, rocAuc, splitMetrics } from './metrics';
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
