import type { Core } from '../core/Core';
import { newId } from '../core/ids';
import { AppError, type FieldIssue } from '../../shared/ipc/envelope';
import { planFields, type PlanInput } from '../../shared/ipc/careplans';
import type { CarePlan, ConditionFromDiagnosis, ConditionRef, CsvImportResult, PatientCondition, PlanAssignment } from '../../shared/domain/careplans';
import { findPatient, patientsByIds } from '../patients/ports';
import { parseCsv } from './engine/csv';
import { toCsv, undefuseFormula, type CsvValue } from '../../shared/csv';
import { DEMO_PLANS } from './demoCatalog';
import { conditionFromDiagnosis } from './findingsFromDiagnoses';
import * as repo from './carePlanRepository';

const PLAN_COLUMNS = [
  'id',
  'name',
  'summary',
  'conditions',
  'interventions',
  'setting',
  'intensity',
  'duration_weeks',
  'medication_classes',
  'age_bands',
  'contraindications',
  'evidence_note',
  'retired',
] as const;
const ASSIGNMENT_COLUMNS = ['id', 'patient', 'plan', 'assigned_at', 'outcome_grade', 'improved', 'outcome_note'] as const;

/**
 * These files come back through importPlans/importAssignments: formulas are defused like every
 * export's (a note or MRN starting with '=' must not run in a spreadsheet) and the import takes the
 * apostrophe off again (`undefuseFormula` in table()); lines end in '\n' as they always have.
 */
const writeCsv = (header: readonly string[], rows: readonly (readonly CsvValue[])[]) => toCsv(header, rows, { eol: '\n' });

const pipe = (xs: readonly string[]) => xs.join('|');
const unpipe = (s: string | undefined) =>
  (s ?? '')
    .split('|')
    .map((x) => x.trim())
    .filter(Boolean);

/** The care-plan catalog, patients' problem lists, and assignments with outcomes. */
export class CarePlanService {
  /** Bumped on every write here, so the recommender knows to refit. */
  version = 0;

  constructor(private readonly core: Pick<Core, 'db' | 'clock'>) {}

  private now(): string {
    return this.core.clock.now().toISOString();
  }

  private patientOrThrow(idOrMrn: string) {
    const p = findPatient(this.core.db, idOrMrn);
    if (!p) throw new AppError('NOT_FOUND', `No patient with id or MRN "${idOrMrn}".`, { key: 'errors.careplans.noPatientWithId', params: { idOrMrn } });
    return p;
  }

  /** The catalog, by name. */
  listPlans(includeRetired = false): CarePlan[] {
    return repo.listPlans(this.core.db, includeRetired);
  }

  /** One plan; NOT_FOUND otherwise. */
  getPlan(id: string): CarePlan {
    const p = repo.findPlan(this.core.db, id);
    if (!p) throw new AppError('NOT_FOUND', `No care plan with id "${id}".`, { key: 'errors.careplans.noCarePlanWith', params: { id } });
    return p;
  }

  private toPlan(id: string | undefined, fields: ReturnType<typeof planFields.parse>, by: string, extra: { demo?: boolean; retired?: boolean } = {}): CarePlan {
    const existing = id ? repo.findPlan(this.core.db, id) : null;
    const now = this.now();
    return {
      id: id ?? newId(),
      ...fields,
      conditions: fields.conditions.map((c) => ({ code: c.code.toUpperCase(), words: c.words })),
      demo: extra.demo ?? existing?.demo ?? false,
      retired: extra.retired ?? existing?.retired ?? false,
      createdAt: existing?.createdAt ?? now,
      updatedAt: now,
      updatedBy: by,
    };
  }

  /** Adds a plan, or edits the plan with this id (NOT_FOUND for an unknown id). */
  savePlan(id: string | undefined, input: PlanInput, by: string): CarePlan {
    if (id) this.getPlan(id);
    const plan = this.toPlan(id, planFields.parse(input), by);
    repo.upsertPlan(this.core.db, plan);
    this.version++;
    return plan;
  }

