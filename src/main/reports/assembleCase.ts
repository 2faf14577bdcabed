import type { Db } from '../db/connection';
import { AppError } from '../../shared/ipc/envelope';
import type { Sex } from '../../shared/domain/patient';
import type { ReportCase, ReportImage, ReportLabel, ReportPatient, ReportStudy } from '../../shared/domain/reports';
import type { ReportProviders } from './providers';

interface PatientRow {
  id: string;
  mrn: string;
  name: string;
  birth_date: string | null;
  sex: Sex;
  notes: string;
}
interface StudyRow {
  id: string;
  study_uid: string | null;
  study_date: string | null;
  description: string;
  accession: string;
}
interface SeriesRow {
  id: string;
  study_id: string;
  series_uid: string | null;
  modality: string;
  body_part: string;
  description: string;
  series_number: number | null;
}
interface ImageRow {
  id: string;
  series_id: string | null;
  sop_instance_uid: string | null;
  sha256: string;
  format: 'dicom' | 'png' | 'jpeg';
  modality: string;
  rows: number | null;
  columns: number | null;
  frames: number;
  instance_number: number | null;
  window_center: number | null;
  window_width: number | null;
}
interface LabelRow {
  image_id: string;
  label_set: string;
  class_name: string;
  source: string;
  author: string;
  created_at: string;
}

/** A patient by CareLens id or MRN, as everywhere in CareLens. */
export function findReportPatient(db: Db, idOrMrn: string): ReportPatient {
  const row = (db.prepare('SELECT id, mrn, name, birth_date, sex, notes FROM patients WHERE id = ?').get(idOrMrn) ??
    db.prepare('SELECT id, mrn, name, birth_date, sex, notes FROM patients WHERE mrn = ?').get(idOrMrn)) as PatientRow | undefined;
  if (!row) throw new AppError('NOT_FOUND', `No patient with id or MRN "${idOrMrn}".`);
  return { id: row.id, mrn: row.mrn, name: row.name, birthDate: row.birth_date, sex: row.sex, notes: row.notes };
}

function toImage(row: ImageRow, labels: ReportLabel[]): ReportImage {
  return {
    id: row.id,
    sopInstanceUid: row.sop_instance_uid,
    format: row.format,
    modality: row.modality,
    rows: row.rows,
    columns: row.columns,
    frames: row.frames,
    instanceNumber: row.instance_number,
    windowCenter: row.window_center,
    windowWidth: row.window_width,
    sha256: row.sha256,
    labels,
  };
}

/**
 * Assembles one patient's case: the clinical tables directly, the other features through
 * `providers`. `studyIds` limits the studies (and the diagnoses to those studies' images);
 * ids of other patients' studies are ignored here (ExportService checks they exist).
 */
