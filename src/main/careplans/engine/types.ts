import type { FeatureMatrix, RatingMatrix } from './sparse';

/** The engine's modes: the four the clinic chooses from and the two baselines. */
export type EngineMode = 'user' | 'item' | 'content' | 'hybrid' | 'bias' | 'popular';
export const ENGINE_MODES: readonly EngineMode[] = ['bias', 'popular', 'user', 'item', 'content', 'hybrid'];

/** Nouns for reasons, so the same engine says "patients/plans" in the clinic and "users/items" on MovieLens. */
export interface Words {
  user: string;
  users: string;
  item: string;
  items: string;
  /** What a good outcome is called ("improved", "rated it highly"). */
  good: string;
}

export const CLINIC_WORDS: Words = { user: 'patient', users: 'patients', item: 'plan', items: 'plans', good: 'improved' };
export const GENERIC_WORDS: Words = { user: 'user', users: 'users', item: 'item', items: 'items', good: 'rated it highly' };

/** Everything a model is fitted on. Indices are dense (0..n-1). */
export interface EngineData {
  ratings: RatingMatrix;
  /** The value scale (e.g. 0.5-5 for MovieLens, 1-5 for graded outcomes). */
  scale: { min: number; max: number };
  /** A value at or above this is a good outcome / a relevant item. */
  goodThreshold: number;
  /** Item features (genres; a plan's conditions and attributes), TF-IDF rows, one per item. */
  itemFeatures?: FeatureMatrix;
  /**
   * User features in the SAME feature space as items (a patient's conditions and age band
   * match a plan's indications), TF-IDF with the items' idf. Used by content mode.
   */
  userContent?: FeatureMatrix;
  /** User profile features for user-user profile similarity (age band, sex, conditions). */
  userProfiles?: FeatureMatrix;
  /** Names for reasons: an item's label and a feature's label. */
  itemLabel?: (i: number) => string;
  featureLabel?: (f: number) => string;
  words?: Words;
}

/** Why a score is what it is, in words and numbers. */
export interface Explanation {
  mode: EngineMode;
  score: number;
  text: string;
  /** The numbers quoted in `text`, by name (for the UI's strength indicator and for tests). */
  numbers: Record<string, number>;
  /**
   * What the reason rests on, by index, so a caller can word it in its own terms (the clinic
   * names patients' recorded outcomes and plans' attributes). Read only for reasons: no score uses it.
   */
  evidence?: ExplanationEvidence;
}

export interface ExplanationEvidence {
  /** user: the similar users who had the item. */
  users?: number[];
  /** item: the user's items among this item's ranking neighbours, most similar first. */
  items?: number[];
  /** content: the features the item shares with the user's profile, strongest first. */
  features?: number[];
  /** hybrid: each part in use for this user, its weight, its contribution to the score and its own explanation. */
  parts?: { mode: EngineMode; weight: number; contribution: number; explanation: Explanation }[];
}

/** A fitted model. */
export interface Recommender {
  readonly mode: EngineMode;
  /** Predicted value of user u for item i, on the data's scale. */
  predict(u: number, i: number): number;
  /**
   * Ranking scores of every item for user u into `out` (length nItems), higher is better;
   * 0 means no evidence. Items the user already has are not masked here.
   */
  scoreAll(u: number, out: Float64Array): void;
  /** The reason behind item i's score for user u. */
  explain(u: number, i: number): Explanation;
}

export interface Recommendation {
  item: number;
  score: number;
  explanation: Explanation;
}

/** Options shared by the fitters (defaults chosen on MovieLens validation data; see docs/recommender.md). */
export interface EngineOptions {
  /** Neighbours used per prediction. */
  k: number;
  /** Shrinkage: a similarity from n co-rated items is scaled by n / (n + shrinkage). */
  shrinkage: number;
  /** Shrinkage of user-user similarities (users share fewer items than items share users). */
  userShrinkage: number;
  /** Content ranking multiplies the cosine by (1 + good outcomes) ^ contentPrior. */
  contentPrior: number;
  /**
   * Added to the sum of neighbour similarities in a value prediction, so a correction
   * resting on a few weak neighbours stays close to the baseline.
   */
  damping: number;
  /** Regularisation of the item and user biases. */
  regItem: number;
  regUser: number;
  /** Neighbours kept per item after fitting, for value prediction (item mode). */
  itemNeighbours: number;
  /** Neighbours kept per item for ranking (item mode). */
  itemRankNeighbours: number;
  /** Users with fewer interactions than this are cold: profile similarity / content take over. */
  minHistory: number;
  /** How fast rating similarity takes over from profile similarity (history size at which they weigh equally). */
  profileBlend: number;
  seed: number;
}

export const DEFAULT_OPTIONS: EngineOptions = {
  k: 40,
  shrinkage: 100,
  userShrinkage: 100,
  contentPrior: 2,
  damping: 0.25,
  regItem: 10,
  regUser: 15,
  itemNeighbours: 200,
  itemRankNeighbours: 20,
  minHistory: 3,
  profileBlend: 5,
  seed: 42,
};

export function wordsOf(data: EngineData): Words {
  return data.words ?? GENERIC_WORDS;
}

export function labelOf(data: EngineData, i: number): string {
  return data.itemLabel ? data.itemLabel(i) : `#${i}`;
}

export const round2 = (x: number): number => Math.round(x * 100) / 100;