  /** Retires a plan or brings it back; its history stays. */
  retirePlan(id: string, retired: boolean, by: string): CarePlan {
    const plan = { ...this.getPlan(id), retired, updatedAt: this.now(), updatedBy: by };
    repo.upsertPlan(this.core.db, plan);
    this.version++;
    return plan;
  }

  /** Adds the demo catalog; plans already there (same id) are left as they are. */
  loadDemo(by: string): CsvImportResult {
    let created = 0;
    this.core.db.transaction(() => {
      for (const { id, ...fields } of DEMO_PLANS) {
        if (repo.findPlan(this.core.db, id)) continue;
        repo.upsertPlan(this.core.db, this.toPlan(id, planFields.parse(fields), by, { demo: true }));
        created++;
      }
    })();
    this.version++;
    return { created, updated: 0 };
  }

  /** The catalog as CSV (lists pipe-separated, conditions as CODE:words). */
  exportPlans(): string {
    return writeCsv(
      PLAN_COLUMNS,
      this.listPlans(true).map((p) => [
        p.id,
        p.name,
        p.summary,
        pipe(p.conditions.map((c) => `${c.code}:${c.words}`)),
        pipe(p.interventions),
        p.setting,
        p.intensity,
        p.durationWeeks,
        pipe(p.medicationClasses),
        pipe(p.ageBands),
        pipe(p.contraindications),
        p.evidenceNote,
        p.retired ? 'yes' : 'no',
      ]),
    );
  }

  /**
   * Imports plans from CSV: every row is checked first, and one bad row stores nothing.
   * Errors name the row (the file's line) and the column.
   */
  importPlans(csv: string, by: string): CsvImportResult {
    const { header, rows } = this.table(csv, ['name', 'conditions'], PLAN_COLUMNS);
    const plans: CarePlan[] = [];
    const issues: FieldIssue[] = [];
    for (const r of rows) {
      const get = (c: string) => (header.has(c) ? (r.cells[header.get(c)!] ?? '').trim() : undefined);
      const conditions: ConditionRef[] = [];
      for (const part of unpipe(get('conditions'))) {
        const at = part.indexOf(':');
        if (at <= 0 || at === part.length - 1) {
          issues.push({ path: `row ${r.line}, column conditions`, message: `"${part}" is not CODE:words (e.g. J18:pneumonia)` });
          continue;
        }
        conditions.push({ code: part.slice(0, at).trim(), words: part.slice(at + 1).trim() });
      }
      const weeks = get('duration_weeks');
      const durationWeeks = weeks ? Number(weeks) : null;
      if (weeks && !Number.isInteger(durationWeeks)) {
        issues.push({ path: `row ${r.line}, column duration_weeks`, message: `"${weeks}" is not a whole number of weeks` });
        continue;
      }
      const retiredText = (get('retired') ?? '').toLowerCase();
      if (retiredText && !['yes', 'no', 'true', 'false', '1', '0'].includes(retiredText)) {
        issues.push({ path: `row ${r.line}, column retired`, message: `"${retiredText}" is not yes or no` });
        continue;
      }
      const parsed = planFields.safeParse({
        name: get('name') ?? '',
        summary: get('summary') ?? '',
        conditions,
        interventions: unpipe(get('interventions')),
        setting: get('setting') ?? '',
        intensity: get('intensity') || 'moderate',
        durationWeeks,
        medicationClasses: unpipe(get('medication_classes')),
        ageBands: unpipe(get('age_bands')),
        contraindications: unpipe(get('contraindications')),
        evidenceNote: get('evidence_note') ?? '',
      });
      if (!parsed.success) {
        for (const issue of parsed.error.issues) {
          const field = String(issue.path[0] ?? '');
          const column = { durationWeeks: 'duration_weeks', medicationClasses: 'medication_classes', ageBands: 'age_bands', evidenceNote: 'evidence_note' }[field] ?? field;
          issues.push({ path: `row ${r.line}, column ${column}`, message: issue.message });
        }
        continue;
      }
      const id = get('id') || undefined;
      plans.push(this.toPlan(id, parsed.data, by, { retired: ['yes', 'true', '1'].includes(retiredText) }));
    }
    if (issues.length) throw new AppError('VALIDATION', `The plans CSV has ${issues.length} problem(s); nothing was imported. First: ${issues[0]!.path}: ${issues[0]!.message}`, { key: 'errors.careplans.plansCsvHasProblem', params: { issuesCount: issues.length, path: issues[0]!.path, message: issues[0]!.message }, issues: issues });
    let created = 0;
    let updated = 0;
    this.core.db.transaction(() => {
      for (const p of plans) {
        if (repo.findPlan(this.core.db, p.id)) updated++;
        else created++;
        repo.upsertPlan(this.core.db, p);
      }
    })();
    this.version++;
    return { created, updated };
  }

