import { z } from 'zod';
import { channel } from './define';
import { ALLERGY_CODE_SYSTEMS, ALLERGY_SEVERITIES, type Patient, type PatientAllergyRecord, type PatientPage, type PatientSummary } from '../domain/patient';

/** A calendar date as YYYY-MM-DD: real, and not in the future. One message per problem. */
const isoDate = z.string().superRefine((s, ctx) => {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(s)) {
    ctx.addIssue({ code: 'custom', message: 'Use the form YYYY-MM-DD' });
  } else if (Number.isNaN(Date.parse(s + 'T00:00:00Z')) || !new Date(s + 'T00:00:00Z').toISOString().startsWith(s)) {
    ctx.addIssue({ code: 'custom', message: 'Not a real date' });
  } else if (s > new Date().toISOString().slice(0, 10)) {
    ctx.addIssue({ code: 'custom', message: 'Birth date is in the future' });
  }
});

export const patientFields = z
  .object({
    mrn: z.string().trim().min(1, 'MRN is required').max(64, 'MRN is at most 64 characters'),
    name: z.string().trim().min(1, 'Name is required').max(200, 'Name is at most 200 characters'),
    birthDate: isoDate.nullable().optional(),
    sex: z.enum(['F', 'M', 'O', 'U']).optional(),
    notes: z.string().max(4000).optional(),
  })
  .strict();

export type PatientInput = z.infer<typeof patientFields>;

const id = z.string().min(1).max(64);

/** How codes of each system look: SNOMED CT concept ids (6-18 digits), RxNorm concept ids (digits). */
const CODE_FORMS: Record<(typeof ALLERGY_CODE_SYSTEMS)[number], { pattern: RegExp; message: string }> = {
  'SNOMED CT': { pattern: /^\d{6,18}$/, message: 'A SNOMED CT code is 6 to 18 digits' },
  RxNorm: { pattern: /^\d{1,12}$/, message: 'An RxNorm code is digits' },
};

/** An allergy as recorded: a substance or drug class (free text), optionally coded. */
export const allergyFields = z
  .object({
    substance: z.string().trim().min(1, 'Substance is required').max(200, 'Substance is at most 200 characters'),
    code: z.string().trim().min(1).max(32).optional(),
    codeSystem: z.enum(ALLERGY_CODE_SYSTEMS).optional(),
    reaction: z.string().trim().max(500, 'Reaction is at most 500 characters').optional(),
    severity: z.enum(ALLERGY_SEVERITIES).optional(),
  })
  .strict()
  .superRefine((a, ctx) => {
    if (a.code !== undefined && a.codeSystem === undefined) ctx.addIssue({ code: 'custom', path: ['codeSystem'], message: 'Say which code system the code is from' });
    else if (a.code === undefined && a.codeSystem !== undefined) ctx.addIssue({ code: 'custom', path: ['code'], message: 'Give the code, or leave the code system empty for free text' });
    else if (a.code !== undefined && a.codeSystem !== undefined && !CODE_FORMS[a.codeSystem].pattern.test(a.code)) {
      ctx.addIssue({ code: 'custom', path: ['code'], message: CODE_FORMS[a.codeSystem].message });
    }
  });

export type AllergyInput = z.infer<typeof allergyFields>;

export const patientsChannels = {
  'patients:list': channel<PatientPage>()({
    input: z
      .object({
        query: z.string().max(200).optional(),
        limit: z.number().int().min(1).max(500).optional(),
        offset: z.number().int().min(0).optional(),
      })
      .strict(),
    access: 'clinician',
    audit: 'read',
    doc: 'Lists patients, optionally searching name, MRN or birth date.',
  }),
  'patients:get': channel<Patient>()({
    input: z.object({ id }).strict(),
    access: 'clinician',
    audit: 'read',
    doc: 'One patient by CareLens id or MRN.',
  }),
  'patients:create': channel<Patient>()({
    input: patientFields,
    access: 'clinician',
    audit: 'change',
    doc: 'Registers a patient; the MRN must be unique.',
  }),
  'patients:update': channel<Patient>()({
    input: z.object({ id, changes: patientFields.partial().strict() }).strict(),
    access: 'clinician',
    audit: 'change',
    doc: 'Edits a patient; the MRN stays unique.',
  }),
  'patients:summaries': channel<PatientSummary[]>()({
    input: z.object({ ids: z.array(id).min(1).max(200) }).strict(),
    access: 'clinician',
    audit: 'read',
    doc: 'Who these patients are (by CareLens id or MRN) and their allergy status: what a patient banner shows.',
  }),
  'patients:allergies': channel<PatientAllergyRecord>()({
    input: z.object({ patientId: id }).strict(),
    access: 'clinician',
    audit: 'read',
    doc: "A patient's standing allergies, allergy status and allergy history.",
  }),
  'patients:addAllergy': channel<PatientAllergyRecord>()({
    input: z.object({ patientId: id, allergy: allergyFields }).strict(),
    access: 'clinician',
    audit: 'change',
    doc: 'Records an allergy (withdrawing a standing "no known allergies" statement).',
  }),
  'patients:removeAllergy': channel<PatientAllergyRecord>()({
    input: z.object({ patientId: id, entryId: id, reason: z.string().trim().max(500).optional() }).strict(),
    access: 'clinician',
    audit: 'change',
    doc: 'Removes a standing allergy or "no known allergies" statement; it stays in the history.',
  }),
  'patients:noKnownAllergies': channel<PatientAllergyRecord>()({
    input: z.object({ patientId: id }).strict(),
    access: 'clinician',
    audit: 'change',
    doc: 'States that the patient has no known allergies (refused while an allergy is on record).',
  }),
};

export const patientsEvents = {};

