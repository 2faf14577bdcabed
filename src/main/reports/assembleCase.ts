import type { Db } from '../db/connection';
import { AppError } from '../../shared/ipc/envelope';
import type { ReportCase, ReportImage, ReportLabel, ReportPatient, ReportStudy } from '../../shared/domain/reports';
import { imagesOfPatient, seriesOfPatient, studiesOfPatient, type ImageRecord } from '../imaging/ports';
import { currentLabelsOfImages } from '../labels/ports';
import { findPatient } from '../patients/ports';
import type { ReportProviders } from './providers';

/** A patient by CareLens id or MRN, as everywhere in CareLens. */
export function findReportPatient(db: Db, idOrMrn: string): ReportPatient {
  const p = findPatient(db, idOrMrn);
  if (!p) throw new AppError('NOT_FOUND', `No patient with id or MRN "${idOrMrn}".`, { key: 'errors.reports.noPatientWithId', params: { idOrMrn } });
  return { id: p.id, mrn: p.mrn, name: p.name, birthDate: p.birthDate, sex: p.sex, notes: p.notes };
}

function toImage(row: ImageRecord, labels: ReportLabel[]): ReportImage {
  return {
    id: row.id,
    sopInstanceUid: row.sopInstanceUid,
    format: row.format,
    modality: row.modality,
    rows: row.rows,
    columns: row.columns,
    frames: row.frames,
    instanceNumber: row.instanceNumber,
    windowCenter: row.windowCenter,
    windowWidth: row.windowWidth,
    sha256: row.sha256,
    labels,
  };
}

/**
 * Assembles one patient's case: the record, images and labels through their owners' ports,
 * diagnoses, model cards, care plans and measurements through `providers`. `studyIds` limits the studies (and the diagnoses to those studies' images);
 * ids of other patients' studies are ignored here (ExportService checks they exist).
 */
export function assembleCase(db: Db, idOrMrn: string, providers: ReportProviders, studyIds?: string[]): ReportCase {
  const patient = findReportPatient(db, idOrMrn);
  const notes: string[] = [];

  let studyRows = studiesOfPatient(db, patient.id);
  if (studyIds && studyIds.length > 0) {
    // The chosen studies may span several patients (a batch): each report keeps its own.
    const wanted = new Set(studyIds);
    studyRows = studyRows.filter((r) => wanted.has(r.id));
  }

  const seriesRows = seriesOfPatient(db, patient.id);
  const imageRows = imagesOfPatient(db, patient.id);
  const labelsByImage = new Map<string, ReportLabel[]>();
  // In set-name order, so each image's labels are too.
  for (const l of currentLabelsOfImages(db, imageRows.map((i) => i.id))) {
    const list = labelsByImage.get(l.imageId) ?? [];
    list.push({ labelSet: l.labelSet, className: l.className, source: l.source, author: l.author, createdAt: l.createdAt });
    labelsByImage.set(l.imageId, list);
  }

  const imagesBySeries = new Map<string, ReportImage[]>();
  const looseImages: ReportImage[] = [];
  const seriesIds = new Set(seriesRows.map((s) => s.id));
  for (const row of imageRows) {
    const image = toImage(row, labelsByImage.get(row.id) ?? []);
    if (row.seriesId && seriesIds.has(row.seriesId)) {
      const list = imagesBySeries.get(row.seriesId) ?? [];
      list.push(image);
      imagesBySeries.set(row.seriesId, list);
    } else if (!row.seriesId) {
      looseImages.push(image);
    }
  }

  const studies: ReportStudy[] = studyRows.map((st) => ({
    id: st.id,
    studyUid: st.studyUid,
    studyDate: st.studyDate,
    description: st.description,
    accession: st.accession,
    series: seriesRows
      .filter((s) => s.studyId === st.id)
      .map((s) => ({
        id: s.id,
        seriesUid: s.seriesUid,
        modality: s.modality,
        bodyPart: s.bodyPart,
        description: s.description,
        seriesNumber: s.seriesNumber,
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

  let measurements = providers.measurements(patient.id);
  if (measurements === null) {
    notes.push('No measurements: the measurements feature is not available in this build.');
    measurements = [];
  }
  // Only measurements on the images the report holds (its studies, or every image).
  measurements = measurements.filter((m) => includedImageIds.has(m.imageId));

  return {
    patient,
    studies,
    looseImages: limitToStudies ? [] : looseImages,
    diagnoses,
    modelVersions,
    carePlans,
    measurements,
    deidentified: false,
    notes,
  };
}

/** Every image of a case, studies first. */
export function caseImages(c: ReportCase): ReportImage[] {
  return [...c.studies.flatMap((s) => s.series.flatMap((se) => se.images)), ...c.looseImages];
}