  /** Parses a CSV with a header row; missing required columns are an error naming them. */
  private table(csv: string, required: readonly string[], known: readonly string[]) {
    let rows: ReturnType<typeof parseCsv>;
    try {
      rows = parseCsv(csv).map((r) => ({ ...r, cells: r.cells.map(undefuseFormula) }));
    } catch (err) {
      throw new AppError('VALIDATION', `The CSV cannot be read: ${(err as Error).message}. Nothing was imported.`, { key: 'errors.careplans.csvCannotReadNothing', params: { message: (err as Error).message } });
    }
    if (rows.length === 0) throw new AppError('VALIDATION', 'The CSV is empty. Nothing was imported.', { key: 'errors.careplans.csvEmptyNothingWas' });
    const header = new Map(rows[0]!.cells.map((c, i) => [c.trim().toLowerCase(), i]));
    const missing = required.filter((c) => !header.has(c));
    if (missing.length) {
      throw new AppError(
        'VALIDATION',
        `The CSV's header (row 1) has no column ${missing.join(', ')}; expected columns: ${known.join(', ')}. Nothing was imported.`,
        {
          key: 'errors.careplans.csvMissingColumn',
          params: { missing: missing.join(', '), known: known.join(', ') },
          issues: missing.map((c) => ({ path: `row 1, column ${c}`, message: 'missing column' })),
        },
      );
    }
    return { header, rows: rows.slice(1) };
  }

  /**
   * A patient's problem list: what clinicians put on it, by hand or from a reviewed diagnosis
   * with the explicit "add to problem list". Model output never appears here on its own.
   */
  conditions(patientId: string): PatientCondition[] {
    return repo.listConditions(this.core.db, this.patientOrThrow(patientId).id);
  }

  /** Exactly the row adding a reviewed diagnosis to its patient's problem list would write (refused for unreviewed or out-of-scope output). */
  conditionFromDiagnosis(diagnosisId: string, by: string): ConditionFromDiagnosis {
    return conditionFromDiagnosis(this.core.db, diagnosisId, by);
  }

