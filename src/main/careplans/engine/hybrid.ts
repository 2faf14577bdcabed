import { BiasRecommender, PopularRecommender } from './baselines';
import { ContentRecommender } from './content';
import { ItemKnnRecommender } from './itemKnn';
import { seededRandom } from '../../../shared/random';
import { buildRatingMatrix, shuffleInPlace, topK, type RatingMatrix, type Triple } from './sparse';
import { UserKnnRecommender } from './userKnn';
import { round2, wordsOf, type EngineData, type EngineOptions, type Explanation, type Recommender } from './types';

export type RankPart = 'user' | 'item' | 'content' | 'popular';
export type ValuePart = 'bias' | 'user' | 'item' | 'content';
export const RANK_PARTS: readonly RankPart[] = ['user', 'item', 'content', 'popular'];
export const VALUE_PARTS: readonly ValuePart[] = ['bias', 'user', 'item', 'content'];

export interface HybridWeights {
  rank: Record<RankPart, number>;
  value: Record<ValuePart, number>;
  /** Where the weights came from: a validation split (with its size) or the defaults. */
  source: string;
}

/** Used when there is too little history to hold some out (a new clinic). */
export const DEFAULT_WEIGHTS: HybridWeights = {
  rank: { user: 0.3, item: 0.3, content: 0.3, popular: 0.1 },
  value: { bias: 0.25, user: 0.25, item: 0.25, content: 0.25 },
  source: 'defaults (too little history to validate)',
};

interface Parts {
  bias: BiasRecommender;
  popular: PopularRecommender;
  user: UserKnnRecommender;
  item: ItemKnnRecommender;
  content: ContentRecommender;
}

function fitParts(data: EngineData, opts: EngineOptions): Parts {
  const bias = new BiasRecommender(data, opts);
  return {
    bias,
    popular: new PopularRecommender(data),
    user: new UserKnnRecommender(data, opts, bias.biases),
    item: new ItemKnnRecommender(data, opts, bias.biases),
    content: new ContentRecommender(data, opts, bias.biases),
  };
}

/** All points of the simplex with the given step, for `n` weights. */
function simplex(n: number, steps: number): number[][] {
  const out: number[][] = [];
  const rec = (prefix: number[], left: number) => {
    if (prefix.length === n - 1) {
      out.push([...prefix, left].map((x) => x / steps));
      return;
    }
    for (let a = 0; a <= left; a++) rec([...prefix, a], left - a);
  };
  rec([], steps);
  return out;
}

function matrixTriples(m: RatingMatrix): Triple[] {
  const out: Triple[] = [];
  for (let u = 0; u < m.nUsers; u++) for (let p = m.userPtr[u]!; p < m.userPtr[u + 1]!; p++) out.push({ user: u, item: m.userItems[p]!, value: m.userVals[p]! });
  return out;
}

const MIN_VALIDATION = 50;

/**
 * Chooses the blend weights on a validation split carved out of the training data
 * (10 % of interactions, seeded): value weights by RMSE, ranking weights by NDCG@10, both
 * over a simplex grid (step 0.1). The test data is never seen here.
 */
