/**
 * Evaluation maths on held-out predictions: accuracy, per-class precision / recall / F1,
 * confusion matrix, ROC AUC, temperature scaling and calibration. Pure functions of
 * logits and labels, so they are tested on hand-made cases.
 */
import type { ClassMetrics, ReliabilityBin, RocCurve, RocPoint, SplitMetrics } from '../../shared/domain/ml';
import { softmax } from '../../shared/probabilities';

const argmax = (p: ArrayLike<number>) => {
  let best = 0;
  for (let i = 1; i < p.length; i++) if (p[i]! > p[best]!) best = i;
  return best;
};

/** Mean negative log-likelihood of the labels under softmax(logits / T). */
export function nll(logits: number[][], labels: number[], temperature: number): number {
  let total = 0;
  for (let i = 0; i < logits.length; i++) {
    const p = softmax(logits[i]!, temperature)[labels[i]!]!;
    total -= Math.log(Math.max(p, 1e-12));
  }
  return total / Math.max(1, logits.length);
}

/**
 * The temperature minimising validation NLL (Guo et al. 2017), by golden-section search
 * on log T in [0.05, 20]. Returns 1 when there is nothing to fit.
 */
export function fitTemperature(logits: number[][], labels: number[]): number {
  if (logits.length === 0) return 1;
  let a = Math.log(0.05);
  let b = Math.log(20);
  const g = (Math.sqrt(5) - 1) / 2;
  let c = b - g * (b - a);
  let d = a + g * (b - a);
  for (let i = 0; i < 60; i++) {
    if (nll(logits, labels, Math.exp(c)) < nll(logits, labels, Math.exp(d))) b = d;
    else a = c;
    c = b - g * (b - a);
    d = a + g * (b - a);
  }
  return Math.exp((a + b) / 2);
}

/** Area under the ROC curve of scores for positives vs negatives (ties count half). */
export function rocAuc(scores: number[], positive: boolean[]): number | null {
  const pos = positive.filter(Boolean).length;
  const neg = positive.length - pos;
  if (pos === 0 || neg === 0) return null;
  const order = scores.map((s, i) => [s, i] as const).sort((x, y) => x[0] - y[0]);
  // Mann-Whitney U with average ranks for ties.
  let rankSum = 0;
  let i = 0;
  while (i < order.length) {
    let j = i;
    while (j + 1 < order.length && order[j + 1]![0] === order[i]![0]) j++;
    const avgRank = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) if (positive[order[k]![1]]) rankSum += avgRank;
    i = j + 1;
  }
  return (rankSum - (pos * (pos + 1)) / 2) / (pos * neg);
}

/** At most this many points per stored ROC curve (the model card draws them; the AUC is computed exactly). */
export const ROC_MAX_POINTS = 200;

/**
 * The ROC curve of scores for positives vs negatives: one point per distinct score, taken as a
 * threshold from the highest down (tied scores move both rates at once, so the trapezoid area
 * under the points equals `rocAuc`'s ties-count-half AUC). Null when a class is absent.
 */
export function rocCurve(scores: number[], positive: boolean[]): RocPoint[] | null {
  const pos = positive.filter(Boolean).length;
  const neg = positive.length - pos;
  if (pos === 0 || neg === 0) return null;
  const order = scores.map((s, i) => [s, i] as const).sort((x, y) => y[0] - x[0]);
  const points: RocPoint[] = [{ fpr: 0, tpr: 0, threshold: Infinity }];
  let tp = 0;
  let fp = 0;
  let i = 0;
  while (i < order.length) {
    const threshold = order[i]![0];
    while (i < order.length && order[i]![0] === threshold) {
      if (positive[order[i]![1]]) tp++;
      else fp++;
      i++;
    }
    points.push({ fpr: fp / neg, tpr: tp / pos, threshold });
  }
  return points;
}

/** Trapezoid area under ROC points (ordered by fpr, as `rocCurve` gives them). */
export function areaUnder(points: readonly RocPoint[]): number {
  let area = 0;
  for (let k = 1; k < points.length; k++) area += ((points[k]!.fpr - points[k - 1]!.fpr) * (points[k]!.tpr + points[k - 1]!.tpr)) / 2;
  return area;
}

/**
 * Thins a curve for storage: keeps the ends and every point that turns the curve, then, if still
 * too many, the points at least 1/max apart (in fpr + tpr) from the last kept one. Drawn at a
 * few hundred pixels, a dropped point is never more than a pixel off the line.
 */
