/**
 * Activating a model version is a clinic-wide decision: the rule that says when it needs a
 * written reason (some class's test recall below the clinic's minimum), in one place for the
 * channel, the CLI and the confirmation the UI shows.
 */
import { AppError } from '../../shared/ipc/envelope';
import type { ActivationCheck, ModelVersion } from '../../shared/domain/ml';

/** A reason is a sentence, not a keystroke. */
export const MIN_REASON_LENGTH = 10;

/** The version's test metrics and each class's recall against the minimum. */
export function activationCheck(v: ModelVersion, minClassRecall: number): ActivationCheck {
  const t = v.metrics.test;
  const byClass = new Map(t.perClass.map((c) => [c.className, c]));
  // Every class of the model is checked; one the test split never saw has no recall to show (0).
  const perClass = v.classes.map((className) => {
    const c = byClass.get(className);
    const recall = c && c.support > 0 ? c.recall : 0;
    return { className, recall, support: c?.support ?? 0, belowMinimum: recall < minClassRecall };
  });
  return {
    modelVersionId: v.id,
    version: v.version,
    labelSetName: v.labelSetName,
    active: v.active,
    minClassRecall,
    test: { n: t.n, accuracy: t.accuracy, rocAuc: t.rocAuc, ece: t.ece },
    perClass,
    reasonRequired: perClass.some((c) => c.belowMinimum),
  };
}

/** Refuses (VALIDATION on `reason`) an activation below the minimum without a written reason. */
export function requireReasonWhenBelow(check: ActivationCheck, reason: string | undefined): void {
  if (!check.reasonRequired) return;
  if ((reason ?? '').trim().length >= MIN_REASON_LENGTH) return;
  const below = check.perClass
    .filter((c) => c.belowMinimum)
    .map((c) => `${c.className} ${(c.recall * 100).toFixed(1)}%`)
    .join(', ');
  throw new AppError(
    'VALIDATION',
    `Model v${check.version} is below the clinic's minimum recall of ${(check.minClassRecall * 100).toFixed(0)}% for ${below}: activating it needs a written reason (at least ${MIN_REASON_LENGTH} characters).`,
    { key: 'errors.ml.belowMinimumRecall', params: { version: check.version, recall: (check.minClassRecall * 100).toFixed(0), below, minLength: MIN_REASON_LENGTH }, issues: [{ path: 'reason', message: `A reason is needed: recall below ${(check.minClassRecall * 100).toFixed(0)}% for ${below}` }] },
  );
}
