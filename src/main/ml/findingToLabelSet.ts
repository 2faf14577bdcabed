/**
 * "Add image to label set": the explicit, separate action that carries a reviewed diagnosis
 * into a label set's history as one label row. Reviewing a diagnosis never does this on its
 * own; the preview and the write are made by the same function, so what the clinician saw is
 * what is written.
 */
import type { Core } from '../core/Core';
import { AppError } from '../../shared/ipc/envelope';
import type { LabelFromDiagnosis } from '../../shared/domain/ml';
import { appendLabel, findLabelSet } from '../labels/ports';
import * as repo from './mlRepository';
import { reviewedFinding } from './ports';

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

/** The label row the action would write: the model's own set and the reviewed class unless others are chosen. */
export function labelPreview(db: Core['db'], input: { diagnosisId: string; labelSet?: string; className?: string }, who: string): LabelFromDiagnosis {
  const d = reviewedFinding(db, input.diagnosisId);
  if (d.review.labelId) throw new AppError('CONFLICT', `This finding's image was already added to a label set (label #${d.review.labelId}).`, { key: 'errors.ml.findingAlreadyInLabelSet', params: { labelId: d.review.labelId } });
  const setRef = input.labelSet ?? repo.versionLabelSet(db, d.modelVersionId);
  const set = findLabelSet(db, setRef);
  if (!set) throw new AppError('NOT_FOUND', `No label set "${setRef}".`, { key: 'errors.ml.noLabelSet', params: { setRef }, issues: [{ path: 'labelSet', message: 'No such label set', key: 'errors.issues.noSuchLabelSet' }] });
  const className = input.className ?? d.review.className;
  if (!set.classes.includes(className)) {
    throw new AppError('VALIDATION', `"${className}" is not a class of "${set.name}" (${set.classes.join(', ') || 'it has none'}).`, { key: 'errors.ml.notClassOfSet', params: { className, name: set.name, value: set.classes.join(', ') || 'it has none' }, issues: [{ path: 'className', message: 'Not a class of this set', key: 'errors.issues.notClassOfSet' }] });
  }
  const r = d.review;
  return {
    diagnosisId: d.id,
    imageId: d.imageId,
    labelSetId: set.id,
    labelSetName: set.name,
    classes: set.classes,
    className,
    source: r.decision === 'confirmed' ? 'review' : 'override',
    author: who,
    note: `from diagnosis ${d.id} (model v${d.modelVersion}: ${d.predictedClass} ${pct(d.confidence)}), ${r.decision} by ${r.by} at ${r.at}${r.reason ? `: ${r.reason}` : ''}`,
  };
}

/** Writes exactly the previewed label row (through labels' appendLabel) and links it to the diagnosis. */
export function addToLabelSet(core: Pick<Core, 'db' | 'clock'>, input: { diagnosisId: string; labelSet: string; className: string }, who: string): LabelFromDiagnosis & { labelId: number } {
  const db = core.db;
  return db.transaction(() => {
    const row = labelPreview(db, input, who);
    const labelId = appendLabel(db, { imageId: row.imageId, labelSetId: row.labelSetId, className: row.className, source: row.source, author: row.author, createdAt: core.clock.now().toISOString(), note: row.note });
    if (!repo.setReviewLabel(db, row.diagnosisId, labelId)) throw new AppError('CONFLICT', "This finding's image was added to a label set a moment ago; reload it.", { key: 'errors.ml.findingAlreadyInLabelSet2' });
    return { ...row, labelId };
  })();
}
