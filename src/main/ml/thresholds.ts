/**
 * The referral threshold: a diagnosis whose calibrated confidence is below it is flagged
 * "uncertain — refer for review"; and the minimum per-class recall for activating a model.
 * Both are kept in the settings store under ml's own keys.
 */
import type { Settings } from '../core/settings';

const DEFAULT_THRESHOLD = 0.8;
const THRESHOLD_KEY = 'ml.referThreshold';

/** The threshold in force (the default when none is set or the stored one is not a number). */
export function referThreshold(settings: Settings): { threshold: number } {
  const value = settings.get(THRESHOLD_KEY);
  const t = value !== null ? Number(value) : DEFAULT_THRESHOLD;
  return { threshold: Number.isFinite(t) ? t : DEFAULT_THRESHOLD };
}

/** Sets the threshold for diagnoses from now on; answers the one in force. */
export function setReferThreshold(settings: Settings, threshold: number): { threshold: number } {
  settings.set(THRESHOLD_KEY, String(threshold));
  return referThreshold(settings);
}

const DEFAULT_MIN_CLASS_RECALL = 0.8;
const MIN_RECALL_KEY = 'ml.minClassRecall';

/**
 * The clinic's minimum test recall for every class of a model: a version below it for any
 * class is activated only with a written reason. An admin sets it; 0.8 by default.
 */
export function minClassRecall(settings: Settings): { minClassRecall: number } {
  const value = settings.get(MIN_RECALL_KEY);
  const t = value !== null ? Number(value) : DEFAULT_MIN_CLASS_RECALL;
  return { minClassRecall: Number.isFinite(t) && t >= 0 && t <= 1 ? t : DEFAULT_MIN_CLASS_RECALL };
}

/** Sets the minimum per-class recall for activation; answers the one in force. */
export function setMinClassRecall(settings: Settings, value: number): { minClassRecall: number } {
  settings.set(MIN_RECALL_KEY, String(value));
  return minClassRecall(settings);
}
