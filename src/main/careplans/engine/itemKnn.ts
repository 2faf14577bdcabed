import { baselineOf, fitBiases, neighbourPrediction, floorText, popularity, popularityFloor, residuals, type Biases, type Popularity } from './baselines';
import { topK } from './sparse';
import { labelOf, round2, wordsOf, type EngineData, type EngineOptions, type Explanation, type Recommender } from './types';

/** Each item's kept neighbours in CSR form, sorted by neighbour index (for merging with a user's sorted row). */
interface NeighbourLists {
  ptr: Int32Array;
  idx: Int32Array;
  sim: Float32Array;
}

function toLists(rows: { idx: number[]; sim: number[] }[]): NeighbourLists {
  const ptr = new Int32Array(rows.length + 1);
  for (let i = 0; i < rows.length; i++) ptr[i + 1] = ptr[i]! + rows[i]!.idx.length;
  const idx = new Int32Array(ptr[rows.length]!);
  const sim = new Float32Array(ptr[rows.length]!);
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i]!;
    const order = r.idx.map((_, j) => j).sort((a, b) => r.idx[a]! - r.idx[b]!);
    let p = ptr[i]!;
    for (const j of order) {
      idx[p] = r.idx[j]!;
      sim[p] = r.sim[j]!;
      p++;
    }
  }
  return { ptr, idx, sim };
}

/**
 * Item-based collaborative filtering: items are similar when the same users did well (or
 * badly) on both. Fitting computes each item's similarity row through its users' rows
 * (cost: sum of squared user history lengths) and keeps the `itemNeighbours` best, twice:
 * shrunk Pearson on baseline residuals for value prediction (kNN-baseline, `itemNeighbours`
 * kept), and cosine of value vectors for ranking (Deshpande and Karypis' item-based top-N,
 * `itemRankNeighbours` kept: a short list ranks better, a long one predicts better).
 */
export class ItemKnnRecommender implements Recommender {
  readonly mode = 'item' as const;
  readonly biases: Biases;
  private readonly resByUser: Float32Array;
  private readonly predictLists: NeighbourLists;
  private readonly rankLists: NeighbourLists;
  private readonly pop: Popularity;

  constructor(
    private readonly data: EngineData,
    private readonly opts: EngineOptions,
    biases?: Biases,
  ) {
    const m = data.ratings;
    this.biases = biases ?? fitBiases(m, opts.regItem, opts.regUser);
    const res = residuals(m, this.biases);
    this.resByUser = res.byUser;
    this.pop = popularity(m, data.goodThreshold);
    const rawNorm = new Float64Array(m.nItems);
    for (let i = 0; i < m.nItems; i++) {
      let s = 0;
      for (let p = m.itemPtr[i]!; p < m.itemPtr[i + 1]!; p++) s += m.itemVals[p]! * m.itemVals[p]!;
      rawNorm[i] = Math.sqrt(s);
    }
    const dot = new Float64Array(m.nItems);
    const si = new Float64Array(m.nItems);
    const sj = new Float64Array(m.nItems);
    const raw = new Float64Array(m.nItems);
    const cnt = new Int32Array(m.nItems);
    const pSim = new Float64Array(m.nItems);
    const rSim = new Float64Array(m.nItems);
    const pRows: { idx: number[]; sim: number[] }[] = [];
    const rRows: { idx: number[]; sim: number[] }[] = [];
    const K = opts.itemNeighbours;
    const lam = opts.shrinkage;
    for (let i = 0; i < m.nItems; i++) {
      const touched: number[] = [];
      for (let q = m.itemPtr[i]!; q < m.itemPtr[i + 1]!; q++) {
        const v = m.itemUsers[q]!;
        const zi = res.byItem[q]!;
        const ri = m.itemVals[q]!;
        for (let p = m.userPtr[v]!; p < m.userPtr[v + 1]!; p++) {
          const j = m.userItems[p]!;
          if (j === i) continue;
          if (cnt[j] === 0) touched.push(j);
          const zj = res.byUser[p]!;
          dot[j]! += zi * zj;
          si[j]! += zi * zi;
          sj[j]! += zj * zj;
          raw[j]! += ri * m.userVals[p]!;
          cnt[j]!++;
        }
      }
      for (const j of touched) {
        const den = Math.sqrt(si[j]! * sj[j]!);
        const n = cnt[j]!;
        pSim[j] = den > 0 ? (dot[j]! / den) * (n / (n + lam)) : 0;
        const rden = rawNorm[i]! * rawNorm[j]!;
        rSim[j] = rden > 0 ? raw[j]! / rden : 0;
        dot[j] = si[j] = sj[j] = raw[j] = 0;
        cnt[j] = 0;
      }
      const pTop = topK(pSim, touched, K, 0);
      const rTop = topK(rSim, touched, opts.itemRankNeighbours, 0);
      pRows.push({ idx: pTop, sim: pTop.map((j) => pSim[j]!) });
      rRows.push({ idx: rTop, sim: rTop.map((j) => rSim[j]!) });
      for (const j of touched) pSim[j] = rSim[j] = 0;
    }
    this.predictLists = toLists(pRows);
    this.rankLists = toLists(rRows);
  }