  /**
   * Adds a condition to the problem list. With `fromDiagnosisId` it is the explicit "add to
   * problem list" of a reviewed diagnosis: the diagnosis must be reviewed and within its
   * model's training, of this patient, and name this condition; the review is kept as provenance.
   */
  addCondition(patientId: string, c: ConditionRef, by: string, fromDiagnosisId?: string): PatientCondition {
    const p = this.patientOrThrow(patientId);
    const code = c.code.toUpperCase();
    const preview = fromDiagnosisId ? conditionFromDiagnosis(this.core.db, fromDiagnosisId, by) : null;
    if (preview) {
      if (preview.patientId !== p.id) throw new AppError('CONFLICT', `That diagnosis is of another patient, not ${p.name}.`, { key: 'errors.careplans.diagnosisAnotherPatientNot', params: { name: p.name }, issues: [{ path: 'fromDiagnosisId', message: 'Another patient', key: 'errors.issues.anotherPatient' }] });
      if (preview.condition.code.toUpperCase() !== code || preview.condition.words !== c.words) {
        throw new AppError('VALIDATION', `The reviewed diagnosis names ${preview.condition.code} ${preview.condition.words}, not ${code} ${c.words}; nothing was added.`, { key: 'errors.careplans.reviewedDiagnosisNamesNot', params: { code: preview.condition.code, words: preview.condition.words, code2: code, words2: c.words }, issues: [{ path: 'condition', message: 'Not the previewed condition', key: 'errors.issues.notPreviewedCondition' }] });
      }
    }
    if (repo.listConditions(this.core.db, p.id).some((x) => x.code === code)) {
      throw new AppError('CONFLICT', `${p.name} already has ${code} on the problem list.`, { key: 'errors.careplans.alreadyHasProblemList', params: { name: p.name, code }, issues: [{ path: 'condition.code', message: 'Already on the problem list', key: 'errors.issues.alreadyOnProblemList' }] });
    }
    const row: PatientCondition = {
      id: newId(),
      patientId: p.id,
      code,
      words: c.words,
      source: preview ? 'diagnosis' : 'hand',
      notedAt: this.now(),
      notedBy: by,
      fromDiagnosis: preview?.fromDiagnosis ?? null,
    };
    repo.insertCondition(this.core.db, row);
    this.version++;
    return row;
  }

  /** Takes a condition off the problem list (kept in the record as removed). */
  removeCondition(patientId: string, conditionId: string, by: string): { removed: true } {
    const p = this.patientOrThrow(patientId);
    if (repo.removeCondition(this.core.db, p.id, conditionId, this.now(), by) === 0) {
      throw new AppError('NOT_FOUND', `No condition ${conditionId} on ${p.name}'s problem list.`, { key: 'errors.careplans.noConditionSProblem', params: { conditionId, name: p.name } });
    }
    this.version++;
    return { removed: true };
  }

  /** A patient's assignments, newest first. */
  assignments(patientId: string): PlanAssignment[] {
    return repo.listAssignments(this.core.db, this.patientOrThrow(patientId).id);
  }

  /** Records an accept (creating an assignment) or a decline (the plan is not offered again). */
  decide(
    input: { patientId: string; planId: string; decision: 'accept' | 'decline'; reason?: string; mode?: string; recommendationReason?: string },
    by: string,
  ): { assignment: PlanAssignment | null } {
    const p = this.patientOrThrow(input.patientId);
    const plan = this.getPlan(input.planId);
    if (plan.retired) throw new AppError('CONFLICT', `${plan.name} is retired and cannot be assigned.`, { key: 'errors.careplans.retiredAndCannotAssigned', params: { name: plan.name } });
    const at = this.now();
    return this.core.db.transaction(() => {
      repo.insertDecision(this.core.db, { patientId: p.id, planId: plan.id, decision: input.decision, reason: input.reason ?? '', mode: input.mode ?? null, at, by });
      this.version++;
      if (input.decision === 'decline') return { assignment: null };
      const a = {
        id: newId(),
        patientId: p.id,
        planId: plan.id,
        assignedAt: at,
        assignedBy: by,
        outcomeGrade: null,
        improved: null,
        outcomeNote: input.reason ?? '',
        outcomeAt: null,
        source: 'accepted' as const,
        mode: input.mode ?? null,
        reason: input.recommendationReason ?? '',
      };
      repo.upsertAssignment(this.core.db, a);
      return { assignment: repo.findAssignment(this.core.db, a.id) };
    })();
  }

  /** Records how an assigned plan went. */
  recordOutcome(assignmentId: string, outcome: { grade?: number | null; improved?: boolean | null; note?: string }): PlanAssignment {
    const a = repo.findAssignment(this.core.db, assignmentId);
    if (!a) throw new AppError('NOT_FOUND', `No plan assignment with id "${assignmentId}".`, { key: 'errors.careplans.noPlanAssignmentWith', params: { assignmentId } });
    repo.upsertAssignment(this.core.db, {
      ...a,
      outcomeGrade: outcome.grade !== undefined ? outcome.grade : a.outcomeGrade,
      improved: outcome.improved !== undefined ? outcome.improved : a.improved,
      outcomeNote: outcome.note ?? a.outcomeNote,
      outcomeAt: this.now(),
    });
    this.version++;
    return repo.findAssignment(this.core.db, assignmentId)!;
  }

