import { baselineOf, clamp, fitBiases, floorText, popularity, popularityFloor, residuals, type Biases, type Popularity, type Residuals } from './baselines';
import { invert, topK, type InvertedIndex } from './sparse';
import { round2, wordsOf, type EngineData, type EngineOptions, type Explanation, type Recommender } from './types';

/** Neighbours kept for ranking (the value prediction takes the k best among an item's raters instead). */
const RANK_NEIGHBOURS = 50;

interface UserSims {
  u: number;
  /** Similarity for value prediction: Pearson on baseline residuals over co-rated items, shrunk, blended with profile. */
  predict: Float64Array;
  /** Similarity for ranking: cosine of the value vectors, blended with profile. */
  rank: Float64Array;
  /** The ranking neighbourhood: users with the highest positive `rank` similarity. */
  neighbours: number[];
  /** Weight of profile similarity in the blend (1 for a user with no history). */
  profileWeight: number;
}

/**
 * User-based collaborative filtering. Similar users are found on demand for the asking
 * user by walking the items they had and those items' other users (sparse, so 100,000
 * users cost what the overlap costs, not 100,000 comparisons). Value prediction follows
 * Koren's kNN-baseline: b_ui + sum(s_uv (r_vi - b_vi)) / sum(s_uv) over the k most similar
 * users who had item i. Profile similarity (age band, sex, conditions) is blended in with
 * weight profileBlend / (profileBlend + n_u), so a user with no history still has neighbours.
 */
export class UserKnnRecommender implements Recommender {
  readonly mode = 'user' as const;
  readonly biases: Biases;
  private readonly res: Residuals;
  private readonly rawNorm: Float64Array;
  private readonly profileIndex: InvertedIndex | null;
  private readonly pop: Popularity;
  private cache: UserSims | null = null;
  // Scratch accumulators reused across requests (one request at a time per model).
  private readonly dot: Float64Array;
  private readonly su: Float64Array;
  private readonly sv: Float64Array;
  private readonly cnt: Int32Array;
  private readonly raw: Float64Array;

  constructor(
    private readonly data: EngineData,
    private readonly opts: EngineOptions,
    biases?: Biases,
  ) {
    const m = data.ratings;
    this.biases = biases ?? fitBiases(m, opts.regItem, opts.regUser);
    this.res = residuals(m, this.biases);
    this.rawNorm = new Float64Array(m.nUsers);
    for (let u = 0; u < m.nUsers; u++) {
      let s = 0;
      for (let p = m.userPtr[u]!; p < m.userPtr[u + 1]!; p++) s += m.userVals[p]! * m.userVals[p]!;
      this.rawNorm[u] = Math.sqrt(s);
    }
    this.profileIndex = data.userProfiles ? invert(data.userProfiles) : null;
    this.pop = popularity(m, data.goodThreshold);
    this.dot = new Float64Array(m.nUsers);
    this.su = new Float64Array(m.nUsers);
    this.sv = new Float64Array(m.nUsers);
    this.cnt = new Int32Array(m.nUsers);
    this.raw = new Float64Array(m.nUsers);
  }

  /** Similarities of user u to every other user (cached for the last user asked about). */
  sims(u: number): UserSims {
    if (this.cache?.u === u) return this.cache;
    const m = this.data.ratings;
    const { dot, su, sv, cnt, raw } = this;
    const touched: number[] = [];
    for (let p = m.userPtr[u]!; p < m.userPtr[u + 1]!; p++) {
      const i = m.userItems[p]!;
      const zu = this.res.byUser[p]!;
      const ru = m.userVals[p]!;
      for (let q = m.itemPtr[i]!; q < m.itemPtr[i + 1]!; q++) {
        const v = m.itemUsers[q]!;
        if (v === u) continue;
        if (cnt[v] === 0) touched.push(v);
        const zv = this.res.byItem[q]!;
        dot[v]! += zu * zv;
        su[v]! += zu * zu;
        sv[v]! += zv * zv;
        cnt[v]!++;
        raw[v]! += ru * m.itemVals[q]!;
      }
    }
    const predict = new Float64Array(m.nUsers);
    const rank = new Float64Array(m.nUsers);
    const lam = this.opts.userShrinkage;
    for (const v of touched) {
      const den = Math.sqrt(su[v]! * sv[v]!);
      const n = cnt[v]!;
      predict[v] = den > 0 ? (dot[v]! / den) * (n / (n + lam)) : 0;
      const rden = this.rawNorm[u]! * this.rawNorm[v]!;
      rank[v] = rden > 0 ? raw[v]! / rden : 0;
      dot[v] = su[v] = sv[v] = raw[v] = 0;
      cnt[v] = 0;
    }
    let profileWeight = 0;
    if (this.profileIndex && this.data.userProfiles) {
      const history = m.userPtr[u + 1]! - m.userPtr[u]!;
      profileWeight = this.opts.profileBlend / (this.opts.profileBlend + history);
      const prof = this.profileSims(u);
      if (profileWeight > 0) {
        for (let v = 0; v < m.nUsers; v++) {
          const ps = prof[v]!;
          predict[v] = (1 - profileWeight) * predict[v]! + profileWeight * ps;
          rank[v] = (1 - profileWeight) * rank[v]! + profileWeight * ps;
        }
      }
    }
    predict[u] = 0;
    rank[u] = 0;
    const neighbours = topK(rank, null, RANK_NEIGHBOURS, 0);
    this.cache = { u, predict, rank, neighbours, profileWeight };
    return this.cache;
  }

