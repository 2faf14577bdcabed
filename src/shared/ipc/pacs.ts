import { z } from 'zod';
import { channel, event } from './define';
import type { PacsEchoReport, PacsNode, PacsSeries, PacsStudy, RetrieveStatus, RetrieveSummary, SendResult } from '../domain/pacs';

const id = z.string().trim().min(1).max(64);
/** A DICOM UID (normally digits and dots; archives hold some that are not, and those must still be retrievable). */
const uid = z.string().trim().min(1).max(64, 'A DICOM UID is at most 64 characters').regex(/^[\x21-\x5b\x5d-\x7e]+$/, 'A DICOM UID is printable characters without spaces (normally digits and dots)');
/** An AE title: 1-16 printable characters, no backslash. */
const aet = z.string().trim().min(1, 'An AE title is required').max(16, 'An AE title is at most 16 characters').regex(/^[\x20-\x5b\x5d-\x7e]+$/, 'An AE title is plain printable characters without a backslash');
const dicomDate = z.string().regex(/^\d{8}$/, 'A date is YYYYMMDD');

export const pacsNodeInput = z
  .object({
    name: z.string().trim().min(1, 'A name is required').max(64),
    dicomweb: z
      .object({
        baseUrl: z.string().trim().url('The DICOMweb address must be a full http:// or https:// URL').max(2000).refine((u) => /^https?:\/\//i.test(u), 'The DICOMweb address must start with http:// or https://'),
        auth: z
          .discriminatedUnion('kind', [
            z.object({ kind: z.literal('none') }).strict(),
            z.object({ kind: z.literal('basic'), user: z.string().min(1, 'A user name is required').max(200), password: z.string().min(1, 'A password is required').max(1000) }).strict(),
            z.object({ kind: z.literal('bearer'), token: z.string().min(1, 'A token is required').max(8000) }).strict(),
          ])
          .optional(),
        /** The CA certificate (PEM) that signed the PACS's https certificate. */
        caPem: z.string().max(100_000).regex(/-----BEGIN CERTIFICATE-----/, 'The CA file must be a PEM certificate').optional(),
      })
      .strict()
      .optional(),
    dimse: z
      .object({
        calledAet: aet,
        host: z.string().trim().min(1, 'A host is required').max(255),
        port: z.number().int().min(1).max(65535),
        callingAet: aet.optional(),
        /** 'move': C-MOVE to our own storage SCP on `movePort` (the PACS must know our AE title, this host and port), for a PACS that refuses C-GET. */
        retrieve: z.enum(['get', 'move']).optional(),
        movePort: z.number().int().min(1).max(65535).optional(),
      })
      .strict()
      .refine((d) => d.retrieve !== 'move' || d.movePort !== undefined, { message: 'C-MOVE needs the port our storage SCP listens on', path: ['movePort'] })
      .optional(),
    research: z.boolean().optional(),
  })
  .strict()
  .refine((n) => n.dicomweb || n.dimse, { message: 'Give a DICOMweb address, DIMSE settings, or both', path: ['dicomweb'] });

export type PacsNodeInput = z.input<typeof pacsNodeInput>;

export const pacsQuery = z
  .object({
    nodeId: id,
    patientName: z.string().trim().max(64).optional(),
    patientId: z.string().trim().max(64).optional(),
    accessionNumber: z.string().trim().max(16).optional(),
    modality: z.string().trim().toUpperCase().regex(/^[A-Z0-9]{0,16}$/, 'A modality is letters and digits, e.g. CR or CT').optional(),
    studyDateFrom: dicomDate.optional(),
    studyDateTo: dicomDate.optional(),
    via: z.enum(['dicomweb', 'dimse']).optional(),
    limit: z.number().int().min(1).max(1000).optional(),
  })
  .strict();

export const retrieveRequest = z
  .object({
    nodeId: id,
    studyUids: z.array(uid).min(1, 'Choose at least one study').max(500),
    /** Only these series of those studies (all series when absent). */
    seriesUids: z.array(uid).max(5000).optional(),
    via: z.enum(['dicomweb', 'dimse']).optional(),
  })
  .strict();

export const pacsChannels = {
  'pacs:nodes': channel<PacsNode[]>()({
    input: z.object({}).strict(),
    access: 'clinician',
    audit: 'none',
    doc: 'The configured PACS nodes (no secrets: only whether one is stored).',
  }),
  'pacs:addNode': channel<PacsNode>()({
    input: pacsNodeInput,
    access: 'admin',
    audit: 'change',
    doc: 'Adds a PACS node (DICOMweb and/or DIMSE); credentials are kept encrypted and never shown again.',
  }),
  'pacs:removeNode': channel<{ removed: boolean }>()({
    input: z.object({ nodeId: id }).strict(),
    access: 'admin',
    audit: 'change',
    doc: 'Removes a PACS node; what was retrieved from it stays.',
  }),
  'pacs:echo': channel<PacsEchoReport>()({
    input: z.object({ nodeId: id }).strict(),
    access: 'clinician',
    audit: 'none',
    doc: 'Tests the connection: C-ECHO and a DICOMweb query, each with its time.',
  }),
  'pacs:query': channel<PacsStudy[]>()({
    input: pacsQuery,
    access: 'clinician',
    audit: 'read',
    doc: 'Finds studies on a PACS by patient name (* and ? wildcards), patient ID, accession number, study dates and modality.',
  }),
  'pacs:series': channel<PacsSeries[]>()({
    input: z.object({ nodeId: id, studyUid: uid, via: z.enum(['dicomweb', 'dimse']).optional() }).strict(),
    access: 'clinician',
    audit: 'read',
    doc: 'The series of one study on a PACS.',
  }),
  'pacs:retrieveStart': channel<RetrieveStatus>()({
    input: retrieveRequest,
    access: 'clinician',
    audit: 'change',
    doc: 'Starts retrieving studies or series into CareLens in the background; progress comes as pacs:progress.',
  }),
  'pacs:retrieve': channel<RetrieveSummary>()({
    input: retrieveRequest,
    access: 'clinician',
    audit: 'change',
    doc: 'Retrieves studies or series and answers with the import summary when done (the CLI).',
  }),
  'pacs:resume': channel<RetrieveStatus>()({
    input: z.object({ retrieveId: id }).strict(),
    access: 'clinician',
    audit: 'change',
    doc: 'Starts a cancelled or interrupted retrieve again; instances already stored are skipped.',
  }),
  'pacs:cancel': channel<RetrieveStatus>()({
    input: z.object({ retrieveId: id }).strict(),
    access: 'clinician',
    audit: 'change',
    doc: 'Stops a running retrieve; what was stored stays, and it can be resumed.',
  }),
  'pacs:retrieves': channel<RetrieveStatus[]>()({
    input: z.object({ limit: z.number().int().min(1).max(200).optional() }).strict(),
    access: 'clinician',
    audit: 'none',
    doc: 'Recent retrieves, newest first.',
  }),
  'pacs:retrieveSummary': channel<RetrieveSummary>()({
    input: z.object({ retrieveId: id }).strict(),
    access: 'clinician',
    audit: 'read',
    doc: "A retrieve's import summary: counts, failures, and the studies now in CareLens.",
  }),
  'pacs:send': channel<SendResult>()({
    input: z
      .object({
        nodeId: id,
        diagnosisIds: z.array(id).min(1, 'Choose at least one reviewed finding').max(200),
        /** De-identified copies (required for a research node). */
        deidentify: z.boolean().optional(),
        via: z.enum(['dicomweb', 'dimse']).optional(),
      })
      .strict(),
    access: 'clinician',
    audit: 'export',
    doc: 'Sends reviewed findings to a PACS: a Comprehensive SR and a heatmap Secondary Capture each, marked decision support.',
  }),
};

export const pacsEvents = {
  /** Retrieve progress, a few times a second, and once when it ends. */
  'pacs:progress': event<RetrieveStatus>(),
};
