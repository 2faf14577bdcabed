/**
 * Sparse structures for the recommender: a ratings matrix kept twice in compressed rows
 * (by user and by item) and feature matrices in CSR form. Typed arrays only, so 100,000
 * patients x 2,000 plans stay a few megabytes and loops stay monomorphic.
 */

/** One observed interaction, by dense indices. */
export interface Triple {
  user: number;
  item: number;
  value: number;
}

/** A ratings matrix stored by rows (users) and by columns (items), each sorted by index. */
export interface RatingMatrix {
  nUsers: number;
  nItems: number;
  nnz: number;
  userPtr: Int32Array;
  userItems: Int32Array;
  userVals: Float32Array;
  itemPtr: Int32Array;
  itemUsers: Int32Array;
  itemVals: Float32Array;
}

/** Builds both compressed layouts; a repeated (user, item) pair keeps its last value. */
export function buildRatingMatrix(nUsers: number, nItems: number, triples: readonly Triple[]): RatingMatrix {
  // Deduplicate by keeping the last value for a pair: the newest outcome is the one that counts.
  const last = new Map<number, number>();
  for (let t = 0; t < triples.length; t++) {
    const tr = triples[t]!;
    if (tr.user < 0 || tr.user >= nUsers || tr.item < 0 || tr.item >= nItems) throw new RangeError(`Interaction ${t} is out of range`);
    last.set(tr.user * nItems + tr.item, t);
  }
  const keep: Triple[] = [];
  for (const t of [...last.values()].sort((a, b) => a - b)) keep.push(triples[t]!);
  const nnz = keep.length;
  const userPtr = new Int32Array(nUsers + 1);
  const itemPtr = new Int32Array(nItems + 1);
  for (const t of keep) {
    userPtr[t.user + 1]!++;
    itemPtr[t.item + 1]!++;
  }
  for (let u = 0; u < nUsers; u++) userPtr[u + 1]! += userPtr[u]!;
  for (let i = 0; i < nItems; i++) itemPtr[i + 1]! += itemPtr[i]!;
  const userItems = new Int32Array(nnz);
  const userVals = new Float32Array(nnz);
  const itemUsers = new Int32Array(nnz);
  const itemVals = new Float32Array(nnz);
  const uFill = userPtr.slice(0, nUsers);
  const iFill = itemPtr.slice(0, nItems);
  // Sorting by (user, item) first makes both layouts come out sorted without a second sort.
  keep.sort((a, b) => a.user - b.user || a.item - b.item);
  for (const t of keep) {
    const p = uFill[t.user]!++;
    userItems[p] = t.item;
    userVals[p] = t.value;
  }
  keep.sort((a, b) => a.item - b.item || a.user - b.user);
  for (const t of keep) {
    const p = iFill[t.item]!++;
    itemUsers[p] = t.user;
    itemVals[p] = t.value;
  }
  return { nUsers, nItems, nnz, userPtr, userItems, userVals, itemPtr, itemUsers, itemVals };
}

/** The value a user gave an item, or NaN; binary search in the user's sorted row. */
export function valueOf(m: RatingMatrix, u: number, i: number): number {
  let lo = m.userPtr[u]!;
  let hi = m.userPtr[u + 1]! - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const it = m.userItems[mid]!;
    if (it === i) return m.userVals[mid]!;
    if (it < i) lo = mid + 1;
    else hi = mid - 1;
  }
  return Number.NaN;
}

export const userDegree = (m: RatingMatrix, u: number): number => m.userPtr[u + 1]! - m.userPtr[u]!;
export const itemDegree = (m: RatingMatrix, i: number): number => m.itemPtr[i + 1]! - m.itemPtr[i]!;

/** Rows of sparse feature vectors (CSR), each row L2-normalised unless it is empty. */
export interface FeatureMatrix {
  nRows: number;
  nFeatures: number;
  ptr: Int32Array;
  idx: Int32Array;
  val: Float32Array;
  /** Inverse document frequency per feature (1 when not weighted). */
  idf: Float64Array;
}

/**
 * TF-IDF rows from feature-index lists (binary term frequency), L2-normalised, so a dot
 * product is a cosine. Rare features (a specific diagnosis) weigh more than common ones
 * (an age band everyone shares).
 */