  /** Cosine of profile vectors, through the inverted index (only users sharing a feature are touched). */
  private profileSims(u: number): Float64Array {
    const prof = this.data.userProfiles!;
    const index = this.profileIndex!;
    const out = new Float64Array(this.data.ratings.nUsers);
    for (let p = prof.ptr[u]!; p < prof.ptr[u + 1]!; p++) {
      const f = prof.idx[p]!;
      const w = prof.val[p]!;
      for (let q = index.ptr[f]!; q < index.ptr[f + 1]!; q++) out[index.rows[q]!]! += w * index.val[q]!;
    }
    out[u] = 0;
    return out;
  }

  /** The k most similar users who had item i: [user, similarity, residual]. */
  private predictionNeighbours(u: number, i: number): { v: number; s: number; z: number }[] {
    const m = this.data.ratings;
    const { predict } = this.sims(u);
    const cands: { v: number; s: number; z: number }[] = [];
    for (let q = m.itemPtr[i]!; q < m.itemPtr[i + 1]!; q++) {
      const v = m.itemUsers[q]!;
      const s = predict[v]!;
      if (s > 0) cands.push({ v, s, z: this.res.byItem[q]! });
    }
    if (cands.length > this.opts.k) {
      cands.sort((a, b) => b.s - a.s);
      cands.length = this.opts.k;
    }
    return cands;
  }

  predict(u: number, i: number): number {
    const base = baselineOf(this.biases, u, i);
    let num = 0;
    let den = 0;
    for (const n of this.predictionNeighbours(u, i)) {
      num += n.s * n.z;
      den += n.s;
    }
    return clamp(den > 0 ? base + num / (den + this.opts.damping) : base, this.data.scale);
  }

  scoreAll(u: number, out: Float64Array): void {
    popularityFloor(this.pop, out);
    const m = this.data.ratings;
    const { rank, neighbours } = this.sims(u);
    const max = this.data.scale.max;
    for (const v of neighbours) {
      const s = rank[v]!;
      for (let q = m.userPtr[v]!; q < m.userPtr[v + 1]!; q++) out[m.userItems[q]!]! += (s * m.userVals[q]!) / max;
    }
  }

  explain(u: number, i: number): Explanation {
    const w = wordsOf(this.data);
    const m = this.data.ratings;
    const { rank, neighbours, profileWeight } = this.sims(u);
    let n = 0;
    let simSum = 0;
    let good = 0;
    let score = 0;
    for (const v of neighbours) {
      for (let q = m.userPtr[v]!; q < m.userPtr[v + 1]!; q++) {
        if (m.userItems[q] !== i) continue;
        n++;
        simSum += rank[v]!;
        score += (rank[v]! * m.userVals[q]!) / this.data.scale.max;
        if (m.userVals[q]! >= this.data.goodThreshold) good++;
      }
    }
    const mean = n ? simSum / n : 0;
    const basis = profileWeight >= 0.5 ? ' (similar mostly by profile: little history yet)' : '';
    return {
      mode: 'user',
      score: round2(score),
      text: n
        ? `${n} similar ${n === 1 ? w.user : w.users} had this ${w.item}, mean similarity ${mean.toFixed(2)}, ${good} ${w.good}${basis}`
        : `no similar ${w.users} had this ${w.item}; ${floorText(this.pop, i, w)}`,
      numbers: { similar: n, meanSimilarity: round2(mean), good, profileWeight: round2(profileWeight) },
    };
  }
}
