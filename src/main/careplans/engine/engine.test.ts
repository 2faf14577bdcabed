import { describe, expect, it } from 'vitest';
import { fitBiases } from './baselines';
import { ContentRecommender } from './content';
import { CsvError, parseCsv } from './csv';
import { toCsv } from '../../../shared/csv';
import { readFeatures, readInteractions, split } from './evaluate';
import { HybridRecommender, DEFAULT_WEIGHTS, ndcgAt } from './hybrid';
import { fitRecommender, recommend } from './index';
import { ItemKnnRecommender } from './itemKnn';
import { buildRatingMatrix, tfidfRows, topK, valueOf, type Triple } from './sparse';
import { CLINIC_WORDS, DEFAULT_OPTIONS, type EngineData } from './types';
import { UserKnnRecommender } from './userKnn';

const t = (user: number, item: number, value: number): Triple => ({ user, item, value });

function data(nUsers: number, nItems: number, triples: Triple[], extra: Partial<EngineData> = {}): EngineData {
  return { ratings: buildRatingMatrix(nUsers, nItems, triples), scale: { min: 1, max: 5 }, goodThreshold: 4, words: CLINIC_WORDS, ...extra };
}

describe('sparse structures', () => {
  it('keeps both layouts sorted and the last value of a repeated pair', () => {
    const m = buildRatingMatrix(3, 4, [t(2, 3, 1), t(0, 1, 2), t(0, 0, 5), t(2, 0, 4), t(0, 1, 3)]);
    expect(m.nnz).toBe(4);
    expect([...m.userPtr]).toEqual([0, 2, 2, 4]);
    expect([...m.userItems]).toEqual([0, 1, 0, 3]);
    expect([...m.itemPtr]).toEqual([0, 2, 3, 3, 4]);
    expect([...m.itemUsers]).toEqual([0, 2, 0, 2]);
    expect(valueOf(m, 0, 1)).toBe(3);
    expect(valueOf(m, 1, 1)).toBeNaN();
    expect(() => buildRatingMatrix(1, 1, [t(0, 2, 1)])).toThrow(RangeError);
  });

  it('topK returns the k largest above the floor, best first', () => {
    const scores = [0.5, 0, 3, 2, 9, 0.1, 7];
    expect(topK(scores, null, 3)).toEqual([4, 6, 2]);
    expect(topK(scores, [0, 1, 5], 5, 0)).toEqual([0, 5]);
    expect(topK(scores, null, 0)).toEqual([]);
  });

  it('TF-IDF rows are unit length and rare features weigh more', () => {
    const X = tfidfRows([[0, 1], [0], [0, 2]], 3);
    const row0 = [...X.val.slice(X.ptr[0]!, X.ptr[1]!)];
    expect(Math.hypot(...row0)).toBeCloseTo(1, 6);
    // feature 0 is everywhere (idf = log(4/4)+1 = 1), feature 1 is in one row (idf = log(4/2)+1)
    expect(row0[1]! / row0[0]!).toBeCloseTo(Math.log(2) + 1, 6);
  });
});

describe('baselines', () => {
  it('fits biases as hand-computed (one sweep, no regularisation)', () => {
    // ratings: u0:i0=5, u0:i1=3, u1:i0=4 -> mu = 4
    const m = buildRatingMatrix(2, 2, [t(0, 0, 5), t(0, 1, 3), t(1, 0, 4)]);
    const b = fitBiases(m, 0, 0, 1);
    expect(b.mu).toBeCloseTo(4);
    expect(b.bi[0]).toBeCloseTo(0.5); // ((5-4) + (4-4)) / 2
    expect(b.bi[1]).toBeCloseTo(-1); // (3-4) / 1
    expect(b.bu[0]).toBeCloseTo(0.25); // ((5-4-0.5) + (3-4+1)) / 2
    expect(b.bu[1]).toBeCloseTo(-0.5); // (4-4-0.5) / 1
  });

  it('most popular ranks by good outcomes and says so', () => {
    const d = data(3, 3, [t(0, 0, 5), t(1, 0, 4), t(2, 0, 2), t(0, 1, 5), t(1, 2, 1)]);
    const model = fitRecommender('popular', d);
    const out = new Float64Array(3);
    model.scoreAll(0, out);
    expect(out[0]! > out[1]! && out[1]! > out[2]!).toBe(true);
    expect(model.explain(0, 0)).toMatchObject({ mode: 'popular', numbers: { count: 3, good: 2 }, text: '3 patients had this plan; 2 improved' });
  });
});

