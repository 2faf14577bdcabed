import type { Db } from '../db/connection';
import type { ConditionRef } from '../../shared/domain/careplans';
import { imagesOfPatient } from '../imaging/ports';
import { reviewedClassesOfImages } from '../ml/ports';

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
 * A patient's findings from diagnoses a clinician reviewed: the confirmed class, or the
 * class they overrode it with. Unreviewed model output never becomes a condition.
 */
export function confirmedFindingsFromDiagnoses(db: Db, patientId: string): ConditionRef[] {
  const out = new Map<string, ConditionRef>();
  for (const cls of reviewedClassesOfImages(db, imagesOfPatient(db, patientId).map((i) => i.id))) {
    const c = conditionForClass(cls);
    if (c) out.set(c.code, c);
  }
  return [...out.values()];
}