  /** Every assignment with its outcome, as CSV (patients by MRN). */
  exportAssignments(): string {
    const assignments = repo.listAssignments(this.core.db, null);
    const mrn = new Map(patientsByIds(this.core.db, assignments.map((a) => a.patientId)).map((p) => [p.id, p.mrn]));
    return writeCsv(
      ASSIGNMENT_COLUMNS,
      assignments.map((a) => [a.id, mrn.get(a.patientId) ?? a.patientId, a.planId, a.assignedAt, a.outcomeGrade, a.improved === null ? '' : a.improved ? 'yes' : 'no', a.outcomeNote]),
    );
  }

  /**
   * Imports assignments with outcomes (a clinic's history): patient by id or MRN, plan by
   * id, outcome_grade 1-5 and/or improved yes/no. All rows or none.
   */
  importAssignments(csv: string, by: string): CsvImportResult {
    const { header, rows } = this.table(csv, ['patient', 'plan'], ASSIGNMENT_COLUMNS);
    const issues: FieldIssue[] = [];
    const out: Omit<PlanAssignment, 'planName'>[] = [];
    for (const r of rows) {
      const get = (c: string) => (header.has(c) ? (r.cells[header.get(c)!] ?? '').trim() : '');
      const bad = (column: string, message: string) => issues.push({ path: `row ${r.line}, column ${column}`, message });
      const patient = get('patient') ? findPatient(this.core.db, get('patient')) : null;
      if (!patient) bad('patient', get('patient') ? `no patient with id or MRN "${get('patient')}"` : 'the patient is empty');
      const plan = get('plan') ? repo.findPlan(this.core.db, get('plan')) : null;
      if (!plan) bad('plan', get('plan') ? `no care plan with id "${get('plan')}"` : 'the plan is empty');
      const gradeText = get('outcome_grade');
      const grade = gradeText === '' ? null : Number(gradeText);
      if (grade !== null && !(Number.isInteger(grade) && grade >= 1 && grade <= 5)) bad('outcome_grade', `"${gradeText}" is not a whole number from 1 to 5`);
      const impText = get('improved').toLowerCase();
      let improved: boolean | null = null;
      if (['yes', 'true', '1', 'y'].includes(impText)) improved = true;
      else if (['no', 'false', '0', 'n'].includes(impText)) improved = false;
      else if (impText !== '') bad('improved', `"${impText}" is not yes or no`);
      const atText = get('assigned_at');
      if (atText && Number.isNaN(Date.parse(atText))) bad('assigned_at', `"${atText}" is not a date`);
      if (!patient || !plan || issues.some((i) => i.path.startsWith(`row ${r.line},`))) continue;
      const assignedAt = atText ? new Date(atText).toISOString() : this.now();
      out.push({
        id: get('id') || newId(),
        patientId: patient.id,
        planId: plan.id,
        assignedAt,
        assignedBy: by,
        outcomeGrade: grade,
        improved,
        outcomeNote: get('outcome_note'),
        outcomeAt: grade !== null || improved !== null ? assignedAt : null,
        source: 'imported',
        mode: null,
        reason: '',
      });
    }
    if (issues.length) throw new AppError('VALIDATION', `The assignments CSV has ${issues.length} problem(s); nothing was imported. First: ${issues[0]!.path}: ${issues[0]!.message}`, { key: 'errors.careplans.assignmentsCsvHasProblem', params: { issuesCount: issues.length, path: issues[0]!.path, message: issues[0]!.message }, issues: issues });
    let created = 0;
    let updated = 0;
    this.core.db.transaction(() => {
      for (const a of out) {
        if (repo.findAssignment(this.core.db, a.id)) updated++;
        else created++;
        repo.upsertAssignment(this.core.db, a);
      }
    })();
    this.version++;
    return { created, updated };
  }
}
