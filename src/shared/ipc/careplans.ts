import { z } from 'zod';
import { channel } from './define';
import type { CarePlan, ConditionFromDiagnosis, CsvImportResult, PatientCondition, PlanAssignment, RecommendationList } from '../domain/careplans';

const id = z.string().trim().min(1).max(64);
const text = (max: number) => z.string().trim().max(max);
const list = (max: number) => z.array(z.string().trim().min(1).max(200)).max(max);

export const conditionRef = z
  .object({
    code: z.string().trim().min(1, 'Condition code is required').max(32),
    words: z.string().trim().min(1, 'Condition words are required').max(200),
  })
  .strict();

export const planFields = z
  .object({
    name: z.string().trim().min(1, 'Name is required').max(200),
    summary: text(2000).default(''),
    conditions: z.array(conditionRef).min(1, 'A plan is for at least one condition').max(50),
    interventions: list(50).default([]),
    setting: text(100).default(''),
    intensity: z.enum(['low', 'moderate', 'high']).default('moderate'),
    durationWeeks: z.number().int().min(0).max(520).nullable().default(null),
    medicationClasses: list(50).default([]),
    ageBands: list(10).default([]),
    contraindications: list(50).default([]),
    evidenceNote: text(2000).default(''),
  })
  .strict();
export type PlanInput = z.input<typeof planFields>;

const mode = z.enum(['user', 'item', 'content', 'hybrid']);
const csv = z.string().max(20_000_000, 'The CSV is over 20 MB');

export const careplansChannels = {
  'careplans:listPlans': channel<CarePlan[]>()({
    input: z.object({ includeRetired: z.boolean().optional() }).strict(),
    access: 'clinician',
    audit: 'none',
    doc: 'The care-plan catalog (retired plans on request).',
  }),
  'careplans:savePlan': channel<CarePlan>()({
    input: z.object({ id: id.optional(), fields: planFields }).strict(),
    access: 'admin',
    audit: 'change',
    doc: 'Adds a plan, or edits one (by id).',
  }),
  'careplans:retirePlan': channel<CarePlan>()({
    input: z.object({ id, retired: z.boolean() }).strict(),
    access: 'admin',
    audit: 'change',
    doc: 'Retires a plan (no longer recommended; history kept) or brings it back.',
  }),
  'careplans:loadDemo': channel<CsvImportResult>()({
    input: z.object({}).strict(),
    access: 'admin',
    audit: 'change',
    doc: 'Adds the demo catalog (demo content, not medical advice); plans already there are left alone.',
  }),
  'careplans:importPlans': channel<CsvImportResult>()({
    input: z.object({ csv }).strict(),
    access: 'admin',
    audit: 'change',
    doc: 'Imports plans from CSV (all rows or none); a row with a known id updates that plan.',
  }),
  'careplans:exportPlans': channel<{ csv: string }>()({
    input: z.object({}).strict(),
    access: 'clinician',
    audit: 'export',
    doc: 'The catalog as CSV (the import format).',
  }),
  'careplans:importAssignments': channel<CsvImportResult>()({
    input: z.object({ csv }).strict(),
    access: 'admin',
    audit: 'change',
    doc: 'Imports plan assignments with outcomes from CSV (all rows or none).',
  }),
  'careplans:exportAssignments': channel<{ csv: string }>()({
    input: z.object({}).strict(),
    access: 'clinician',
    audit: 'export',
    doc: 'Every assignment with its outcome as CSV (the import format).',
  }),
  'careplans:conditions': channel<PatientCondition[]>()({
    input: z.object({ patientId: id }).strict(),
    access: 'clinician',
    audit: 'read',
    doc: "A patient's problem list (diagnoses never appear on it unless a clinician added one).",
  }),
  'careplans:conditionFromDiagnosis': channel<ConditionFromDiagnosis>()({
    input: z.object({ diagnosisId: id }).strict(),
    access: 'clinician',
    audit: 'read',
    doc: 'Exactly the problem-list row adding a reviewed diagnosis would write (condition, patient, provenance); refused for unreviewed output and output outside the model\'s training.',
  }),
  'careplans:addCondition': channel<PatientCondition>()({
    input: z.object({ patientId: id, condition: conditionRef, fromDiagnosisId: id.optional() }).strict(),
    access: 'clinician',
    audit: 'change',
    doc: "Adds a condition to a patient's problem list; with fromDiagnosisId, from that reviewed diagnosis (provenance kept; unreviewed or out-of-scope output refused).",
  }),
  'careplans:removeCondition': channel<{ removed: true }>()({
    input: z.object({ patientId: id, conditionId: id }).strict(),
    access: 'clinician',
    audit: 'change',
    doc: "Takes a condition off a patient's problem list.",
  }),
  'careplans:recommend': channel<RecommendationList>()({
    input: z.object({ patientId: id, mode: mode.optional(), k: z.number().int().min(1).max(50).optional() }).strict(),
    access: 'clinician',
    audit: 'read',
    doc: 'Top care plans for a patient, each with its reason, after the safety filters.',
  }),
  'careplans:decide': channel<{ assignment: PlanAssignment | null }>()({
    input: z
      .object({
        patientId: id,
        planId: id,
        decision: z.enum(['accept', 'decline']),
        reason: text(1000).optional(),
        mode: mode.optional(),
        recommendationReason: text(2000).optional(),
      })
      .strict(),
    access: 'clinician',
    audit: 'change',
    doc: 'Accepts (creates an assignment) or declines (not offered again) a recommended plan.',
  }),
  'careplans:assignments': channel<PlanAssignment[]>()({
    input: z.object({ patientId: id }).strict(),
    access: 'clinician',
    audit: 'read',
    doc: "A patient's plan assignments with their outcomes.",
  }),
  'careplans:recordOutcome': channel<PlanAssignment>()({
    input: z
      .object({
        assignmentId: id,
        grade: z.number().int().min(1).max(5).nullable().optional(),
        improved: z.boolean().nullable().optional(),
        note: text(2000).optional(),
      })
      .strict()
      .refine((v) => v.grade != null || v.improved != null, { message: 'Give a grade (1-5) or whether the patient improved', path: ['grade'] }),
    access: 'clinician',
    audit: 'change',
    doc: 'Records how an assigned plan went (graded 1-5 and/or improved).',
  }),
};

export const careplansEvents = {};