export function tfidfRows(rows: readonly (readonly number[])[], nFeatures: number, idfFrom?: Float64Array): FeatureMatrix {
  const nRows = rows.length;
  let idf = idfFrom;
  if (!idf) {
    const df = new Float64Array(nFeatures);
    for (const r of rows) for (const f of new Set(r)) df[f]!++;
    idf = new Float64Array(nFeatures);
    for (let f = 0; f < nFeatures; f++) idf[f] = Math.log((1 + nRows) / (1 + df[f]!)) + 1;
  }
  const ptr = new Int32Array(nRows + 1);
  const uniq = rows.map((r) => [...new Set(r)].filter((f) => f >= 0 && f < nFeatures).sort((a, b) => a - b));
  for (let r = 0; r < nRows; r++) ptr[r + 1] = ptr[r]! + uniq[r]!.length;
  const idx = new Int32Array(ptr[nRows]!);
  const val = new Float32Array(ptr[nRows]!);
  for (let r = 0; r < nRows; r++) {
    const fs = uniq[r]!;
    let norm = 0;
    for (const f of fs) norm += idf[f]! * idf[f]!;
    norm = Math.sqrt(norm) || 1;
    let p = ptr[r]!;
    for (const f of fs) {
      idx[p] = f;
      val[p] = idf[f]! / norm;
      p++;
    }
  }
  return { nRows, nFeatures, ptr, idx, val, idf };
}

/** Cosine of two normalised sparse rows (merge of sorted indices). */
export function rowDot(a: FeatureMatrix, ra: number, b: FeatureMatrix, rb: number): number {
  let p = a.ptr[ra]!;
  const pe = a.ptr[ra + 1]!;
  let q = b.ptr[rb]!;
  const qe = b.ptr[rb + 1]!;
  let s = 0;
  while (p < pe && q < qe) {
    const fa = a.idx[p]!;
    const fb = b.idx[q]!;
    if (fa === fb) {
      s += a.val[p]! * b.val[q]!;
      p++;
      q++;
    } else if (fa < fb) p++;
    else q++;
  }
  return s;
}

/** Column index of a feature matrix: for each feature, the rows that carry it. */
export interface InvertedIndex {
  ptr: Int32Array;
  rows: Int32Array;
  val: Float32Array;
}

export function invert(m: FeatureMatrix): InvertedIndex {
  const ptr = new Int32Array(m.nFeatures + 1);
  for (let p = 0; p < m.idx.length; p++) ptr[m.idx[p]! + 1]!++;
  for (let f = 0; f < m.nFeatures; f++) ptr[f + 1]! += ptr[f]!;
  const fill = ptr.slice(0, m.nFeatures);
  const rows = new Int32Array(m.idx.length);
  const val = new Float32Array(m.idx.length);
  for (let r = 0; r < m.nRows; r++) {
    for (let p = m.ptr[r]!; p < m.ptr[r + 1]!; p++) {
      const q = fill[m.idx[p]!]!++;
      rows[q] = r;
      val[q] = m.val[p]!;
    }
  }
  return { ptr, rows, val };
}

/**
 * Indices of the k largest values among `candidates` (those with score > floor), best
 * first. A bounded min-heap: O(n log k), no full sort of 10,000 items per request.
 */
export function topK(scores: ArrayLike<number>, candidates: ArrayLike<number> | null, k: number, floor = -Infinity): number[] {
  const heapIdx: number[] = [];
  const heapVal: number[] = [];
  const push = (idx: number, v: number) => {
    if (heapIdx.length < k) {
      heapIdx.push(idx);
      heapVal.push(v);
      let c = heapIdx.length - 1;
      while (c > 0) {
        const p = (c - 1) >> 1;
        if (heapVal[p]! <= v) break;
        heapIdx[c] = heapIdx[p]!;
        heapVal[c] = heapVal[p]!;
        c = p;
      }
      heapIdx[c] = idx;
      heapVal[c] = v;
    } else if (v > heapVal[0]!) {
      let c = 0;
      const n = heapIdx.length;
      for (;;) {
        const l = 2 * c + 1;
        if (l >= n) break;
        const r = l + 1;
        const m = r < n && heapVal[r]! < heapVal[l]! ? r : l;
        if (heapVal[m]! >= v) break;
        heapIdx[c] = heapIdx[m]!;
        heapVal[c] = heapVal[m]!;
        c = m;
      }
      heapIdx[c] = idx;
      heapVal[c] = v;
    }
  };
  if (k <= 0) return [];
  if (candidates) {
    for (let c = 0; c < candidates.length; c++) {
      const i = candidates[c]!;
      const v = scores[i]!;
      if (v > floor) push(i, v);
    }
  } else {
    for (let i = 0; i < scores.length; i++) {
      const v = scores[i]!;
      if (v > floor) push(i, v);
    }
  }
  const order = heapIdx.map((idx, j) => ({ idx, v: heapVal[j]! }));
  order.sort((a, b) => b.v - a.v || a.idx - b.idx);
  return order.map((o) => o.idx);
}

export function shuffleInPlace<T>(xs: T[], rand: () => number): T[] {
  for (let i = xs.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    const t = xs[i]!;
    xs[i] = xs[j]!;
    xs[j] = t;
  }
  return xs;
}
