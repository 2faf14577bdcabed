import type { Db } from '../db/connection';
import type { ConditionRef } from '../../shared/domain/careplans';

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
  const hasTable = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'ml_diagnoses'").get();
  if (!hasTable) return [];
  const rows = db
    .prepare(
      `SELECT CASE WHEN d.review_decision = 'overridden' THEN d.review_class ELSE d.predicted_class END AS cls
         FROM ml_diagnoses d JOIN images i ON i.id = d.image_id
        WHERE i.patient_id = ? AND d.review_decision IN ('confirmed', 'overridden')`,
    )
    .all(patientId) as { cls: string | null }[];
  const out = new Map<string, ConditionRef>();
  for (const r of rows) {
    const c = r.cls ? conditionForClass(r.cls) : null;
    if (c) out.set(c.code, c);
  }
  return [...out.values()];
}
