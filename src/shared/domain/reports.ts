/**
 * What a report is made of: one patient's case, assembled from the shared clinical tables
 * (patient, studies, series, images, labels) and from the other features (diagnoses,
 * model versions, care plans). The PDF, CSV and FHIR writers all read this one shape.
 */
import type { Sex } from './patient';
import type { Measurement } from './measurements';

export type ExportFormat = 'pdf' | 'csv' | 'fhir';
export const EXPORT_FORMATS: readonly ExportFormat[] = ['pdf', 'csv', 'fhir'];

export interface ReportLabel {
  labelSet: string;
  className: string;
  source: string;
  author: string;
  createdAt: string;
}

export interface ReportImage {
  id: string;
  sopInstanceUid: string | null;
  format: 'dicom' | 'png' | 'jpeg';
  modality: string;
  rows: number | null;
  columns: number | null;
  frames: number;
  instanceNumber: number | null;
  windowCenter: number | null;
  windowWidth: number | null;
  /** Content hash of the stored file; dropped when de-identified (it links back to the file). */
  sha256: string | null;
  labels: ReportLabel[];
}

export interface ReportSeries {
  id: string;
  seriesUid: string | null;
  modality: string;
  bodyPart: string;
  description: string;
  seriesNumber: number | null;
  images: ReportImage[];
}

export interface ReportStudy {
  id: string;
  studyUid: string | null;
  studyDate: string | null;
  description: string;
  accession: string;
  series: ReportSeries[];
}

/** The clinician's word on a model output. */
export interface ReportReview {
  status: 'pending' | 'confirmed' | 'overridden';
  /** The class the clinician settled on (the override's class, or the model's when confirmed). */
  finalClass: string | null;
  by: string | null;
  at: string | null;
  note: string;
}

export interface ReportDiagnosis {
  id: string;
  imageId: string | null;
  studyId: string | null;
  modelVersionId: string | null;
  /** The model's top class. */
  finding: string;
  /** Calibrated probability of `finding`, 0..1. */
  confidence: number;
  /** The model's own flag that this output should not be trusted without a closer look. */
  uncertain: boolean;
  /** Every class's probability, when the model gave them. */
  probabilities: { className: string; probability: number }[];
  hasHeatmap: boolean;
  review: ReportReview | null;
  createdAt: string;
  createdBy: string;
}

export interface ReportMetric {
  name: string;
  value: number;
  /** e.g. 'test' (held-out), 'val'. */
  split: string;
}

/** A short model card: what the model is, what it learnt from, how it did on held-out data. */
export interface ReportModelVersion {
  id: string;
  name: string;
  architecture: string;
  createdAt: string;
  createdBy: string;
  classes: string[];
  /** What data it was trained on, in words. */
  dataSummary: string;
  metrics: ReportMetric[];
  /** Known gaps (subgroups where it is weaker), in words. */
  subgroupGaps: string[];
  intendedUse: string;
}

export interface ReportCarePlan {
  id: string;
  planName: string;
  status: 'accepted' | 'declined' | 'proposed' | 'completed' | 'cancelled';
  reason: string;
  decidedBy: string | null;
  decidedAt: string | null;
  startDate: string | null;
  steps: string[];
}

export interface ReportPatient {
  id: string;
  mrn: string;
  name: string;
  birthDate: string | null;
  sex: Sex;
  notes: string;
}

/** A measurement on one of the case's images (values as the measurements feature stored them), with the image's study when it has one. */
export type ReportMeasurement = Measurement & { studyId: string | null };

/** One patient's case, ready to render. */
export interface ReportCase {
  patient: ReportPatient;
  studies: ReportStudy[];
  /** Images of the patient that belong to no study (PNG/JPEG assigned to the patient). */
  looseImages: ReportImage[];
  diagnoses: ReportDiagnosis[];
  modelVersions: ReportModelVersion[];
  carePlans: ReportCarePlan[];
  /** Measurements on the case's images (length, angle, probe, ROI), oldest first. */
  measurements: ReportMeasurement[];
  /** True when names, ids and dates were replaced (see docs/reports.md). */
  deidentified: boolean;
  /** What the assembler could not fill yet (e.g. "no diagnoses feature yet"), shown in the report. */
  notes: string[];
}

export interface ReportSettings {
  clinicName: string;
  /** A PNG or JPEG logo as a data: URL, or null. */
  clinicLogo: string | null;
}

export type ExportJobState = 'running' | 'done' | 'cancelled' | 'failed';

export interface ExportFile {
  /** The patient this file is for (their CareLens id; the pseudonym when de-identified is in `label`). */
  patientId: string;
  /** Patient name and MRN, or the pseudonym when de-identified. */
  label: string;
  fileName: string;
  path: string;
  bytes: number;
  sha256: string;
  kind: ExportFormat | 'dicom' | 'index';
}

export interface ExportFailure {
  patient: string;
  message: string;
}

export interface ExportJob {
  id: string;
  /** The patients exported (CareLens ids), so the audit trail links the export to each of them. */
  patientIds: string[];
  format: ExportFormat;
  deidentified: boolean;
  includeDicom: boolean;
  state: ExportJobState;
  outDir: string;
  total: number;
  done: number;
  files: ExportFile[];
  failures: ExportFailure[];
  /** Things the user should know (e.g. a DICOM file skipped because its pixels may show a name). */
  warnings: string[];
  startedAt: string;
  finishedAt: string | null;
  startedBy: string;
  durationMs: number | null;
}

export interface ExportProgress {
  jobId: string;
  state: ExportJobState;
  done: number;
  total: number;
  /** The patient just finished (label as in ExportFile). */
  current: string | null;
}

/** A preview of what a report will hold, for the Reports view. */
export interface ReportPreview {
  patientId: string;
  patientName: string;
  mrn: string;
  studies: number;
  images: number;
  diagnoses: number;
  carePlans: number;
  notes: string[];
  /** The patient's studies, to choose from (a report holds all of them unless some are chosen). */
  studyList: { id: string; date: string | null; description: string; modalities: string[]; images: number }[];
}
