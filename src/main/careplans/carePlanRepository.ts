import type { Db } from '../db/connection';
import type { CarePlan, ConditionProvenance, PatientCondition, PlanAssignment } from '../../shared/domain/careplans';

interface PlanRow {
  id: string;
  name: string;
  summary: string;
  conditions: string;
  interventions: string;
  setting: string;
  intensity: CarePlan['intensity'];
  duration_weeks: number | null;
  medication_classes: string;
  age_bands: string;
  contraindications: string;
  evidence_note: string;
  demo: number;
  retired: number;
  created_at: string;
  updated_at: string;
  updated_by: string;
}

const toPlan = (r: PlanRow): CarePlan => ({
  id: r.id,
  name: r.name,
  summary: r.summary,
  conditions: JSON.parse(r.conditions) as CarePlan['conditions'],
  interventions: JSON.parse(r.interventions) as string[],
  setting: r.setting,
  intensity: r.intensity,
  durationWeeks: r.duration_weeks,
  medicationClasses: JSON.parse(r.medication_classes) as string[],
  ageBands: JSON.parse(r.age_bands) as string[],
  contraindications: JSON.parse(r.contraindications) as string[],
  evidenceNote: r.evidence_note,
  demo: r.demo === 1,
  retired: r.retired === 1,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
  updatedBy: r.updated_by,
});

export function listPlans(db: Db, includeRetired: boolean): CarePlan[] {
  const rows = db.prepare(`SELECT * FROM care_plans ${includeRetired ? '' : 'WHERE retired = 0'} ORDER BY name, id`).all() as PlanRow[];
  return rows.map(toPlan);
}

export function findPlan(db: Db, id: string): CarePlan | null {
  const r = db.prepare('SELECT * FROM care_plans WHERE id = ?').get(id) as PlanRow | undefined;
  return r ? toPlan(r) : null;
}

export function upsertPlan(db: Db, p: CarePlan): void {
  db.prepare(
    `INSERT INTO care_plans (id, name, summary, conditions, interventions, setting, intensity, duration_weeks, medication_classes, age_bands,
       contraindications, evidence_note, demo, retired, created_at, updated_at, updated_by)
     VALUES (@id, @name, @summary, @conditions, @interventions, @setting, @intensity, @durationWeeks, @medicationClasses, @ageBands,
       @contraindications, @evidenceNote, @demo, @retired, @createdAt, @updatedAt, @updatedBy)
     ON CONFLICT (id) DO UPDATE SET name = excluded.name, summary = excluded.summary, conditions = excluded.conditions,
       interventions = excluded.interventions, setting = excluded.setting, intensity = excluded.intensity, duration_weeks = excluded.duration_weeks,
       medication_classes = excluded.medication_classes, age_bands = excluded.age_bands, contraindications = excluded.contraindications,
       evidence_note = excluded.evidence_note, demo = excluded.demo, retired = excluded.retired, updated_at = excluded.updated_at, updated_by = excluded.updated_by`,
  ).run({
    ...p,
    conditions: JSON.stringify(p.conditions),
    interventions: JSON.stringify(p.interventions),
    medicationClasses: JSON.stringify(p.medicationClasses),
    ageBands: JSON.stringify(p.ageBands),
    contraindications: JSON.stringify(p.contraindications),
    demo: p.demo ? 1 : 0,
    retired: p.retired ? 1 : 0,
  });
}

interface ConditionRow {
  id: string;
  patient_id: string;
  code: string;
  words: string;
  noted_at: string;
  noted_by: string;
  from_diagnosis_id: string | null;
  review_decision: ConditionProvenance['decision'] | null;
  review_class: string | null;
  reviewed_by: string | null;
  reviewed_at: string | null;
}

function toCondition(r: ConditionRow): PatientCondition {
  const fromDiagnosis: ConditionProvenance | null = r.from_diagnosis_id
    ? { diagnosisId: r.from_diagnosis_id, decision: r.review_decision!, className: r.review_class ?? '', reviewedBy: r.reviewed_by ?? '', reviewedAt: r.reviewed_at ?? '' }
    : null;
  return { id: r.id, patientId: r.patient_id, code: r.code, words: r.words, source: fromDiagnosis ? 'diagnosis' : 'hand', notedAt: r.noted_at, notedBy: r.noted_by, fromDiagnosis };
}

export function listConditions(db: Db, patientId: string): PatientCondition[] {
  const rows = db.prepare('SELECT * FROM patient_conditions WHERE patient_id = ? AND removed_at IS NULL ORDER BY noted_at, id').all(patientId) as ConditionRow[];
  return rows.map(toCondition);
}


/** Every active problem-list entry, for building profiles (patient id, code, words). */
export function allConditions(db: Db): { patient_id: string; code: string; words: string }[] {
  return db.prepare('SELECT patient_id, code, words FROM patient_conditions WHERE removed_at IS NULL').all() as { patient_id: string; code: string; words: string }[];
}

export function insertCondition(db: Db, c: PatientCondition): void {
  const p = c.fromDiagnosis ?? null;
  db.prepare(
    'INSERT INTO patient_conditions (id, patient_id, code, words, noted_at, noted_by, from_diagnosis_id, review_decision, review_class, reviewed_by, reviewed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
  ).run(c.id, c.patientId, c.code, c.words, c.notedAt, c.notedBy, p?.diagnosisId ?? null, p?.decision ?? null, p?.className ?? null, p?.reviewedBy ?? null, p?.reviewedAt ?? null);
}

