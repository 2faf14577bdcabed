import { z } from 'zod';
import { channel, event } from './define';
import type { ExportJob, ExportProgress, ReportPreview, ReportSettings } from '../domain/reports';
import { LANGUAGES } from '../domain/trust';

const id = z.string().trim().min(1).max(64);

/** A logo small enough to sit in the settings table and in every PDF. */
const MAX_LOGO_CHARS = 1_400_000;

export const exportRequest = z
  .object({
    /** Patients by CareLens id or MRN. */
    patients: z.array(id).min(1, 'Choose at least one patient').max(10_000, 'At most 10,000 patients per export'),
    format: z.enum(['pdf', 'csv', 'fhir']),
    deidentify: z.boolean().optional(),
    /** Only these studies (CareLens ids); all of each patient's studies when absent. */
    studyIds: z.array(id).max(1000).optional(),
    /** Also write each patient's DICOM files (de-identified under PS3.15 when deidentify is on). */
    includeDicom: z.boolean().optional(),
    /**
     * Where to write: an absolute folder that is empty or does not exist yet. Default: a new
     * folder under the data folder's exports/. Never overwrites: an existing non-empty folder is refused.
     */
    outDir: z.string().min(1).max(1000).optional(),
    /** The report's language: PDF headings, labels and the decision-support statement, FHIR text, CSV headers (codes unchanged). English when absent. */
    language: z.enum(LANGUAGES).optional(),
  })
  .strict();

export type ExportRequest = z.infer<typeof exportRequest>;

export const reportsChannels = {
  'reports:preview': channel<ReportPreview>()({
    input: z.object({ patient: id, studyIds: z.array(id).max(1000).optional() }).strict(),
    access: 'clinician',
    audit: 'read',
    doc: "What a report on this patient would hold (counts, and what is not available yet).",
  }),
  'reports:export': channel<ExportJob>()({
    input: exportRequest,
    access: 'clinician',
    audit: 'export',
    doc: 'Starts an export of one or more patients (PDF, CSV or FHIR R4), identified or de-identified; progress comes as reports:progress.',
  }),
  'reports:cancel': channel<ExportJob>()({
    input: z.object({ jobId: id }).strict(),
    access: 'clinician',
    audit: 'none',
    doc: 'Cancels a running export after the patient in progress; files already written stay and are listed.',
  }),
  'reports:job': channel<ExportJob>()({
    input: z.object({ jobId: id }).strict(),
    access: 'clinician',
    audit: 'none',
    doc: 'One export job: its state, its files and failures.',
  }),
  'reports:jobs': channel<ExportJob[]>()({
    input: z.object({ limit: z.number().int().min(1).max(200).optional() }).strict(),
    access: 'clinician',
    audit: 'none',
    doc: 'The most recent export jobs, newest first.',
  }),
  'reports:file': channel<{ fileName: string; mime: string; base64: string; patientIds: string[] }>()({
    input: z.object({ jobId: id, fileName: z.string().min(1).max(255) }).strict(),
    access: 'clinician',
    audit: 'export',
    doc: "One file of an export job's output, to open or save from the app.",
  }),
  'reports:settings': channel<ReportSettings>()({
    input: z.object({}).strict(),
    access: 'clinician',
    audit: 'none',
    doc: 'The clinic name and logo printed on reports.',
  }),
  'reports:setSettings': channel<ReportSettings>()({
    input: z
      .object({
        clinicName: z.string().trim().max(200, 'Clinic name is at most 200 characters').optional(),
        clinicLogo: z
          .string()
          .max(MAX_LOGO_CHARS, 'The logo is too large (at most about 1 MB)')
          .regex(/^data:image\/(png|jpeg);base64,[A-Za-z0-9+/=]+$/, 'The logo must be a PNG or JPEG')
          .nullable()
          .optional(),
      })
      .strict(),
    access: 'admin',
    audit: 'change',
    doc: 'Sets the clinic name and logo printed on reports.',
  }),
};

export const reportsEvents = {
  'reports:progress': event<ExportProgress>(),
};
