import { baselineOf, fitBiases, neighbourPrediction, floorText, popularity, popularityFloor, residuals, type Biases, type Popularity, type Residuals } from './baselines';
import { invert, rowDot, topK, type InvertedIndex } from './sparse';
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
  private readonly predictBuf: Float64Array;
  private readonly rankBuf: Float64Array;
  private readonly profBuf: Float64Array;
  private readonly seen: Uint8Array;
  private lastTouched: number[] = [];

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
    this.predictBuf = new Float64Array(m.nUsers);
    this.rankBuf = new Float64Array(m.nUsers);
    this.profBuf = new Float64Array(m.nUsers);
    this.seen = new Uint8Array(m.nUsers);
  }

  /** Similarities of user u to every other user (cached for the last user asked about). */
  sims(u: number): UserSims {
    if (this.cache?.u === u) return this.cache;
    const m = this.data.ratings;
    const { dot, su, sv, cnt, raw, predictBuf: predict, rankBuf: rank, seen } = this;
    // Clear what the previous user touched: the buffers are reused, not reallocated (100,000 users).
    for (const v of this.lastTouched) {
      predict[v] = 0;
      rank[v] = 0;
      seen[v] = 0;
    }
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
    const lam = this.opts.userShrinkage;
    for (const v of touched) {
      const den = Math.sqrt(su[v]! * sv[v]!);
      const n = cnt[v]!;
      predict[v] = den > 0 ? (dot[v]! / den) * (n / (n + lam)) : 0;
      const rden = this.rawNorm[u]! * this.rawNorm[v]!;
      rank[v] = rden > 0 ? raw[v]! / rden : 0;
      dot[v] = su[v] = sv[v] = raw[v] = 0;
      cnt[v] = 0;
      seen[v] = 1;
    }
    let profileWeight = 0;
    if (this.profileIndex && this.data.userProfiles) {
      const history = m.userPtr[u + 1]! - m.userPtr[u]!;
      profileWeight = this.opts.profileBlend / (this.opts.profileBlend + history);
      if (profileWeight > 0) {
        const prof = this.profBuf;
        const profTouched = this.profileSims(u);
        for (const v of profTouched) {
          if (!seen[v]) {
            seen[v] = 1;
            touched.push(v);
          }
        }
        for (const v of touched) {
          const ps = prof[v]!;
          predict[v] = (1 - profileWeight) * predict[v]! + profileWeight * ps;
          rank[v] = (1 - profileWeight) * rank[v]! + profileWeight * ps;
        }
        for (const v of profTouched) prof[v] = 0;
      }
    }
    predict[u] = 0;
    rank[u] = 0;
    this.lastTouched = touched;
    const neighbours = topK(rank, touched, RANK_NEIGHBOURS, 0);
    this.cache = { u, predict, rank, neighbours, profileWeight };
    return this.cache;
  }

  /**
   * Cosine of profile vectors into profBuf; returns the users touched. Candidates are the
   * users sharing a distinctive feature (one at most 5 % of users have: a condition, not
   * a sex or an age band), so 100,000 patients cost what a condition's patients cost; the
   * cosine over all features is then taken for those candidates only.
   */
  private profileSims(u: number): number[] {
    const prof = this.data.userProfiles!;
    const index = this.profileIndex!;
    const out = this.profBuf;
    const touched: number[] = [];
    const limit = Math.max(50, Math.floor(0.05 * prof.nRows));
    const a = prof.ptr[u]!;
    const b = prof.ptr[u + 1]!;
    let distinctive = false;
    for (let p = a; p < b; p++) {
      const f = prof.idx[p]!;
      if (index.ptr[f + 1]! - index.ptr[f]! > limit) continue;
      distinctive = true;
      for (let q = index.ptr[f]!; q < index.ptr[f + 1]!; q++) {
        const v = index.rows[q]!;
        if (v === u || out[v] !== 0) continue;
        touched.push(v);
        out[v] = rowDot(prof, u, prof, v);
      }
    }
    if (distinctive) return touched;
    // Nothing distinctive (only common features): every user sharing any feature.
    for (let p = a; p < b; p++) {
      const f = prof.idx[p]!;
      const w = prof.val[p]!;
      for (let q = index.ptr[f]!; q < index.ptr[f + 1]!; q++) {
        const v = index.rows[q]!;
        if (v === u) continue;
        if (out[v] === 0) touched.push(v);
        out[v]! += w * index.val[q]!;
      }
    }
    return touched;
  }

  /** The k most similar users who had item i: [user, similarity, residual]. */
  predict(u: number, i: number): number {
    // Neighbours: the users who rated i, weighted by their similarity to u.
    const m = this.data.ratings;
    const { predict } = this.sims(u);
    const nb: { s: number; z: number }[] = [];
    for (let q = m.itemPtr[i]!; q < m.itemPtr[i + 1]!; q++) {
      const s = predict[m.itemUsers[q]!]!;
      if (s > 0) nb.push({ s, z: this.res.byItem[q]! });
    }
    return neighbourPrediction(baselineOf(this.biases, u, i), nb, this.opts.k, this.opts.damping, this.data.scale);
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
    const users: number[] = [];
    for (const v of neighbours) {
      for (let q = m.userPtr[v]!; q < m.userPtr[v + 1]!; q++) {
        if (m.userItems[q] !== i) continue;
        n++;
        users.push(v);
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
      evidence: { users },
    };
  }
}
