import type { RatingMatrix } from './sparse';
import { round2, wordsOf, type EngineData, type EngineOptions, type Explanation, type Recommender } from './types';

/** Global mean plus regularised user and item biases: b_ui = mu + b_u + b_i. */
export interface Biases {
  mu: number;
  bu: Float64Array;
  bi: Float64Array;
}

/**
 * Fits the biases by alternating regularised least squares (Koren 2010, section 2.1):
 * b_i = sum(r - mu - b_u) / (reg_i + n_i), then b_u likewise. A handful of sweeps converge.
 */
export function fitBiases(m: RatingMatrix, regItem: number, regUser: number, sweeps = 10): Biases {
  let sum = 0;
  for (let p = 0; p < m.nnz; p++) sum += m.userVals[p]!;
  const mu = m.nnz > 0 ? sum / m.nnz : 0;
  const bu = new Float64Array(m.nUsers);
  const bi = new Float64Array(m.nItems);
  for (let s = 0; s < sweeps; s++) {
    for (let i = 0; i < m.nItems; i++) {
      let acc = 0;
      const a = m.itemPtr[i]!;
      const b = m.itemPtr[i + 1]!;
      for (let p = a; p < b; p++) acc += m.itemVals[p]! - mu - bu[m.itemUsers[p]!]!;
      bi[i] = acc / (regItem + (b - a));
    }
    for (let u = 0; u < m.nUsers; u++) {
      let acc = 0;
      const a = m.userPtr[u]!;
      const b = m.userPtr[u + 1]!;
      for (let p = a; p < b; p++) acc += m.userVals[p]! - mu - bi[m.userItems[p]!]!;
      bu[u] = acc / (regUser + (b - a));
    }
  }
  return { mu, bu, bi };
}

export const baselineOf = (b: Biases, u: number, i: number): number => b.mu + b.bu[u]! + b.bi[i]!;

export function clamp(x: number, scale: { min: number; max: number }): number {
  return x < scale.min ? scale.min : x > scale.max ? scale.max : x;
}

/**
 * The neighbourhood prediction the user-based, item-based and content-based recommenders
 * share: keep the `k` neighbours of largest weight `s` (sorting and trimming `nb` in place),
 * then base + sum(s * z) / (sum(s) + damping), clamped to the rating scale.
 */
export function neighbourPrediction(base: number, nb: { s: number; z: number }[], k: number, damping: number, scale: { min: number; max: number }): number {
  if (nb.length > k) {
    nb.sort((a, b) => b.s - a.s);
    nb.length = k;
  }
  let num = 0;
  let den = 0;
  for (const n of nb) {
    num += n.s * n.z;
    den += n.s;
  }
  return clamp(den > 0 ? base + num / (den + damping) : base, scale);
}

/** Residuals r_ui - b_ui aligned with both compressed layouts (what similarities are computed on). */
export interface Residuals {
  byUser: Float32Array;
  byItem: Float32Array;
}

export function residuals(m: RatingMatrix, b: Biases): Residuals {
  const byUser = new Float32Array(m.nnz);
  const byItem = new Float32Array(m.nnz);
  for (let u = 0; u < m.nUsers; u++) {
    for (let p = m.userPtr[u]!; p < m.userPtr[u + 1]!; p++) byUser[p] = m.userVals[p]! - baselineOf(b, u, m.userItems[p]!);
  }
  for (let i = 0; i < m.nItems; i++) {
    for (let p = m.itemPtr[i]!; p < m.itemPtr[i + 1]!; p++) byItem[p] = m.itemVals[p]! - baselineOf(b, m.itemUsers[p]!, i);
  }
  return { byUser, byItem };
}

/** Baseline 1: the bias model. It ranks by predicted value, which is what it knows. */
export class BiasRecommender implements Recommender {
  readonly mode = 'bias' as const;
  readonly biases: Biases;
  constructor(
    private readonly data: EngineData,
    opts: EngineOptions,
  ) {
    this.biases = fitBiases(data.ratings, opts.regItem, opts.regUser);
  }

  predict(u: number, i: number): number {
    return clamp(baselineOf(this.biases, u, i), this.data.scale);
  }