export function chooseWeights(data: EngineData, opts: EngineOptions): HybridWeights {
  const all = matrixTriples(data.ratings);
  if (all.length < MIN_VALIDATION * 10) return DEFAULT_WEIGHTS;
  const rand = seededRandom(opts.seed ^ 0x5eed);
  shuffleInPlace(all, rand);
  const nVal = Math.floor(all.length * 0.1);
  const held = all.slice(0, nVal);
  const sub: EngineData = { ...data, ratings: buildRatingMatrix(data.ratings.nUsers, data.ratings.nItems, all.slice(nVal)) };
  const parts = fitParts(sub, opts);

  // Value weights: RMSE on up to 5,000 held-out pairs.
  // At most 1,000 users (each user's similarities cost a walk of their neighbourhood),
  // grouped by user so those are computed once per user.
  const valUsers = new Set<number>();
  for (const t of held) if (valUsers.size < 1000) valUsers.add(t.user);
  const pairs = held
    .filter((t) => valUsers.has(t.user))
    .slice(0, 5000)
    .sort((a, b) => a.user - b.user);
  const preds = VALUE_PARTS.map((p) => pairs.map((t) => parts[p].predict(t.user, t.item)));
  let bestV = { w: [0.25, 0.25, 0.25, 0.25], rmse: Infinity };
  for (const w of simplex(VALUE_PARTS.length, 10)) {
    let se = 0;
    for (let t = 0; t < pairs.length; t++) {
      let p = 0;
      for (let c = 0; c < w.length; c++) p += w[c]! * preds[c]![t]!;
      se += (p - pairs[t]!.value) ** 2;
    }
    const rmse = Math.sqrt(se / pairs.length);
    if (rmse < bestV.rmse) bestV = { w, rmse };
  }

  // Ranking weights: NDCG@10 for up to 1,000 users with a good held-out outcome.
  const relevant = new Map<number, Set<number>>();
  for (const t of held) {
    if (t.value < data.goodThreshold) continue;
    let s = relevant.get(t.user);
    if (!s) relevant.set(t.user, (s = new Set()));
    s.add(t.item);
  }
  const users = shuffleInPlace([...relevant.keys()], rand).slice(0, 1000);
  const nItems = data.ratings.nItems;
  const buf = new Float64Array(nItems);
  const seen = new Uint8Array(nItems);
  const cases: { pool: number[]; scores: Float64Array[]; rel: Set<number> }[] = [];
  for (const u of users) {
    const m = sub.ratings;
    for (let p = m.userPtr[u]!; p < m.userPtr[u + 1]!; p++) seen[m.userItems[p]!] = 1;
    const normed: Float64Array[] = [];
    const poolSet = new Set<number>();
    for (const part of RANK_PARTS) {
      parts[part].scoreAll(u, buf);
      for (let i = 0; i < nItems; i++) if (seen[i]) buf[i] = 0;
      let max = 0;
      for (let i = 0; i < nItems; i++) if (buf[i]! > max) max = buf[i]!;
      const copy = new Float64Array(buf);
      if (max > 0) for (let i = 0; i < nItems; i++) copy[i]! /= max;
      normed.push(copy);
      for (const i of topK(copy, null, 100, 0)) poolSet.add(i);
    }
    for (let p = m.userPtr[u]!; p < m.userPtr[u + 1]!; p++) seen[m.userItems[p]!] = 0;
    const pool = [...poolSet];
    cases.push({ pool, scores: normed.map((s) => Float64Array.from(pool, (i) => s[i]!)), rel: relevant.get(u)! });
  }
  let bestR = { w: [0.3, 0.3, 0.3, 0.1], ndcg: -1 };
  if (cases.length >= 20) {
    for (const w of simplex(RANK_PARTS.length, 10)) {
      let total = 0;
      for (const c of cases) {
        const blended = new Float64Array(c.pool.length);
        for (let k = 0; k < w.length; k++) {
          const wk = w[k]!;
          if (wk === 0) continue;
          const s = c.scores[k]!;
          for (let x = 0; x < blended.length; x++) blended[x]! += wk * s[x]!;
        }
        const top = topK(blended, null, 10, 0);
        total += ndcgAt(top.map((x) => c.pool[x]!), c.rel, 10);
      }
      const ndcg = total / cases.length;
      if (ndcg > bestR.ndcg) bestR = { w, ndcg };
    }
  }
  const rec = <K extends string>(keys: readonly K[], w: number[]) => Object.fromEntries(keys.map((k, i) => [k, round2(w[i]!)])) as Record<K, number>;
  return {
    rank: rec(RANK_PARTS, bestR.w),
    value: rec(VALUE_PARTS, bestV.w),
    source: `validation split of ${held.length} interactions (${pairs.length} for values, ${cases.length} users for ranking)`,
  };
}

/** NDCG@k with binary relevance. */
export function ndcgAt(ranked: readonly number[], relevant: ReadonlySet<number>, k: number): number {
  let dcg = 0;
  for (let r = 0; r < Math.min(k, ranked.length); r++) if (relevant.has(ranked[r]!)) dcg += 1 / Math.log2(r + 2);
  let idcg = 0;
  for (let r = 0; r < Math.min(k, relevant.size); r++) idcg += 1 / Math.log2(r + 2);
  return idcg > 0 ? dcg / idcg : 0;
}

/**
 * The hybrid: a weighted blend of the other modes, each mode's ranking scores divided by
 * its best score for this user so they are comparable. Users with less history than
 * `minHistory` get content mode alone (which needs no history), and say so.
 */
