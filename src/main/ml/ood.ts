/**
 * Out-of-distribution scoring: how unlike a model's training images an image looks, from
 * the model's own features. The score is the Mahalanobis distance of Lee et al. (2018, "A
 * Simple Unified Framework for Detecting Out-of-Distribution Samples and Adversarial
 * Attacks"): a Gaussian per class with one covariance shared by all classes, fitted on the
 * training split's features; an image's score is its squared distance to the nearest class
 * mean. The threshold is a percentile of the validation split's scores, so the false-alarm
 * rate on images like the training data is known (5 % at the 95th percentile). Pure maths
 * here (tested by hand); oodFeatures.ts extracts the features in the worker. See docs/ml.md.
 */
import type { OodCalibration, OodScore } from '../../shared/domain/ml';

/** The `method` of predictions by versions saved before OOD scoring (their `ood` is never flagged). */
export const OOD_NOT_AVAILABLE = 'not available (model trained before OOD scoring)';

/** The honest `ood` of a prediction whose version has no OOD statistics. */
export function oodNotAvailable(): OodScore {
  return { score: 0, threshold: 0, flagged: false, method: OOD_NOT_AVAILABLE };
}

/** Validation percentile the threshold sits at: 5 % of in-distribution images are flagged. */
export const OOD_PERCENTILE = 95;

/** What the score needs, saved with the model (ood.json beside model.json). */
export interface OodStats {
  method: string;
  /** Which features, by the feature extractor's name (oodFeatures.ts). */
  features: string;
  dim: number;
  /** Class means, one row of `dim` per class, in the version's class order. */
  means: number[][];
  /** The shared covariance's inverse, row-major dim x dim. */
  precision: number[];
  /** Ledoit-Wolf shrinkage intensity used (0: the plain covariance, 1: a multiple of the identity). */
  shrinkage?: number;
}

/**
 * Class means and the shared covariance's inverse from features (n x dim, row-major) with
 * their labels. The covariance is shrunk towards a multiple of the identity by the
 * Ledoit-Wolf (2004) formula: with clinic-sized training sets (tens of images against 64
 * features) the plain estimate is singular or nearly so, and its inverse would blow up
 * along directions the few training images happened not to vary in. With thousands of
 * images the shrinkage is close to 0. A tiny ridge (1e-9 of the mean variance) keeps the
 * inverse finite when a feature never varies at all (a ReLU channel that is always 0).
 */
export function fitMahalanobis(
  features: ArrayLike<number>,
  n: number,
  dim: number,
  labels: number[],
  classes: number,
  method: string,
  name: string,
  options: { shrinkage?: 'ledoit-wolf' | 'none' } = {},
): OodStats & { shrinkage: number } {
  const means = Array.from({ length: classes }, () => new Float64Array(dim));
  const counts = new Array<number>(classes).fill(0);
  for (let i = 0; i < n; i++) {
    const c = labels[i]!;
    counts[c]!++;
    for (let j = 0; j < dim; j++) means[c]![j]! += features[i * dim + j]!;
  }
  means.forEach((m, c) => m.forEach((_, j) => (m[j] = counts[c]! ? m[j]! / counts[c]! : 0)));
  const centred = new Float64Array(n * dim);
  for (let i = 0; i < n; i++) {
    const m = means[labels[i]!]!;
    for (let j = 0; j < dim; j++) centred[i * dim + j] = features[i * dim + j]! - m[j]!;
  }
  const cov = new Float64Array(dim * dim);
  for (let i = 0; i < n; i++) {
    const o = i * dim;
    for (let a = 0; a < dim; a++) {
      const ca = centred[o + a]!;
      if (ca === 0) continue;
      const row = a * dim;
      for (let b = a; b < dim; b++) cov[row + b]! += ca * centred[o + b]!;
    }
  }
  let trace = 0;
  let frob = 0;
  for (let a = 0; a < dim; a++) {
    for (let b = a; b < dim; b++) {
      const v = cov[a * dim + b]! / Math.max(1, n);
      cov[a * dim + b] = v;
      cov[b * dim + a] = v;
      frob += a === b ? v * v : 2 * v * v;
    }
    trace += cov[a * dim + a]!;
  }
  const mu = trace / Math.max(1, dim);
  let shrinkage = 0;
  if (options.shrinkage !== 'none' && n > 0) {
    // delta^2 = ||S - mu I||^2; beta^2 = (1/n^2) sum_i ||c_i c_i^T - S||^2 = (1/n^2) sum_i (|c_i|^4 - 2 c_i^T S c_i + ||S||^2).
    const delta2 = frob - mu * mu * dim;
    let beta2 = 0;
    for (let i = 0; i < n; i++) {
      const o = i * dim;
      let norm2 = 0;
      let quad = 0;
      for (let a = 0; a < dim; a++) {
        const ca = centred[o + a]!;
        norm2 += ca * ca;
        if (ca === 0) continue;
        let row = 0;
        for (let b = 0; b < dim; b++) row += cov[a * dim + b]! * centred[o + b]!;
        quad += ca * row;
      }
      beta2 += norm2 * norm2 - 2 * quad + frob;
    }
    beta2 /= n * n;
    shrinkage = delta2 > 0 ? Math.min(1, Math.max(0, beta2 / delta2)) : 1;
    for (let a = 0; a < dim; a++) {
      for (let b = 0; b < dim; b++) cov[a * dim + b] = (1 - shrinkage) * cov[a * dim + b]! + (a === b ? shrinkage * mu : 0);
    }
  }
  const ridge = 1e-9 * mu + 1e-12;
  for (let a = 0; a < dim; a++) cov[a * dim + a]! += ridge;
  return { method, features: name, dim, means: means.map((m) => Array.from(m)), precision: Array.from(invertSpd(cov, dim)), shrinkage };
}