export function assembleCase(db: Db, idOrMrn: string, providers: ReportProviders, studyIds?: string[]): ReportCase {
  const patient = findReportPatient(db, idOrMrn);
  const notes: string[] = [];

  let studyRows = db
    .prepare('SELECT id, study_uid, study_date, description, accession FROM studies WHERE patient_id = ? ORDER BY study_date, created_at, id')
    .all(patient.id) as StudyRow[];
  if (studyIds && studyIds.length > 0) {
    // The chosen studies may span several patients (a batch): each report keeps its own.
    const wanted = new Set(studyIds);
    studyRows = studyRows.filter((r) => wanted.has(r.id));
  }

  const seriesRows = db
    .prepare(
      `SELECT s.id, s.study_id, s.series_uid, s.modality, s.body_part, s.description, s.series_number
       FROM series s JOIN studies st ON st.id = s.study_id WHERE st.patient_id = ? ORDER BY s.series_number, s.created_at, s.id`,
    )
    .all(patient.id) as SeriesRow[];
  const imageRows = db
    .prepare(
      `SELECT id, series_id, sop_instance_uid, sha256, format, modality, rows, columns, frames, instance_number, window_center, window_width
       FROM images WHERE patient_id = ? ORDER BY instance_number, created_at, id`,
    )
    .all(patient.id) as ImageRow[];
  // The current label of an image in a set is its newest row there; a NULL class means cleared.
  const labelRows = db
    .prepare(
      `SELECT l.image_id, ls.name AS label_set, l.class_name, l.source, l.author, l.created_at
       FROM labels l JOIN label_sets ls ON ls.id = l.label_set_id JOIN images i ON i.id = l.image_id
       WHERE i.patient_id = ? AND l.id = (SELECT MAX(l2.id) FROM labels l2 WHERE l2.image_id = l.image_id AND l2.label_set_id = l.label_set_id)
         AND l.class_name IS NOT NULL
       ORDER BY ls.name`,
    )
    .all(patient.id) as LabelRow[];
  const labelsByImage = new Map<string, ReportLabel[]>();
  for (const l of labelRows) {
    const list = labelsByImage.get(l.image_id) ?? [];
    list.push({ labelSet: l.label_set, className: l.class_name, source: l.source, author: l.author, createdAt: l.created_at });
    labelsByImage.set(l.image_id, list);
  }

  const imagesBySeries = new Map<string, ReportImage[]>();
  const looseImages: ReportImage[] = [];
  const seriesIds = new Set(seriesRows.map((s) => s.id));
  for (const row of imageRows) {
    const image = toImage(row, labelsByImage.get(row.id) ?? []);
    if (row.series_id && seriesIds.has(row.series_id)) {
      const list = imagesBySeries.get(row.series_id) ?? [];
      list.push(image);
      imagesBySeries.set(row.series_id, list);
    } else if (!row.series_id) {
      looseImages.push(image);
    }
  }

  const studies: ReportStudy[] = studyRows.map((st) => ({
    id: st.id,
    studyUid: st.study_uid,
    studyDate: st.study_date,
    description: st.description,
    accession: st.accession,
    series: seriesRows
      .filter((s) => s.study_id === st.id)
      .map((s) => ({
        id: s.id,
        seriesUid: s.series_uid,
        modality: s.modality,
        bodyPart: s.body_part,
        description: s.description,
        seriesNumber: s.series_number,
        images: imagesBySeries.get(s.id) ?? [],
      })),
  }));
  const limitToStudies = Boolean(studyIds && studyIds.length > 0);
  const includedImageIds = new Set<string>([...studies.flatMap((s) => s.series.flatMap((se) => se.images.map((i) => i.id))), ...(limitToStudies ? [] : looseImages.map((i) => i.id))]);
  const includedStudyIds = new Set(studies.map((s) => s.id));

  let diagnoses = providers.diagnoses(patient.id);
  if (diagnoses === null) {
    notes.push('No diagnoses: the diagnosis feature is not available in this build.');
    diagnoses = [];
  }
  if (limitToStudies) {
    diagnoses = diagnoses.filter((d) => (d.imageId ? includedImageIds.has(d.imageId) : d.studyId ? includedStudyIds.has(d.studyId) : true));
  }
  const modelIds = [...new Set(diagnoses.map((d) => d.modelVersionId).filter((m): m is string => Boolean(m)))];
  let modelVersions = modelIds.length > 0 ? providers.modelVersions(modelIds) : [];
  if (modelVersions === null) {
    notes.push('No model cards: the model registry is not available in this build.');
    modelVersions = [];
  }
  let carePlans = providers.carePlans(patient.id);
  if (carePlans === null) {
    notes.push('No care plans: the care-plan feature is not available in this build.');
    carePlans = [];
  }

  return {
    patient,
    studies,
    looseImages: limitToStudies ? [] : looseImages,
    diagnoses,
    modelVersions,
    carePlans,
    deidentified: false,
    notes,
  };
}

/** Every image of a case, studies first. */
export function caseImages(c: ReportCase): ReportImage[] {
  return [...c.studies.flatMap((s) => s.series.flatMap((se) => se.images)), ...c.looseImages];
}