describe('user-based collaborative filtering', () => {
  // u0 and u1 agree; u2 disagrees. Item 2 is new to u0: u1 did well on it, u2 did badly.
  const triples = [t(0, 0, 5), t(0, 1, 1), t(1, 0, 5), t(1, 1, 1), t(1, 2, 5), t(2, 0, 1), t(2, 1, 5), t(2, 2, 1)];

  it('ranking similarity is the cosine of value vectors (hand-computed)', () => {
    const model = new UserKnnRecommender(data(3, 3, triples), DEFAULT_OPTIONS);
    const s = model.sims(0);
    // u0 = (5,1,0), u1 = (5,1,5): 26 / (sqrt(26) * sqrt(51))
    expect(s.rank[1]).toBeCloseTo(26 / Math.sqrt(26 * 51), 6);
    expect(s.rank[2]).toBeCloseTo(10 / Math.sqrt(26 * 27), 6);
    expect(s.rank[0]).toBe(0);
  });

  it('predicts above the baseline where the like-minded neighbour did well, with its reason', () => {
    const d = data(3, 3, triples);
    const model = new UserKnnRecommender(d, { ...DEFAULT_OPTIONS, shrinkage: 0, userShrinkage: 0, damping: 0 });
    const b = model.biases;
    const base = b.mu + b.bu[0]! + b.bi[2]!;
    // Pearson on residuals: u1 agrees with u0 (positive), u2 disagrees (negative, so not a neighbour).
    expect(model.sims(0).predict[1]!).toBeGreaterThan(0.9);
    expect(model.sims(0).predict[2]!).toBeLessThan(0);
    expect(model.predict(0, 2)).toBeGreaterThan(base);
    const [rec] = recommend(model, d, 0, 5);
    expect(rec!.item).toBe(2);
    expect(rec!.explanation.mode).toBe('user');
    expect(rec!.explanation.text).toMatch(/^2 similar patients had this plan, mean similarity 0\.\d\d, 1 improved$/);
  });

  it('gives a patient with no history neighbours by profile', () => {
    // u3 has no outcomes but shares a profile with u1.
    const profiles = tfidfRows([[0], [0, 1], [2], [0, 1]], 3);
    const d = data(4, 3, triples, { userProfiles: profiles });
    const model = new UserKnnRecommender(d, DEFAULT_OPTIONS);
    const s = model.sims(3);
    expect(s.profileWeight).toBe(1);
    expect(s.neighbours[0]).toBe(1);
    const recs = recommend(model, d, 3, 3);
    expect(recs[0]!.item).toBe(0);
    expect(recs[0]!.explanation.text).toContain('similar mostly by profile');
  });
});

describe('item-based collaborative filtering', () => {
  it('recommends the item that goes with what the patient did well on', () => {
    // Items 0 and 1 go together (both good for u1, u2); item 2 is liked by others.
    const d = data(4, 3, [t(0, 0, 5), t(1, 0, 5), t(1, 1, 5), t(2, 0, 4), t(2, 1, 5), t(3, 2, 5), t(3, 1, 1)], { itemLabel: (i) => `Plan ${i}` });
    const model = new ItemKnnRecommender(d, DEFAULT_OPTIONS);
    const recs = recommend(model, d, 0, 2);
    expect(recs[0]!.item).toBe(1);
    expect(recs[0]!.explanation.text).toContain('similar to 1 plan this patient had (1 improved): Plan 0');
    expect(recs[0]!.explanation.numbers.similarItems).toBe(1);
    // Hand check of the ranking similarity: cos(item0, item1) over users (0..3) = (5*5 + 4*5) / (|i0| |i1|)
    const i0 = Math.hypot(5, 5, 4);
    const i1 = Math.hypot(5, 5, 1);
    expect(recs[0]!.score).toBeCloseTo(((25 + 20) / (i0 * i1)) * (5 / 5), 5);
  });
});