  /** Items user u had that are among item i's kept neighbours: [item, similarity, value, residual]. */
  private overlap(lists: NeighbourLists, u: number, i: number): { j: number; s: number; r: number; z: number }[] {
    const m = this.data.ratings;
    const out: { j: number; s: number; r: number; z: number }[] = [];
    let p = lists.ptr[i]!;
    const pe = lists.ptr[i + 1]!;
    let q = m.userPtr[u]!;
    const qe = m.userPtr[u + 1]!;
    while (p < pe && q < qe) {
      const a = lists.idx[p]!;
      const b = m.userItems[q]!;
      if (a === b) {
        out.push({ j: a, s: lists.sim[p]!, r: m.userVals[q]!, z: this.resByUser[q]! });
        p++;
        q++;
      } else if (a < b) p++;
      else q++;
    }
    return out;
  }

  predict(u: number, i: number): number {
    const base = baselineOf(this.biases, u, i);
    return neighbourPrediction(base, this.overlap(this.predictLists, u, i), this.opts.k, this.opts.damping, this.data.scale);
  }

  scoreAll(u: number, out: Float64Array): void {
    popularityFloor(this.pop, out);
    const m = this.data.ratings;
    const L = this.rankLists;
    const max = this.data.scale.max;
    for (let q = m.userPtr[u]!; q < m.userPtr[u + 1]!; q++) {
      const j = m.userItems[q]!;
      const w = m.userVals[q]! / max;
      for (let p = L.ptr[j]!; p < L.ptr[j + 1]!; p++) out[L.idx[p]!]! += L.sim[p]! * w;
    }
  }

  explain(u: number, i: number): Explanation {
    const w = wordsOf(this.data);
    const nb = this.overlap(this.rankLists, u, i).sort((a, b) => b.s - a.s);
    const score = nb.reduce((acc, n) => acc + (n.s * n.r) / this.data.scale.max, 0);
    const mean = nb.length ? nb.reduce((a, n) => a + n.s, 0) / nb.length : 0;
    const good = nb.filter((n) => n.r >= this.data.goodThreshold).length;
    const named = nb
      .slice(0, 3)
      .map((n) => `${labelOf(this.data, n.j)} (${n.s.toFixed(2)})`)
      .join(', ');
    return {
      mode: 'item',
      score: round2(score),
      text: nb.length
        ? `similar to ${nb.length} ${nb.length === 1 ? w.item : w.items} this ${w.user} had (${good} ${w.good}): ${named}; mean similarity ${mean.toFixed(2)}`
        : `not similar to any ${w.item} this ${w.user} had; ${floorText(this.pop, i, w)}`,
      numbers: { similarItems: nb.length, meanSimilarity: round2(mean), good },
      evidence: { items: nb.map((n) => n.j) },
    };
  }
}
