/**
 * Offline evaluation of the engine on held-out data (MovieLens or a clinic's history):
 * reading the CSVs, splitting, and the metrics. Pure: the caller reads the files.
 */
import { CsvError, parseCsv } from './csv';
import { ndcgAt } from './hybrid';
import { fitRecommender, recommend } from './index';
import { seededRandom } from '../../../shared/random';
import { buildRatingMatrix, shuffleInPlace, tfidfRows, type Triple } from './sparse';
import { ENGINE_MODES, type EngineData, type EngineMode, type EngineOptions } from './types';

export interface RawInteraction {
  user: string;
  item: string;
  value: number;
  time: number | null;
  /** 1-based line in the file. */
  line: number;
}

const ID_HEADERS = /^(user|item|userid|itemid|movieid|patient|patientid|plan|planid|id)$/i;

/** `user,item,value[,timestamp]`, header row allowed (MovieLens' ratings.csv reads as is). */
export function readInteractions(text: string): RawInteraction[] {
  const rows = parseCsv(text);
  const out: RawInteraction[] = [];
  const names = ['user', 'item', 'value', 'timestamp'];
  rows.forEach((r, k) => {
    if (k === 0 && r.cells.length >= 3 && Number.isNaN(Number(r.cells[2])) && ID_HEADERS.test((r.cells[0] ?? '').trim())) {
      return; // header row
    }
    if (r.cells.length < 3) throw new CsvError(`row ${r.line} has ${r.cells.length} column(s); expected user,item,value[,timestamp]`, r.line, names[r.cells.length] ?? 'value');
    const [user, item, valueText, timeText] = r.cells.map((c) => c.trim());
    if (!user) throw new CsvError(`row ${r.line}: the user is empty`, r.line, 'user');
    if (!item) throw new CsvError(`row ${r.line}: the item is empty`, r.line, 'item');
    const value = Number(valueText);
    if (valueText === '' || !Number.isFinite(value)) throw new CsvError(`row ${r.line}: value "${valueText}" is not a number`, r.line, 'value');
    let time: number | null = null;
    if (timeText !== undefined && timeText !== '') {
      time = Number(timeText);
      if (!Number.isFinite(time)) {
        const parsed = Date.parse(timeText);
        if (Number.isNaN(parsed)) throw new CsvError(`row ${r.line}: timestamp "${timeText}" is neither a number nor a date`, r.line, 'timestamp');
        time = parsed / 1000;
      }
    }
    out.push({ user: user!, item: item!, value, time, line: r.line });
  });
  if (out.length === 0) throw new CsvError('the interactions file has no rows', 1, 'user');
  return out;
}

/**
 * `id,feature|feature|...`, header allowed. A file with more columns (MovieLens'
 * `movieId,title,genres`) reads its features from the column named genres/features/tags,
 * else from the last one.
 */
export function readFeatures(text: string): Map<string, string[]> {
  const rows = parseCsv(text);
  const out = new Map<string, string[]>();
  let col = -1;
  rows.forEach((r, k) => {
    if (k === 0 && ID_HEADERS.test((r.cells[0] ?? '').trim())) {
      col = r.cells.findIndex((c) => /^(genres|features|feature|tags|attributes)$/i.test(c.trim()));
      return;
    }
    if (r.cells.length < 2) throw new CsvError(`row ${r.line} has no features column; expected id,feature|feature|...`, r.line, 'features');
    const id = r.cells[0]!.trim();
    if (!id) throw new CsvError(`row ${r.line}: the id is empty`, r.line, 'id');
    const cell = r.cells[col >= 0 ? col : r.cells.length - 1] ?? '';
    const feats = cell
      .split('|')
      .map((f) => f.trim())
      .filter((f) => f && f !== '(no genres listed)');
    out.set(id, feats);
  });
  return out;
}

export type SplitKind = 'random' | 'temporal' | 'leave-one-out';

export interface Indexed {
  data: EngineData;
  userIds: string[];
  itemIds: string[];
  all: (Triple & { time: number | null })[];
}

