import { z } from 'zod';
import { channel, event } from './define';
import type {
  DicomTagRow,
  FramePixels,
  ImageDetail,
  ImagePage,
  ImagingPatient,
  ImagingSeries,
  ImagingStudy,
  ImportReport,
  ImportStatus,
  ImportSummary,
  Thumbnail,
} from '../domain/imaging';

const id = z.string().min(1).max(64);

export const importOptions = z
  .object({
    paths: z.array(z.string().trim().min(1, 'A folder path is required').max(4096)).min(1, 'Give at least one folder').max(64),
    patientId: z.string().trim().min(1).max(64).optional(),
    patientFromFolders: z.boolean().optional(),
    labelsFromFolders: z.boolean().optional(),
    labelSet: z.string().trim().min(1).max(120).optional(),
  })
  .strict()
  .refine((o) => !(o.patientId && o.patientFromFolders), { message: 'Choose one patient, or patients from folder names, not both', path: ['patientFromFolders'] });

export const imagingChannels = {
  'imaging:importStart': channel<ImportStatus>()({
    input: importOptions,
    access: 'clinician',
    audit: 'change',
    doc: 'Starts importing folders in the background; progress arrives as imaging:progress events.',
  }),
  'imaging:import': channel<ImportSummary & { importId: string }>()({
    input: importOptions,
    access: 'clinician',
    audit: 'change',
    doc: 'Imports folders and answers when done (the CLI); progress still arrives as events.',
  }),
  'imaging:importCancel': channel<ImportStatus>()({
    input: z.object({ importId: id }).strict(),
    access: 'clinician',
    audit: 'change',
    doc: 'Stops a running import; what was imported stays.',
  }),
  'imaging:importStatus': channel<ImportStatus>()({
    input: z.object({ importId: id }).strict(),
    access: 'clinician',
    audit: 'none',
    doc: 'One import: its state and counts.',
  }),
  'imaging:imports': channel<ImportStatus[]>()({
    input: z.object({ limit: z.number().int().min(1).max(200).optional() }).strict(),
    access: 'clinician',
    audit: 'none',
    doc: 'Recent imports, newest first.',
  }),
  'imaging:importReport': channel<ImportReport>()({
    input: z.object({ importId: id, limit: z.number().int().min(1).max(10_000).optional(), offset: z.number().int().min(0).optional() }).strict(),
    access: 'clinician',
    audit: 'read',
    doc: "An import's report: every file that was not imported, with the reason, and every duplicate, with the stored image it duplicates.",
  }),
  'imaging:importReportCsv': channel<{ fileName: string; csv: string }>()({
    input: z.object({ importId: id }).strict(),
    access: 'clinician',
    audit: 'export',
    doc: "An import's report as CSV to save: failures and duplicates (path, outcome, reason, duplicate_of_image, duplicate_of_path, duplicate_from).",
  }),
  'imaging:patients': channel<ImagingPatient[]>()({
    input: z.object({ query: z.string().max(200).optional() }).strict(),
    access: 'clinician',
    audit: 'read',
    doc: 'Patients that have images, plus the unassigned images as one entry.',
  }),
  'imaging:studies': channel<ImagingStudy[]>()({
    input: z.object({ patientId: id.nullable() }).strict(),
    access: 'clinician',
    audit: 'read',
    doc: "A patient's imaging studies (null: studies of DICOM files without a Patient ID).",
  }),
  'imaging:patientOverview': channel<PatientOverview>()({
    input: z.object({ patientId: id.nullable() }).strict(),
    access: 'clinician',
    audit: 'read',
    doc:
      "A patient's imaging in one call (null: the unassigned images): their studies, each with its series, the count of their images without a series, " +
      'and the images the Images page opens first (the only series of the only study, or the images without a series when there is no study). ' +
      'It replaces the four calls that opening a patient made one after the other (imaging:studies, imaging:images for the count, imaging:series, imaging:images), so the viewer starts after one round trip.',
  }),
  'imaging:series': channel<ImagingSeries[]>()({
    input: z.object({ studyId: id }).strict(),
    access: 'clinician',
    audit: 'read',
    doc: "A study's series.",
  }),
  'imaging:images': channel<ImagePage>()({
    input: z
      .object({
        seriesId: id.optional(),
        patientId: id.optional(),
        unassigned: z.boolean().optional(),
        /** Images without a series (PNG/JPEG) of the given patient. */
        noSeries: z.boolean().optional(),
        labelSet: z.string().max(120).optional(),
        limit: z.number().int().min(1).max(20_000).optional(),
        offset: z.number().int().min(0).optional(),
      })
      .strict(),
    access: 'clinician',
    audit: 'read',
    doc: 'Images of a series, a patient, or the unassigned ones (with their labels).',
  }),
  'imaging:image': channel<ImageDetail>()({
    input: z.object({ id }).strict(),
    access: 'clinician',
    audit: 'read',
    doc: "One image's metadata and labels.",
  }),
  'imaging:frame': channel<FramePixels>()({
    input: z.object({ id, frame: z.number().int().min(0).max(100_000).optional(), preview: z.boolean().optional() }).strict(),
    access: 'clinician',
    audit: 'read',
    doc: "One frame's decoded pixels for the viewer; `preview` may answer a large JPEG 2000 at a lower resolution first.",
  }),
  'imaging:thumbnails': channel<Thumbnail[]>()({
    input: z.object({ ids: z.array(id).min(1).max(200) }).strict(),
    access: 'clinician',
    audit: 'none',
    doc: 'Grid thumbnails (small PNGs) for up to 200 images.',
  }),
  'imaging:tags': channel<DicomTagRow[]>()({
    input: z.object({ id }).strict(),
    access: 'clinician',
    audit: 'read',
    doc: "A DICOM image's tags for the tags panel (empty for PNG/JPEG).",
  }),
};

/** As many images as the Images page lists for one series or source (ids and metadata are small; thumbnails come lazily). */
export const SOURCE_PAGE_LIMIT = 20_000;

/** The answer of `imaging:patientOverview`: what the Images page shows when a patient is opened. */
export interface PatientOverview {
  /** The patient's studies as `imaging:studies` lists them, each with its series as `imaging:series` lists them. */
  studies: { study: ImagingStudy; series: ImagingSeries[] }[];
  /** How many of the patient's images have no series (PNG/JPEG), as `imaging:images` with `noSeries` counts them. */
  looseCount: number;
  /** The study the page opens: the only one, when the patient has no images without a series; else null (the page waits for a choice). */
  openStudyId: string | null;
  /**
   * The images the page shows at once (the first page of `imaging:images`, SOURCE_PAGE_LIMIT long): the only
   * series of the study opened, or the images without a series when there is no study; else null.
   */
  opened: { kind: 'series'; seriesId: string; page: ImagePage } | { kind: 'loose'; page: ImagePage } | null;
}

/**
 * What an import's push event carries: its id and counts, never the folders it reads or its error
 * (which names files); the page asks `imaging:importStatus` for those.
 */
export type ImportProgress = Omit<ImportStatus, 'paths' | 'error'>;

/** The event payload of a status: the same object without the folders and the error. */
export function importProgressOf(status: ImportStatus): ImportProgress {
  const { paths: _paths, error: _error, ...progress } = status;
  return progress;
}

export const imagingEvents = {
  /** Import progress (ids and counts only), at most a few times a second, and once when the import ends. */
  'imaging:progress': event<ImportProgress>(),
};
