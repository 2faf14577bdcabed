import { z } from 'zod';
import { channel } from './define';
import type { Patient, PatientPage } from '../domain/patient';

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
};

export const patientsEvents = {};