/** Dense indices for users and items (items from the interactions and the feature file). */
export function indexData(
  interactions: RawInteraction[],
  itemFeatures: Map<string, string[]> | null,
  userFeatures: Map<string, string[]> | null,
  goodThreshold: number,
): Omit<Indexed, 'data'> & { build: (train: Triple[]) => EngineData } {
  const userIdx = new Map<string, number>();
  const itemIdx = new Map<string, number>();
  const uid = (s: string) => userIdx.get(s) ?? (userIdx.set(s, userIdx.size), userIdx.size - 1);
  const iid = (s: string) => itemIdx.get(s) ?? (itemIdx.set(s, itemIdx.size), itemIdx.size - 1);
  const all = interactions.map((r) => ({ user: uid(r.user), item: iid(r.item), value: r.value, time: r.time }));
  if (itemFeatures) for (const id of itemFeatures.keys()) iid(id);
  if (userFeatures) for (const id of userFeatures.keys()) uid(id);
  const userIds = [...userIdx.keys()];
  const itemIds = [...itemIdx.keys()];
  let min = Infinity;
  let max = -Infinity;
  for (const r of all) {
    if (r.value < min) min = r.value;
    if (r.value > max) max = r.value;
  }
  const vocab = new Map<string, number>();
  const fid = (s: string) => vocab.get(s) ?? (vocab.set(s, vocab.size), vocab.size - 1);
  const itemRows = itemIds.map((id) => (itemFeatures?.get(id) ?? []).map(fid));
  const nItemFeatures = vocab.size;
  const profileVocab = new Map<string, number>();
  const pid = (s: string) => profileVocab.get(s) ?? (profileVocab.set(s, profileVocab.size), profileVocab.size - 1);
  const profileRows = userIds.map((id) => (userFeatures?.get(id) ?? []).map(pid));
  const itemFeaturesM = itemFeatures ? tfidfRows(itemRows, nItemFeatures) : undefined;
  const contentRows = userIds.map((id) => (userFeatures?.get(id) ?? []).map((f) => vocab.get(f) ?? -1).filter((f) => f >= 0));
  const labels = [...vocab.keys()];
  return {
    userIds,
    itemIds,
    all,
    build: (train) => ({
      ratings: buildRatingMatrix(userIds.length, itemIds.length, train),
      scale: { min, max },
      goodThreshold,
      itemFeatures: itemFeaturesM,
      userContent: userFeatures && itemFeaturesM ? tfidfRows(contentRows, nItemFeatures, itemFeaturesM.idf) : undefined,
      userProfiles: userFeatures ? tfidfRows(profileRows, profileVocab.size) : undefined,
      itemLabel: (i) => itemIds[i] ?? `#${i}`,
      featureLabel: (f) => labels[f] ?? `feature ${f}`,
    }),
  };
}

/** Splits the interactions: random (seeded, testFraction), temporal (the newest testFraction), leave-one-out (each user's newest). */
export function split<T extends Triple & { time: number | null }>(all: T[], kind: SplitKind, seed: number, testFraction = 0.2): { train: T[]; test: T[] } {
  const rand = seededRandom(seed);
  if (kind === 'random') {
    const order = shuffleInPlace(all.map((_, i) => i), rand);
    const nTest = Math.round(all.length * testFraction);
    const testSet = new Set(order.slice(0, nTest));
    return { train: all.filter((_, i) => !testSet.has(i)), test: all.filter((_, i) => testSet.has(i)) };
  }
  const hasTime = all.every((r) => r.time !== null);
  if (kind === 'temporal') {
    if (!hasTime) throw new CsvError('a temporal split needs a timestamp on every interaction (4th column)', 1, 'timestamp');
    const order = all.map((_, i) => i).sort((a, b) => all[a]!.time! - all[b]!.time! || a - b);
    const cut = Math.round(all.length * (1 - testFraction));
    const testSet = new Set(order.slice(cut));
    return { train: all.filter((_, i) => !testSet.has(i)), test: all.filter((_, i) => testSet.has(i)) };
  }
  // leave-one-out: each user with 2+ interactions gives up their newest (or a random one without timestamps).
  const byUser = new Map<number, number[]>();
  all.forEach((r, i) => {
    const l = byUser.get(r.user);
    if (l) l.push(i);
    else byUser.set(r.user, [i]);
  });
  const testSet = new Set<number>();
  for (const idxs of byUser.values()) {
    if (idxs.length < 2) continue;
    if (hasTime) testSet.add(idxs.reduce((best, i) => (all[i]!.time! > all[best]!.time! || (all[i]!.time! === all[best]!.time! && i > best) ? i : best)));
    else testSet.add(idxs[Math.floor(rand() * idxs.length)]!);
  }
  return { train: all.filter((_, i) => !testSet.has(i)), test: all.filter((_, i) => testSet.has(i)) };
}

