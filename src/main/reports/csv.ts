import { hasNoId } from '../../shared/domain/patient';
import type { ReportCase, ReportDiagnosis, ReportImage, ReportMeasurement, ReportStudy } from '../../shared/domain/reports';
import { csvRow, toCsv } from '../../shared/csv';
import { CSV_HEADERS_ZH } from './dataWords';
import type { ReportLanguage } from './pdf/words';

export const CSV_COLUMNS = [
  'record_type',
  'patient_id',
  'patient_name',
  'mrn',
  'birth_date',
  'sex',
  'study_uid',
  'study_date',
  'study_description',
  'series_uid',
  'modality',
  'image_id',
  'sop_instance_uid',
  'instance_number',
  'labels',
  'diagnosis',
  'confidence',
  'uncertain',
  'clinician_review',
  'final_class',
  'model_version',
  'care_plan',
  'plan_status',
  'plan_reason',
  'decided_by',
  'decided_at',
  'measurement',
  'measurement_frame',
  'measurement_value',
  'measurement_unit',
  'measurement_sd',
  'measurement_min',
  'measurement_max',
  'measurement_pixels',
  'measurement_area',
  'measurement_area_unit',
  'probe_stored_value',
  'spacing_mm',
  'spacing_source',
  'measured_by',
  'measured_at',
  'deidentified',
] as const;

type Row = Partial<Record<(typeof CSV_COLUMNS)[number], string | number | boolean | null>>;

const num = (v: number | null | undefined, digits = 4): number | null => (v === null || v === undefined ? null : Number(v.toFixed(digits)));

/**
 * A measurement's cells: the main value and its unit (length in mm, or px when uncalibrated;
 * angle in deg; probe and ROI mean in modality units, HU for CT), the ROI's spread and area, the
 * stored pixel value of a probe, and the spacing it was computed with (rows\columns, DICOM order).
 */
function measurementCells(m: ReportMeasurement): Row {
  const stats = m.stats;
  const value = m.kind === 'length' ? (m.valueMm ?? m.valuePx) : m.kind === 'angle' ? m.angleDeg : m.kind === 'probe' ? (m.probe?.value ?? null) : (stats?.mean ?? null);
  const unit = m.kind === 'length' ? (m.valueMm !== null ? 'mm' : 'px') : m.kind === 'angle' ? 'deg' : m.unit;
  return {
    measurement: m.kind,
    measurement_frame: m.frame,
    measurement_value: num(value),
    measurement_unit: unit,
    measurement_sd: num(stats?.sd),
    measurement_min: num(stats?.min),
    measurement_max: num(stats?.max),
    measurement_pixels: stats?.count ?? null,
    measurement_area: stats ? num(stats.areaMm2 ?? stats.areaPx) : null,
    measurement_area_unit: stats ? (stats.areaMm2 !== null ? 'mm2' : 'px2') : null,
    probe_stored_value: m.probe ? num(m.probe.raw) : null,
    spacing_mm: m.spacing ? `${m.spacing[0]}\\${m.spacing[1]}` : null,
    spacing_source: m.spacingSource ?? 'uncalibrated',
    measured_by: m.createdBy,
    measured_at: m.createdAt,
  };
}

function latestDiagnosis(diagnoses: ReportDiagnosis[]): ReportDiagnosis | undefined {
  return [...diagnoses].sort((a, b) => b.createdAt.localeCompare(a.createdAt))[0];
}

/**
 * A case as CSV (RFC 4180, CRLF, formula-looking cells defused, UTF-8 with BOM so spreadsheets read CJK names): one row per
 * image (its labels, latest diagnosis, confidence, model version), one per measurement and one per care-plan assignment.
 */
export function caseToCsv(c: ReportCase, withHeader = true, language: ReportLanguage = 'en'): string {
  const base: Row = {
    patient_id: c.patient.id,
    patient_name: c.patient.name,
    // Empty for a patient registered from DICOM without a Patient ID (its NO-ID key is no MRN).
    mrn: hasNoId(c.patient) ? '' : c.patient.mrn,
    birth_date: c.patient.birthDate,
    sex: c.patient.sex,
    deidentified: c.deidentified,
  };
  const rows: Row[] = [];
  const byImage = new Map<string, ReportDiagnosis[]>();
  for (const d of c.diagnoses) {
    if (!d.imageId) continue;
    byImage.set(d.imageId, [...(byImage.get(d.imageId) ?? []), d]);
  }
  const imageRow = (image: ReportImage, study: ReportStudy | null, seriesUid: string | null): Row => {
    const d = latestDiagnosis(byImage.get(image.id) ?? []);
    return {
      ...base,
      record_type: 'image',
      study_uid: study?.studyUid ?? null,
      study_date: study?.studyDate ?? null,
      study_description: study?.description ?? null,
      series_uid: seriesUid,
      modality: image.modality,
      image_id: image.id,
      sop_instance_uid: image.sopInstanceUid,
      instance_number: image.instanceNumber,
      labels: image.labels.map((l) => `${l.labelSet}=${l.className}`).join('; '),
      diagnosis: d?.finding ?? null,
      confidence: d ? Number(d.confidence.toFixed(4)) : null,
      uncertain: d ? d.uncertain : null,
      clinician_review: d?.review?.status ?? (d ? 'pending' : null),
      final_class: d?.review?.finalClass ?? null,
      model_version: d?.modelVersionId ?? null,
    };
  };
  for (const study of c.studies) for (const s of study.series) for (const image of s.images) rows.push(imageRow(image, study, s.seriesUid));
  for (const image of c.looseImages) rows.push(imageRow(image, null, null));
  // One row per measurement, with its image's study, series and instance.
  const where = new Map<string, { image: ReportImage; study: ReportStudy | null; seriesUid: string | null }>();
  for (const study of c.studies) for (const s of study.series) for (const image of s.images) where.set(image.id, { image, study, seriesUid: s.seriesUid });
  for (const image of c.looseImages) where.set(image.id, { image, study: null, seriesUid: null });
  for (const m of c.measurements) {
    const at = where.get(m.imageId);
    rows.push({
      ...base,
      record_type: 'measurement',
      study_uid: at?.study?.studyUid ?? null,
      study_date: at?.study?.studyDate ?? null,
      series_uid: at?.seriesUid ?? null,
      modality: at?.image.modality ?? null,
      image_id: m.imageId,
      sop_instance_uid: at?.image.sopInstanceUid ?? null,
      instance_number: at?.image.instanceNumber ?? null,
      ...measurementCells(m),
    });
  }
  for (const plan of c.carePlans) {
    rows.push({
      ...base,
      record_type: 'careplan',
      care_plan: plan.planName,
      plan_status: plan.status,
      plan_reason: plan.reason,
      decided_by: plan.decidedBy,
      decided_at: plan.decidedAt,
    });
  }
  const cells = rows.map((r) => CSV_COLUMNS.map((col) => r[col]));
  // The header is in the export's language (English: the column codes); the cells keep their codes.
  const header = language === 'zh-CN' ? CSV_COLUMNS.map((col) => CSV_HEADERS_ZH[col] ?? col) : CSV_COLUMNS;
  return withHeader ? '\uFEFF' + toCsv(header, cells) : cells.map((r) => csvRow(r) + '\r\n').join('');
}
