import type { Db } from '../db/connection';
import { AppError } from '../../shared/ipc/envelope';
import type { ConditionFromDiagnosis, ConditionRef } from '../../shared/domain/careplans';
import { patientIdsOfImages } from '../imaging/ports';
import { reviewedFinding } from '../ml/ports';
import { findPatient } from '../patients/ports';
import { listConditions } from './carePlanRepository';

/**
 * Model classes that name a finding, mapped to the condition codes the catalog uses.
 * A class that names no finding ("normal", "normal_or_benign") adds no condition.
 * A class not listed becomes a condition by its words alone, with a code of its own
 * (an empty code would match every plan's code).
 */
const CLASS_CONDITIONS: Record<string, ConditionRef> = {
  pneumonia: { code: 'J18', words: 'pneumonia' },
  malignant: { code: 'R92', words: 'abnormal breast imaging finding' },
  benign: { code: 'N60', words: 'benign breast finding' },
};

export function conditionForClass(className: string): ConditionRef | null {
  const name = className.trim().toLowerCase().replace(/_/g, ' ');
  if (!name || name.startsWith('normal')) return null;
  return CLASS_CONDITIONS[name] ?? { code: `CL-${name.toUpperCase().replace(/[^A-Z0-9]+/g, '-')}`, words: name };
}

/**
 * Exactly the problem-list row "add to problem list" would write from a diagnosis: the
 * condition the reviewed class names, the image's patient, and the review as provenance.
 * Diagnoses never reach the problem list any other way (care plans read the problem list
 * only). Refused (through ml's rule) for unreviewed output and output outside the model's
 * training; refused too for an image without a patient and for a class that names no finding.
 */
export function conditionFromDiagnosis(db: Db, diagnosisId: string, by: string): ConditionFromDiagnosis {
  const d = reviewedFinding(db, diagnosisId);
  const patientId = patientIdsOfImages(db, [d.imageId]).get(d.imageId) ?? null;
  const patient = patientId ? findPatient(db, patientId) : null;
  if (!patient) throw new AppError('CONFLICT', "This diagnosis's image is not assigned to a patient, so there is no problem list to add it to.", { key: 'errors.careplans.diagnosisWithoutPatient' });
  const condition = conditionForClass(d.review.className);
  if (!condition) throw new AppError('CONFLICT', `The reviewed finding "${d.review.className}" names no condition: there is nothing to add to the problem list.`, { key: 'errors.careplans.reviewedFindingNamesNo', params: { className: d.review.className } });
  return {
    patientId: patient.id,
    patientName: patient.name,
    mrn: patient.mrn,
    condition,
    source: 'diagnosis',
    notedBy: by,
    fromDiagnosis: { diagnosisId: d.id, decision: d.review.decision, className: d.review.className, reviewedBy: d.review.by, reviewedAt: d.review.at },
    alreadyOnList: listConditions(db, patient.id).some((c) => c.code === condition.code.toUpperCase()),
  };
}
