/**
 * The referral threshold: a diagnosis whose calibrated confidence is below it is flagged
 * "uncertain — refer for review". Kept in the settings store under ml's own key.
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