  scoreAll(u: number, out: Float64Array): void {
    // Shifted so every known item scores above 0 ("no evidence").
    const lo = this.data.scale.min - 1;
    for (let i = 0; i < out.length; i++) out[i] = this.predict(u, i) - lo;
  }

  explain(u: number, i: number): Explanation {
    const b = this.biases;
    const v = this.predict(u, i);
    return {
      mode: 'bias',
      score: round2(v),
      text: `expected ${v.toFixed(2)} = overall mean ${b.mu.toFixed(2)} ${fmtSigned(b.bu[u]!)} for this ${wordsOf(this.data).user} ${fmtSigned(b.bi[i]!)} for this ${wordsOf(this.data).item}`,
      numbers: { predicted: round2(v), mean: round2(b.mu), userBias: round2(b.bu[u]!), itemBias: round2(b.bi[i]!) },
    };
  }
}

function fmtSigned(x: number): string {
  return x >= 0 ? `+ ${x.toFixed(2)}` : `- ${(-x).toFixed(2)}`;
}

/** Per-item counts: how many interactions and how many good outcomes. */
export interface Popularity {
  count: Int32Array;
  good: Int32Array;
  maxGood: number;
}

export function popularity(m: RatingMatrix, goodThreshold: number): Popularity {
  const count = new Int32Array(m.nItems);
  const good = new Int32Array(m.nItems);
  let maxGood = 0;
  for (let i = 0; i < m.nItems; i++) {
    count[i] = m.itemPtr[i + 1]! - m.itemPtr[i]!;
    let g = 0;
    for (let p = m.itemPtr[i]!; p < m.itemPtr[i + 1]!; p++) if (m.itemVals[p]! >= goodThreshold) g++;
    good[i] = g;
    if (g > maxGood) maxGood = g;
  }
  return { count, good, maxGood };
}

/**
 * Baseline 2: most popular. Ranks by the number of good outcomes (ties by interactions);
 * its value prediction is the item's mean shrunk towards the global mean.
 */
export class PopularRecommender implements Recommender {
  readonly mode = 'popular' as const;
  readonly pop: Popularity;
  private readonly itemMean: Float64Array;
  constructor(private readonly data: EngineData) {
    const m = data.ratings;
    this.pop = popularity(m, data.goodThreshold);
    let sum = 0;
    for (let p = 0; p < m.nnz; p++) sum += m.itemVals[p]!;
    const mu = m.nnz ? sum / m.nnz : 0;
    this.itemMean = new Float64Array(m.nItems);
    for (let i = 0; i < m.nItems; i++) {
      let s = 0;
      for (let p = m.itemPtr[i]!; p < m.itemPtr[i + 1]!; p++) s += m.itemVals[p]! - mu;
      this.itemMean[i] = mu + s / (10 + this.pop.count[i]!);
    }
  }

  predict(_u: number, i: number): number {
    return clamp(this.itemMean[i]!, this.data.scale);
  }

  scoreAll(_u: number, out: Float64Array): void {
    const { good, count } = this.pop;
    for (let i = 0; i < out.length; i++) out[i] = good[i]! + count[i]! * 1e-3;
  }

  explain(_u: number, i: number): Explanation {
    const w = wordsOf(this.data);
    const n = this.pop.count[i]!;
    const g = this.pop.good[i]!;
    return {
      mode: 'popular',
      score: g,
      text: `${n} ${n === 1 ? w.user : w.users} had this ${w.item}; ${g} ${w.good}`,
      numbers: { count: n, good: g },
    };
  }
}

/**
 * Far below any real evidence: items a mode knows nothing about are ordered by how often
 * they went well, so a top-k is always full and a user with no history still gets the
 * popular list rather than nothing (the candidate handling a ranking needs).
 */
export const TIE_BREAK = 1e-6;

export function popularityFloor(pop: Popularity, out: Float64Array): void {
  const d = pop.maxGood + 1;
  for (let i = 0; i < out.length; i++) out[i] = (TIE_BREAK * (pop.good[i]! + 1)) / d;
}

/** The words for an item ranked only by the floor. */
export function floorText(pop: Popularity, i: number, w: { users: string; good: string }): string {
  return `ranked by how it went for others: ${pop.good[i]!} of ${pop.count[i]!} ${w.users} ${w.good}`;
}
