import type { Db } from '../db/types';

/**
 * The careplans feature's port: what other features may ask of the tables careplans owns. Plain
 * functions of a database handle, SQL over careplans's own tables only; this module imports
 * nothing from other features, so ports never form import circles.
 */

/** A clinician's accept or decline of a recommended plan for a patient. */
export interface PlanDecision {
  id: number;
  patientId: string;
  planId: string;
  planName: string;
  decision: 'accept' | 'decline';
  reason: string;
  mode: string | null;
  decidedAt: string;
  decidedBy: string;
}

/** Every plan decision made for a patient, oldest first, with the plan's name. */
export function planDecisionsOfPatient(db: Db, patientId: string): PlanDecision[] {
  return db
    .prepare(
      `SELECT d.id, d.patient_id AS patientId, d.plan_id AS planId, p.name AS planName, d.decision, d.reason, d.mode,
              d.decided_at AS decidedAt, d.decided_by AS decidedBy
         FROM care_plan_decisions d JOIN care_plans p ON p.id = d.plan_id
        WHERE d.patient_id = ? ORDER BY d.id`,
    )
    .all(patientId) as PlanDecision[];
}