export class HybridRecommender implements Recommender {
  readonly mode = 'hybrid' as const;
  private readonly parts: Parts;
  private readonly bufs: Float64Array[];
  private maxUser = -1;
  private maxima: number[] = [];

  constructor(
    private readonly data: EngineData,
    private readonly opts: EngineOptions,
    readonly weights: HybridWeights,
  ) {
    this.parts = fitParts(data, opts);
    this.bufs = RANK_PARTS.map(() => new Float64Array(data.ratings.nItems));
  }

  private history(u: number): number {
    return this.data.ratings.userPtr[u + 1]! - this.data.ratings.userPtr[u]!;
  }

  predict(u: number, i: number): number {
    let p = 0;
    for (const part of VALUE_PARTS) {
      const w = this.weights.value[part];
      if (w > 0) p += w * this.parts[part].predict(u, i);
    }
    return p;
  }

  /**
   * The weights for this user: the validated ones; for a user with too little history,
   * content alone, or (when users have profiles, so similar users can be found without
   * history) content and user-based half and half.
   */
  private weightsFor(u: number): { rank: Record<RankPart, number>; cold: boolean } {
    if (this.history(u) >= this.opts.minHistory) return { rank: this.weights.rank, cold: false };
    const profiles = Boolean(this.data.userProfiles);
    return { rank: { user: profiles ? 0.5 : 0, item: 0, content: profiles ? 0.5 : 1, popular: 0 }, cold: true };
  }

  scoreAll(u: number, out: Float64Array): void {
    const { rank } = this.weightsFor(u);
    out.fill(0);
    const maxima: number[] = [];
    RANK_PARTS.forEach((part, k) => {
      const w = rank[part];
      const buf = this.bufs[k]!;
      if (w <= 0) {
        maxima.push(0);
        return;
      }
      this.parts[part].scoreAll(u, buf);
      // Normalise over items the user has not had: those are the ones being ranked.
      const m = this.data.ratings;
      for (let p = m.userPtr[u]!; p < m.userPtr[u + 1]!; p++) buf[m.userItems[p]!] = 0;
      let max = 0;
      for (let i = 0; i < buf.length; i++) if (buf[i]! > max) max = buf[i]!;
      maxima.push(max);
      if (max > 0) for (let i = 0; i < buf.length; i++) out[i]! += (w * buf[i]!) / max;
    });
    this.maxUser = u;
    this.maxima = maxima;
  }

  explain(u: number, i: number): Explanation {
    const w = wordsOf(this.data);
    const n = this.history(u);
    const { rank, cold } = this.weightsFor(u);
    if (this.maxUser !== u) this.scoreAll(u, new Float64Array(this.data.ratings.nItems));
    const contributions = RANK_PARTS.map((part, k) => {
      const wgt = rank[part];
      const e = wgt > 0 ? this.parts[part].explain(u, i) : null;
      const max = this.maxima[k]!;
      const normalised = e && max > 0 ? e.score / max : 0;
      return { part, wgt, e, c: wgt * normalised };
    });
    const score = contributions.reduce((a, c) => a + c.c, 0);
    const active = contributions.filter((c) => c.e && c.c > 0).sort((a, b) => b.c - a.c);
    const numbers: Record<string, number> = { fallback: cold ? 1 : 0 };
    for (const c of contributions) numbers[`${c.part}Contribution`] = round2(c.c);
    const why = active.length
      ? active
          .slice(0, 2)
          .map((c) => `${c.e!.text} [${c.part}, weight ${c.wgt.toFixed(1)}]`)
          .join('; ')
      : (contributions.find((c) => c.e)?.e?.text ?? 'no evidence from any mode');
    const note = cold
      ? ` (${rank.user > 0 ? 'similar patients by profile and content' : 'content only'}: ${n} recorded outcome${n === 1 ? '' : 's'} for this ${w.user}, too few for the validated blend)`
      : '';
    const parts = contributions.filter((c) => c.e).map((c) => ({ mode: c.part, weight: c.wgt, contribution: c.c, explanation: c.e! }));
    return { mode: 'hybrid', score: round2(score), text: why + note, numbers, evidence: { parts } };
  }
}

/** Fits the hybrid: weights on a validation split of the training data, then every part on all of it. */
export function fitHybrid(data: EngineData, opts: EngineOptions, weights?: HybridWeights): HybridRecommender {
  return new HybridRecommender(data, opts, weights ?? chooseWeights(data, opts));
}

