import { BiasRecommender, PopularRecommender } from './baselines';
import { ContentRecommender } from './content';
import { fitHybrid, type HybridWeights } from './hybrid';
import { ItemKnnRecommender } from './itemKnn';
import { topK } from './sparse';
import { DEFAULT_OPTIONS, type EngineData, type EngineMode, type EngineOptions, type Recommendation, type Recommender } from './types';
import { UserKnnRecommender } from './userKnn';

export * from './types';
export { buildRatingMatrix, tfidfRows, type RatingMatrix, type FeatureMatrix, type Triple } from './sparse';
export type { HybridWeights } from './hybrid';

/** Fits one mode on the data. Pure: no database, no files. */
export function fitRecommender(mode: EngineMode, data: EngineData, options: Partial<EngineOptions> = {}, weights?: HybridWeights): Recommender {
  const opts = { ...DEFAULT_OPTIONS, ...options };
  switch (mode) {
    case 'bias':
      return new BiasRecommender(data, opts);
    case 'popular':
      return new PopularRecommender(data);
    case 'user':
      return new UserKnnRecommender(data, opts);
    case 'item':
      return new ItemKnnRecommender(data, opts);
    case 'content':
      return new ContentRecommender(data, opts);
    case 'hybrid':
      return fitHybrid(data, opts, weights);
  }
}

/**
 * The top k items for user u with their reasons. Items the user already had are excluded,
 * and so is anything `exclude` names; `candidates` (when given) limits the items considered
 * (the safety filters pass only what may be offered). Items with no evidence (score 0) are
 * not recommended.
 */
export function recommend(
  model: Recommender,
  data: EngineData,
  u: number,
  k: number,
  options: { exclude?: ReadonlySet<number>; candidates?: readonly number[]; includeHad?: boolean; scratch?: Float64Array } = {},
): Recommendation[] {
  const n = data.ratings.nItems;
  const scores = options.scratch && options.scratch.length === n ? options.scratch : new Float64Array(n);
  model.scoreAll(u, scores);
  if (!options.includeHad) {
    const m = data.ratings;
    for (let p = m.userPtr[u]!; p < m.userPtr[u + 1]!; p++) scores[m.userItems[p]!] = 0;
  }
  if (options.exclude) for (const i of options.exclude) if (i < n) scores[i] = 0;
  return topK(scores, options.candidates ?? null, k, 0).map((item) => ({ item, score: scores[item]!, explanation: model.explain(u, item) }));
}