/** The inverse of a symmetric positive-definite matrix (row-major) by Cholesky factorisation. */
export function invertSpd(a: ArrayLike<number>, n: number): Float64Array {
  const l = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = a[i * n + j]!;
      for (let k = 0; k < j; k++) s -= l[i * n + k]! * l[j * n + k]!;
      if (i === j) {
        if (!(s > 0)) throw new Error('the feature covariance is not positive definite');
        l[i * n + i] = Math.sqrt(s);
      } else l[i * n + j] = s / l[j * n + j]!;
    }
  }
  // inv(L) by forward substitution, then inv(A) = inv(L)^T inv(L).
  const li = new Float64Array(n * n);
  for (let c = 0; c < n; c++) {
    for (let i = c; i < n; i++) {
      let s = i === c ? 1 : 0;
      for (let k = c; k < i; k++) s -= l[i * n + k]! * li[k * n + c]!;
      li[i * n + c] = s / l[i * n + i]!;
    }
  }
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = 0;
      for (let k = i; k < n; k++) s += li[k * n + i]! * li[k * n + j]!;
      out[i * n + j] = s;
      out[j * n + i] = s;
    }
  }
  return out;
}

/** Each row's squared Mahalanobis distance to the nearest class mean (higher: less like training). */
export function mahalanobisScores(stats: OodStats, features: ArrayLike<number>, n: number): number[] {
  const { dim, precision, means } = stats;
  const d = new Float64Array(dim);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    let best = Infinity;
    for (const m of means) {
      for (let j = 0; j < dim; j++) d[j] = features[i * dim + j]! - m[j]!;
      let s = 0;
      for (let a = 0; a < dim; a++) {
        let row = 0;
        for (let b = 0; b < dim; b++) row += precision[a * dim + b]! * d[b]!;
        s += d[a]! * row;
      }
      if (s < best) best = s;
    }
    out.push(best);
  }
  return out;
}

/** The p-th percentile (nearest rank) of scores; NaN when there are none. */
export function percentile(scores: readonly number[], p: number): number {
  if (scores.length === 0) return Number.NaN;
  const sorted = [...scores].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

/**
 * A version's OOD calibration from its validation scores (the threshold) and its test
 * scores (how often its own held-out images are flagged): null when there are no scores.
 */
export function calibrateOod(method: string, valScores: readonly number[], testScores: readonly number[]): OodCalibration | null {
  if (valScores.length === 0) return null;
  const threshold = percentile(valScores, OOD_PERCENTILE);
  return {
    method,
    threshold,
    percentile: OOD_PERCENTILE,
    validationImages: valScores.length,
    testFlaggedRate: testScores.length ? testScores.filter((s) => s > threshold).length / testScores.length : null,
  };
}

/** One prediction's OOD verdict from its version's calibration and the image's score. */
export function oodScoreOf(calibration: OodCalibration | null, score: number | null | undefined): OodScore {
  if (!calibration || score === null || score === undefined) return oodNotAvailable();
  // A score that is not a finite number (it should not happen) is treated as far outside, never as fine.
  if (!Number.isFinite(score)) return { score: Number.MAX_VALUE, threshold: calibration.threshold, flagged: true, method: calibration.method };
  return { score, threshold: calibration.threshold, flagged: score > calibration.threshold, method: calibration.method };
}
