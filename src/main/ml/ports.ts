import type { Db } from '../db/types';
import { AppError } from '../../shared/ipc/envelope';
import { OUTSIDE_TRAINING, outsideTraining, type Diagnosis, type ModelVersion } from '../../shared/domain/ml';
import { getDiagnosis, getVersion, listDiagnoses } from './mlRepository';

/**
 * The ml feature's port: what other features may ask of the tables ml owns. Plain
 * functions of a database handle, SQL over ml's own tables only; this module imports
 * no other feature directly (its own repository may use other ports; the architecture
 * test keeps the import graph free of circles).
 */

// ---------------------------------------------------------------- ml: diagnoses and model cards (reports, care plans)

const ML_ID_CHUNK = 500;

/** A model version (its classes, split and test metrics), or null when the id names none. */
export function modelVersion(db: Db, id: string): ModelVersion | null {
  return getVersion(db, id);
}

/** One diagnosis with its heatmap and review, or null when the id names none. */
export function diagnosis(db: Db, id: string): Diagnosis | null {
  return getDiagnosis(db, id);
}

/**
 * The newest diagnoses of each of these images, newest first and at most `perImage` each,
 * keyed by image id in the order given (an image without diagnoses maps to an empty list).
 */
export function recentDiagnosesOfImages(db: Db, imageIds: readonly string[], perImage: number): Map<string, Diagnosis[]> {
  return new Map(imageIds.map((id) => [id, listDiagnoses(db, id, perImage)]));
}

/**
 * The class a clinician settled on in each reviewed diagnosis of these images: the class
 * they confirmed, or the one they overrode it with. Unreviewed output is left out.
 */
export function reviewedClassesOfImages(db: Db, imageIds: readonly string[]): string[] {
  const unique = [...new Set(imageIds)];
  const out: string[] = [];
  for (let i = 0; i < unique.length; i += ML_ID_CHUNK) {
    const part = unique.slice(i, i + ML_ID_CHUNK);
    const classes = db
      .prepare(
        `SELECT CASE WHEN review_decision = 'overridden' THEN review_class ELSE predicted_class END
           FROM ml_diagnoses WHERE image_id IN (${part.map(() => '?').join(',')}) AND review_decision IN ('confirmed', 'overridden')`,
      )
      .pluck()
      .all(...part) as (string | null)[];
    for (const c of classes) if (c) out.push(c);
  }
  return out;
}

/** A diagnosis with its review settled, as the explicit actions that carry it into the record need it. */
export type ReviewedDiagnosis = Diagnosis & { review: NonNullable<Diagnosis['review']> };

/**
 * The one rule for carrying model output into the record (the problem list, a label set):
 * only a diagnosis a clinician has reviewed, and never output outside its model's training
 * (out of scope or flagged out of distribution), even when overridden. NOT_FOUND for an
 * unknown id, CONFLICT (with why) otherwise.
 */
export function reviewedFinding(db: Db, diagnosisId: string): ReviewedDiagnosis {
  const d = getDiagnosis(db, diagnosisId);
  if (!d) throw new AppError('NOT_FOUND', 'No such diagnosis.', { key: 'errors.ml.noSuchDiagnosis' });
  if (!d.review) throw new AppError('CONFLICT', 'This diagnosis has not been reviewed: confirm or override it first. Unreviewed model output is a suggestion and cannot go into the record.', { key: 'errors.ml.diagnosisHasNotBeen' });
  const outside = outsideTraining(d);
  if (outside.length) throw new AppError('CONFLICT', `${OUTSIDE_TRAINING}: ${outside.join(' ')} It cannot go into the record from here; add what you found by hand.`, { key: 'errors.ml.outsideTrainingNotForRecord', params: { OUTSIDE_TRAINING, outside: outside.join(' ') } });
  return d as ReviewedDiagnosis;
}