export function thinRoc(points: readonly RocPoint[], max = ROC_MAX_POINTS): RocPoint[] {
  if (points.length <= max) return [...points];
  const turning = points.filter((p, k) => {
    if (k === 0 || k === points.length - 1) return true;
    const a = points[k - 1]!;
    const b = points[k + 1]!;
    return (p.fpr - a.fpr) * (b.tpr - a.tpr) - (p.tpr - a.tpr) * (b.fpr - a.fpr) !== 0;
  });
  if (turning.length <= max) return turning;
  const step = 2 / max;
  const kept: RocPoint[] = [turning[0]!];
  for (let k = 1; k < turning.length - 1; k++) {
    const last = kept[kept.length - 1]!;
    if (turning[k]!.fpr - last.fpr + (turning[k]!.tpr - last.tpr) >= step) kept.push(turning[k]!);
  }
  kept.push(turning[turning.length - 1]!);
  return kept;
}

/** Per-class curves for a split: class 1's for two classes, one-vs-rest for each class otherwise. */
export function rocCurves(probs: number[][], labels: number[], classNames: string[]): RocCurve[] {
  const k = classNames.length;
  const classes = k === 2 ? [1] : classNames.map((_, c) => c);
  return classes.map((c) => {
    const scores = probs.map((p) => p[c]!);
    const positive = labels.map((l) => l === c);
    const points = rocCurve(scores, positive);
    return { className: classNames[c]!, auc: points ? rocAuc(scores, positive) : null, points: points ? thinRoc(points) : [] };
  });
}

/** Expected calibration error over equal-width confidence bins, with the diagram's bins. */
export function calibration(probs: number[][], labels: number[], bins = 10): { ece: number; reliability: ReliabilityBin[] } {
  const acc: ReliabilityBin[] = Array.from({ length: bins }, (_, b) => ({ lower: b / bins, upper: (b + 1) / bins, count: 0, confidence: 0, accuracy: 0 }));
  probs.forEach((p, i) => {
    const k = argmax(p);
    const conf = p[k]!;
    const b = Math.min(bins - 1, Math.floor(conf * bins));
    const bin = acc[b]!;
    bin.count++;
    bin.confidence += conf;
    bin.accuracy += k === labels[i] ? 1 : 0;
  });
  let ece = 0;
  for (const bin of acc) {
    if (bin.count === 0) continue;
    bin.confidence /= bin.count;
    bin.accuracy /= bin.count;
    ece += (bin.count / Math.max(1, probs.length)) * Math.abs(bin.accuracy - bin.confidence);
  }
  return { ece, reliability: acc };
}

/** ROC AUC for two classes (score of class 1); macro one-vs-rest for more; null if a class is absent. */
export function multiclassAuc(probs: number[][], labels: number[], classes: number): number | null {
  if (classes === 2) return rocAuc(probs.map((p) => p[1]!), labels.map((l) => l === 1));
  const aucs: number[] = [];
  for (let c = 0; c < classes; c++) {
    const a = rocAuc(probs.map((p) => p[c]!), labels.map((l) => l === c));
    if (a === null) return null;
    aucs.push(a);
  }
  return aucs.reduce((x, y) => x + y, 0) / aucs.length;
}

/** Every metric of one split, from raw logits; calibration after dividing by `temperature`. */
export function splitMetrics(logits: number[][], labels: number[], classNames: string[], temperature: number): SplitMetrics {
  const k = classNames.length;
  const raw = logits.map((l) => softmax(l, 1));
  const probs = logits.map((l) => softmax(l, temperature));
  const confusion = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  let correct = 0;
  probs.forEach((p, i) => {
    const pred = argmax(p);
    confusion[labels[i]!]![pred]!++;
    if (pred === labels[i]) correct++;
  });
  const perClass: ClassMetrics[] = classNames.map((className, c) => {
    const tp = confusion[c]![c]!;
    const support = confusion[c]!.reduce((a, b) => a + b, 0);
    const predicted = confusion.reduce((a, row) => a + row[c]!, 0);
    const precision = predicted ? tp / predicted : 0;
    const recall = support ? tp / support : 0;
    const f1 = precision + recall ? (2 * precision * recall) / (precision + recall) : 0;
    return { className, precision, recall, f1, support };
  });
  const cal = calibration(probs, labels);
  return {
    n: labels.length,
    accuracy: labels.length ? correct / labels.length : 0,
    perClass,
    confusion,
    rocAuc: multiclassAuc(probs, labels, k),
    ece: cal.ece,
    eceBeforeScaling: calibration(raw, labels).ece,
    reliability: cal.reliability,
    roc: rocCurves(probs, labels, classNames),
  };
}