describe('content-based filtering', () => {
  it('matches a new patient to plans by their conditions and names the match', () => {
    // features: 0 pneumonia, 1 age 65+, 2 asthma
    const items = tfidfRows([[0, 1], [2], [0]], 3);
    const patients = tfidfRows([[0, 1]], 3, items.idf);
    const labels = ['pneumonia', 'age 65+', 'asthma'];
    const d = data(1, 3, [], { itemFeatures: items, userContent: patients, featureLabel: (f) => labels[f]! });
    const model = new ContentRecommender(d, DEFAULT_OPTIONS);
    const recs = recommend(model, d, 0, 3);
    // Asthma (item 1) matches nothing: it only fills the list, last, and says why.
    expect(recs.map((r) => r.item)).toEqual([0, 2, 1]);
    expect(recs[2]!.explanation.text).toBe("nothing in this patient's profile matches this plan; ranked by how it went for others: 0 of 0 patients improved");
    expect(recs[0]!.explanation.text).toMatch(/^matches: (pneumonia, age 65\+|age 65\+, pneumonia) \(cosine 1\.00\)/);
    expect(recs[0]!.explanation.numbers.cosine).toBe(1);
  });
});

describe('hybrid', () => {
  it('falls back to content for a patient with too little history, and says why', () => {
    const items = tfidfRows([[0], [1]], 2);
    const d = data(3, 2, [t(0, 0, 5), t(0, 1, 4), t(1, 0, 5), t(1, 1, 2)], {
      itemFeatures: items,
      userContent: tfidfRows([[], [], [1]], 2, items.idf),
      featureLabel: (f) => ['pneumonia', 'asthma'][f]!,
    });
    const model = new HybridRecommender(d, DEFAULT_OPTIONS, DEFAULT_WEIGHTS);
    const recs = recommend(model, d, 2, 2);
    expect(recs[0]!.item).toBe(1);
    expect(recs[0]!.explanation).toMatchObject({ mode: 'hybrid', numbers: { fallback: 1 } });
    expect(recs[0]!.explanation.text).toContain('content only: 0 recorded outcomes');
  });

  it('ndcg@k is 1 for a perfect ranking and discounts by position', () => {
    expect(ndcgAt([1, 2], new Set([1, 2]), 10)).toBe(1);
    expect(ndcgAt([9, 1], new Set([1]), 10)).toBeCloseTo(1 / Math.log2(3), 10);
    expect(ndcgAt([9], new Set([1]), 10)).toBe(0);
  });
});

describe('CSV reading', () => {
  it('parses quotes, doubled quotes and CRLF; writes what it reads', () => {
    const rows = parseCsv('a,"b, c","say ""hi"""\r\n1,2,3\n');
    expect(rows.map((r) => r.cells)).toEqual([
      ['a', 'b, c', 'say "hi"'],
      ['1', '2', '3'],
    ]);
    expect(parseCsv(toCsv(['x', 'y'], [['a,b', 'c"d']])).map((r) => r.cells)).toEqual([
      ['x', 'y'],
      ['a,b', 'c"d'],
    ]);
  });

  it('reads MovieLens headers as they are and names the row and column of a bad value', () => {
    expect(readInteractions('userId,movieId,rating,timestamp\n1,10,4.5,964982703\n')).toEqual([{ user: '1', item: '10', value: 4.5, time: 964982703, line: 2 }]);
    expect(readFeatures('movieId,title,genres\n1,"Toy Story (1995)",Adventure|Animation\n').get('1')).toEqual(['Adventure', 'Animation']);
    const bad = () => readInteractions('user,item,value\n1,2,3\n1,3,good\n');
    expect(bad).toThrow(CsvError);
    try {
      bad();
    } catch (err) {
      expect(err).toMatchObject({ row: 3, column: 'value' });
    }
    expect(() => readInteractions('1,2\n')).toThrow(/row 1 has 2 column/);
  });

  it('splits reproducibly: random by seed, temporal by time, leave-one-out by newest', () => {
    const all = Array.from({ length: 100 }, (_, i) => ({ user: i % 10, item: i, value: 3, time: i }));
    const a = split(all, 'random', 1);
    const b = split(all, 'random', 1);
    expect(a.test.map((x) => x.item)).toEqual(b.test.map((x) => x.item));
    expect(a.test).toHaveLength(20);
    expect(split(all, 'temporal', 1).test.map((x) => x.time)).toEqual(Array.from({ length: 20 }, (_, i) => 80 + i));
    const loo = split(all, 'leave-one-out', 1).test;
    expect(loo).toHaveLength(10);
    expect(loo.every((x) => x.time >= 90)).toBe(true);
  });
});