export interface EvalResult {
  mode: EngineMode;
  split: SplitKind;
  seed: number;
  rmse: number;
  mae: number;
  precisionAt10: number;
  recallAt10: number;
  ndcgAt10: number;
  hitRate: number;
  coverage: number;
  fitMs: number;
  recommendP50Ms: number;
  /** What counted as relevant: held-out value >= this. */
  relevanceThreshold: number;
  trainInteractions: number;
  testInteractions: number;
  rankedUsers: number;
  /** Hybrid only: the blend weights chosen on the validation split. */
  weights?: unknown;
}

export interface EvalOptions {
  modes: EngineMode[];
  split: SplitKind;
  seed: number;
  threshold: number;
  testFraction?: number;
  engine?: Partial<EngineOptions>;
}

const r4 = (x: number) => Math.round(x * 10000) / 10000;

/**
 * Fits each mode on the training part and measures it on the held-out part only.
 * Ranking: every user with at least one relevant held-out item gets a top-10 from all
 * items they did not have in training; relevant = held-out value >= threshold.
 */
export function evaluate(
  interactions: RawInteraction[],
  itemFeatures: Map<string, string[]> | null,
  userFeatures: Map<string, string[]> | null,
  options: EvalOptions,
): EvalResult[] {
  const indexed = indexData(interactions, itemFeatures, userFeatures, options.threshold);
  const { train, test } = split(indexed.all, options.split, options.seed, options.testFraction ?? 0.2);
  if (test.length === 0) throw new CsvError('the split left no held-out interactions (too few rows)', 1, 'user');
  const data = indexed.build(train);
  const relevant = new Map<number, Set<number>>();
  for (const t of test) {
    if (t.value < options.threshold) continue;
    let s = relevant.get(t.user);
    if (!s) relevant.set(t.user, (s = new Set()));
    s.add(t.item);
  }
  const rankUsers = [...relevant.keys()].sort((a, b) => a - b);
  const results: EvalResult[] = [];
  const scratch = new Float64Array(data.ratings.nItems);
  for (const mode of options.modes) {
    const t0 = performance.now();
    const model = fitRecommender(mode, data, { seed: options.seed, ...options.engine });
    const fitMs = performance.now() - t0;
    let se = 0;
    let ae = 0;
    // Grouped by user so user-based similarities are computed once per user.
    const byUser = [...test].sort((a, b) => a.user - b.user);
    for (const t of byUser) {
      const p = model.predict(t.user, t.item);
      se += (p - t.value) ** 2;
      ae += Math.abs(p - t.value);
    }
    let prec = 0;
    let rec = 0;
    let ndcg = 0;
    let hits = 0;
    const times: number[] = [];
    const shown = new Set<number>();
    for (const u of rankUsers) {
      const rel = relevant.get(u)!;
      const s = performance.now();
      const top = recommend(model, data, u, 10, { scratch }).map((r) => r.item);
      times.push(performance.now() - s);
      let h = 0;
      for (const i of top) {
        shown.add(i);
        if (rel.has(i)) h++;
      }
      prec += h / 10;
      rec += h / rel.size;
      ndcg += ndcgAt(top, rel, 10);
      if (h > 0) hits++;
    }
    times.sort((a, b) => a - b);
    const n = Math.max(1, rankUsers.length);
    results.push({
      mode,
      split: options.split,
      seed: options.seed,
      rmse: r4(Math.sqrt(se / test.length)),
      mae: r4(ae / test.length),
      precisionAt10: r4(prec / n),
      recallAt10: r4(rec / n),
      ndcgAt10: r4(ndcg / n),
      hitRate: r4(hits / n),
      coverage: r4(shown.size / data.ratings.nItems),
      fitMs: Math.round(fitMs),
      recommendP50Ms: r4(times.length ? times[Math.floor((times.length - 1) / 2)]! : 0),
      relevanceThreshold: options.threshold,
      trainInteractions: train.length,
      testInteractions: test.length,
      rankedUsers: rankUsers.length,
      ...(mode === 'hybrid' && 'weights' in model ? { weights: (model as { weights: unknown }).weights } : {}),
    });
  }
  return results;
}

export function parseModes(mode: string): EngineMode[] {
  if (mode === 'all') return [...ENGINE_MODES];
  if ((ENGINE_MODES as readonly string[]).includes(mode)) return [mode as EngineMode];
  throw new CsvError(`unknown mode "${mode}": use ${ENGINE_MODES.join(', ')} or all`, 0, 'mode');
}