export function removeCondition(db: Db, patientId: string, conditionId: string, at: string, by: string): number {
  return db.prepare('UPDATE patient_conditions SET removed_at = ?, removed_by = ? WHERE id = ? AND patient_id = ? AND removed_at IS NULL').run(at, by, conditionId, patientId).changes;
}

interface AssignmentRow {
  id: string;
  patient_id: string;
  plan_id: string;
  plan_name: string;
  assigned_at: string;
  assigned_by: string;
  outcome_grade: number | null;
  improved: number | null;
  outcome_note: string;
  outcome_at: string | null;
  source: PlanAssignment['source'];
  mode: string | null;
  reason: string;
}

const toAssignment = (r: AssignmentRow): PlanAssignment => ({
  id: r.id,
  patientId: r.patient_id,
  planId: r.plan_id,
  planName: r.plan_name,
  assignedAt: r.assigned_at,
  assignedBy: r.assigned_by,
  outcomeGrade: r.outcome_grade,
  improved: r.improved === null ? null : r.improved === 1,
  outcomeNote: r.outcome_note,
  outcomeAt: r.outcome_at,
  source: r.source,
  mode: r.mode,
  reason: r.reason,
});

const ASSIGNMENT_SELECT = 'SELECT a.*, p.name AS plan_name FROM care_plan_assignments a JOIN care_plans p ON p.id = a.plan_id';

export function listAssignments(db: Db, patientId: string | null): PlanAssignment[] {
  const rows = (
    patientId
      ? db.prepare(`${ASSIGNMENT_SELECT} WHERE a.patient_id = ? ORDER BY a.assigned_at DESC, a.id`).all(patientId)
      : db.prepare(`${ASSIGNMENT_SELECT} ORDER BY a.assigned_at, a.id`).all()
  ) as AssignmentRow[];
  return rows.map(toAssignment);
}

export function findAssignment(db: Db, id: string): PlanAssignment | null {
  const r = db.prepare(`${ASSIGNMENT_SELECT} WHERE a.id = ?`).get(id) as AssignmentRow | undefined;
  return r ? toAssignment(r) : null;
}

export function upsertAssignment(db: Db, a: Omit<PlanAssignment, 'planName'>): void {
  db.prepare(
    `INSERT INTO care_plan_assignments (id, patient_id, plan_id, assigned_at, assigned_by, outcome_grade, improved, outcome_note, outcome_at, source, mode, reason)
     VALUES (@id, @patientId, @planId, @assignedAt, @assignedBy, @outcomeGrade, @improved, @outcomeNote, @outcomeAt, @source, @mode, @reason)
     ON CONFLICT (id) DO UPDATE SET patient_id = excluded.patient_id, plan_id = excluded.plan_id, assigned_at = excluded.assigned_at,
       outcome_grade = excluded.outcome_grade, improved = excluded.improved, outcome_note = excluded.outcome_note, outcome_at = excluded.outcome_at`,
  ).run({ ...a, improved: a.improved === null ? null : a.improved ? 1 : 0 });
}

/** Every assignment's (patient, plan, grade, improved) for fitting the engine. */
export function allOutcomes(db: Db): { patient_id: string; plan_id: string; outcome_grade: number | null; improved: number | null }[] {
  return db.prepare('SELECT patient_id, plan_id, outcome_grade, improved FROM care_plan_assignments ORDER BY assigned_at, id').all() as {
    patient_id: string;
    plan_id: string;
    outcome_grade: number | null;
    improved: number | null;
  }[];
}

export function insertDecision(db: Db, d: { patientId: string; planId: string; decision: 'accept' | 'decline'; reason: string; mode: string | null; at: string; by: string }): void {
  db.prepare('INSERT INTO care_plan_decisions (patient_id, plan_id, decision, reason, mode, decided_at, decided_by) VALUES (?, ?, ?, ?, ?, ?, ?)').run(
    d.patientId,
    d.planId,
    d.decision,
    d.reason,
    d.mode,
    d.at,
    d.by,
  );
}

/** Plans whose newest decision for this patient is a decline. */
export function declinedPlans(db: Db, patientId: string): string[] {
  const rows = db
    .prepare(
      `SELECT plan_id FROM care_plan_decisions d WHERE patient_id = ? AND decision = 'decline'
       AND id = (SELECT MAX(id) FROM care_plan_decisions WHERE patient_id = d.patient_id AND plan_id = d.plan_id)`,
    )
    .all(patientId) as { plan_id: string }[];
  return rows.map((r) => r.plan_id);
}

/**
 * Changes whenever this feature's part of what the engine is fitted on changes (cheap to ask
 * before every request); the patients' part is the patients port's `patientsVersion`.
 */
export function dataVersion(db: Db): string {
  const r = db
    .prepare(
      `SELECT (SELECT COUNT(*) || ':' || IFNULL(MAX(updated_at), '') FROM care_plans) AS c,
              (SELECT COUNT(*) || ':' || IFNULL(MAX(IFNULL(outcome_at, assigned_at)), '') FROM care_plan_assignments) AS a,
              (SELECT COUNT(*) || ':' || IFNULL(MAX(IFNULL(removed_at, noted_at)), '') FROM patient_conditions) AS k`,
    )
    .get() as { c: string; a: string; k: string };
  return `${r.c}|${r.a}|${r.k}`;
}
