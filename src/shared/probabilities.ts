/**
 * Class probabilities from a model's logits, and how unsure they are. Pure maths shared by
 * the ml feature (calibrated diagnoses, evaluation) and the labels feature ("label next"
 * ordering), so the two can never disagree about what "unsure" means.
 */

/** softmax(logits / temperature), computed stably (the largest scaled logit is subtracted first). */
export function softmax(logits: ArrayLike<number>, temperature = 1): number[] {
  let max = -Infinity;
  for (let i = 0; i < logits.length; i++) max = Math.max(max, logits[i]! / temperature);
  const e = Array.from(logits, (v) => Math.exp(v / temperature - max));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
}

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
