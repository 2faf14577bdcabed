/**
 * How unsure a model is about one image, from its class probabilities, on a 0..1 scale
 * (1 = most unsure), so "label next" can put the most informative images first.
 */

/** A source of model uncertainty per image; the ML feature supplies the real one. */
export type UncertaintySource = (labelSetId: string, imageIds: string[]) => Promise<Map<string, number>>;

/** The default before any model exists: no values, so queues fall back to import order. */
export const noModelYet: UncertaintySource = async () => new Map();

// The entropy lives with softmax in shared/probabilities, so ml and labels share one definition.
export { entropyUncertainty } from '../../shared/probabilities';

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
