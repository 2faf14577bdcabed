import { baselineOf, clamp, fitBiases, neighbourPrediction, floorText, popularity, popularityFloor, residuals, type Biases, type Popularity } from './baselines';
import { rowDot, type FeatureMatrix } from './sparse';
import { round2, wordsOf, type EngineData, type EngineOptions, type Explanation, type Recommender } from './types';

/**
 * Content-based filtering over item features (TF-IDF rows, cosine).
 *
 * - Value prediction: the user's own residuals on the items most like this one by content,
 *   b_ui + sum(c_ij z_uj) / sum(c_ij) over the k best c_ij = cos(x_i, x_j) > 0.
 * - Ranking: cosine of the item's vector with the user's profile, which is the user's
 *   features in the item space (a patient's conditions and age band) plus the sum of
 *   the vectors of the items they had, weighted by value minus their own mean (so what
 *   went badly pushes away). The cosine is multiplied by a popularity prior
 *   ((1 + good outcomes) ^ contentPrior): among equally fitting items, the one that worked for
 *   more people comes first, and a new item with none still scores.
 */
export class ContentRecommender implements Recommender {
  readonly mode = 'content' as const;
  readonly biases: Biases;
  private readonly resByUser: Float32Array;
  private readonly X: FeatureMatrix | null;
  private readonly pop: Popularity;
  private readonly profile: Float64Array;
  private profileUser = -1;

  constructor(
    private readonly data: EngineData,
    private readonly opts: EngineOptions,
    biases?: Biases,
  ) {
    this.biases = biases ?? fitBiases(data.ratings, opts.regItem, opts.regUser);
    this.resByUser = residuals(data.ratings, this.biases).byUser;
    this.X = data.itemFeatures ?? null;
    this.pop = popularity(data.ratings, data.goodThreshold);
    this.profile = new Float64Array(this.X?.nFeatures ?? 0);
  }

  /** Cosine of items i and j (0 without features). */
  itemSimilarity(i: number, j: number): number {
    return this.X ? rowDot(this.X, i, this.X, j) : 0;
  }

  predict(u: number, i: number): number {
    const base = baselineOf(this.biases, u, i);
    if (!this.X) return clamp(base, this.data.scale);
    const m = this.data.ratings;
    // Neighbours: the user's rated items, weighted by content similarity to i.
    const nb: { s: number; z: number }[] = [];
    for (let q = m.userPtr[u]!; q < m.userPtr[u + 1]!; q++) {
      const s = rowDot(this.X, i, this.X, m.userItems[q]!);
      if (s > 0) nb.push({ s, z: this.resByUser[q]! });
    }
    return neighbourPrediction(base, nb, this.opts.k, this.opts.damping, this.data.scale);
  }

  /** The user's profile in the item feature space, L2-normalised (cached for the last user). */
  private profileOf(u: number): Float64Array {
    if (this.profileUser === u) return this.profile;
    const X = this.X!;
    const P = this.profile;
    P.fill(0);
    const m = this.data.ratings;
    const a = m.userPtr[u]!;
    const b = m.userPtr[u + 1]!;
    if (b > a) {
      let mean = 0;
      for (let q = a; q < b; q++) mean += m.userVals[q]!;
      mean /= b - a;
      // A user who rated everything alike still likes what they had: keep a small positive floor.
      const spread = Math.max(1e-9, this.data.scale.max - this.data.scale.min);
      for (let q = a; q < b; q++) {
        const j = m.userItems[q]!;
        const wgt = (m.userVals[q]! - mean) / spread + 0.1;
        for (let p = X.ptr[j]!; p < X.ptr[j + 1]!; p++) P[X.idx[p]!]! += wgt * X.val[p]!;
      }
      normalise(P);
    }
    const U = this.data.userContent;
    if (U && u < U.nRows && U.ptr[u + 1]! > U.ptr[u]!) {
      // The user's own features (already unit length) weigh as much as their whole history.
      for (let p = U.ptr[u]!; p < U.ptr[u + 1]!; p++) if (U.idx[p]! < P.length) P[U.idx[p]!]! += U.val[p]!;
      normalise(P);
    }
    this.profileUser = u;
    return P;
  }

  private cosine(P: Float64Array, i: number): number {
    const X = this.X!;
    let s = 0;
    for (let p = X.ptr[i]!; p < X.ptr[i + 1]!; p++) s += P[X.idx[p]!]! * X.val[p]!;
    return s;
  }

  private prior(i: number): number {
    return Math.pow(1 + this.pop.good[i]!, this.opts.contentPrior);
  }

  scoreAll(u: number, out: Float64Array): void {
    popularityFloor(this.pop, out);
    if (!this.X) return;
    const P = this.profileOf(u);
    for (let i = 0; i < out.length && i < this.X.nRows; i++) {
      const c = this.cosine(P, i);
      if (c > 0) out[i]! += c * this.prior(i);
    }
  }

  explain(u: number, i: number): Explanation {
    const w = wordsOf(this.data);
    if (!this.X) return { mode: 'content', score: 0, text: `no ${w.item} features to compare; ${floorText(this.pop, i, w)}`, numbers: { cosine: 0 } };
    const P = this.profileOf(u);
    const X = this.X;
    const parts: { f: number; c: number }[] = [];
    for (let p = X.ptr[i]!; p < X.ptr[i + 1]!; p++) {
      const c = P[X.idx[p]!]! * X.val[p]!;
      if (c > 0) parts.push({ f: X.idx[p]!, c });
    }
    parts.sort((a, b) => b.c - a.c);
    const cos = this.cosine(P, i);
    const label = (f: number) => (this.data.featureLabel ? this.data.featureLabel(f) : `feature ${f}`);
    const good = this.pop.good[i]!;
    const score = cos > 0 ? cos * this.prior(i) : 0;
    return {
      mode: 'content',
      score: round2(score),
      text: parts.length
        ? `matches: ${parts
            .slice(0, 4)
            .map((x) => label(x.f))
            .join(', ')} (cosine ${cos.toFixed(2)}); ${good} ${good === 1 ? w.user : w.users} ${w.good} on it before`
        : `nothing in this ${w.user}'s profile matches this ${w.item}; ${floorText(this.pop, i, w)}`,
      numbers: { cosine: round2(cos), matched: parts.length, good },
      evidence: { features: parts.map((x) => x.f) },
    };
  }
}

function normalise(v: Float64Array): void {
  let s = 0;
  for (let f = 0; f < v.length; f++) s += v[f]! * v[f]!;
  const n = Math.sqrt(s);
  if (n > 0) for (let f = 0; f < v.length; f++) v[f]! /= n;
}
