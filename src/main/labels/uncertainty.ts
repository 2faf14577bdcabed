/**
 * How unsure a model is about one image, from its class probabilities, on a 0..1 scale
 * (1 = most unsure), so "label next" can put the most informative images first.
 */

/** A source of model uncertainty per image; the ML feature supplies the real one. */
export type UncertaintySource = (labelSetId: string, imageIds: string[]) => Promise<Map<string, number>>;

/** The default before any model exists: no values, so queues fall back to import order. */
export const noModelYet: UncertaintySource = async () => new Map();

/** Shannon entropy of the probabilities divided by log(K): 0 for a one-hot, 1 for uniform. */
export function entropyUncertainty(probabilities: ArrayLike<number>): number {
  const k = probabilities.length;
  if (k < 2) return 0;
  let sum = 0;
  for (let i = 0; i < k; i++) sum += Math.max(0, probabilities[i] ?? 0);
  if (sum <= 0) return 1;
  let h = 0;
  for (let i = 0; i < k; i++) {
    const p = Math.max(0, probabilities[i] ?? 0) / sum;
    if (p > 0) h -= p * Math.log(p);
  }
  return Math.min(1, Math.max(0, h / Math.log(k)));
}

/** 1 minus the gap between the two most likely classes: 1 when they tie, 0 when one is certain. */
export function marginUncertainty(probabilities: ArrayLike<number>): number {
  let first = -Infinity;
  let second = -Infinity;
  for (let i = 0; i < probabilities.length; i++) {
    const p = probabilities[i] ?? 0;
    if (p > first) {
      second = first;
      first = p;
    } else if (p > second) second = p;
  }
  if (!Number.isFinite(second)) return 0;
  return Math.min(1, Math.max(0, 1 - (first - second)));
}
