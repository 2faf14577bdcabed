/**
 * Test fixtures for the reports feature: a case built from a real DICOM file's header, filed
 * through the patients, imaging and labels ports (the importer would refuse the same file
 * twice, and tests need several copies), and providers standing in for the ML and care-plan
 * features with plainly made-up clinical content. Used by tests and the bench only.
 */
import fs from 'node:fs';
import path from 'node:path';
import dicomParser from 'dicom-parser';
import type { Db } from '../db/connection';
import { newId } from '../core/ids';
import type { Sex } from '../../shared/domain/patient';
import { insertImage, insertSeries, insertStudy } from '../imaging/ports';
import { appendLabel, ensureLabelClass, ensureLabelSet } from '../labels/ports';
import { insertPatient } from '../patients/ports';
import type { ReportCarePlan, ReportDiagnosis, ReportMeasurement, ReportModelVersion } from '../../shared/domain/reports';
import type { ReportProviders } from './providers';

/** The shared data the project is handed (../shared/data); app/testing's SHARED_DATA, which a feature may not import. */
const SHARED_DATA = path.resolve(__dirname, '../../../../shared/data');

export const CHEST_CR = path.join(SHARED_DATA, 'dicom/ivmartel_dwv/gdcm-CR-MONO1-10-chest.dcm');
export const PNG_XRAY = path.join(SHARED_DATA, 'images/pneumoniamnist/test/1_pneumonia/test_00001.png');

export interface SeededCase {
  patientId: string;
  studyId: string;
  imageId: string;
  pngImageId: string;
  name: string;
  mrn: string;
  birthDate: string;
  dicomPath: string;
  studyUid: string;
  sopInstanceUid: string;
}

function str(ds: dicomParser.DataSet, tag: string): string | null {
  const v = ds.string(tag);
  return v === undefined || v === '' ? null : v;
}

function isoDate(dicomDate: string | null): string | null {
  return dicomDate && /^\d{8}$/.test(dicomDate) ? `${dicomDate.slice(0, 4)}-${dicomDate.slice(4, 6)}-${dicomDate.slice(6, 8)}` : null;
}

/** Registers a patient and files the real DICOM file's study/series/image under them (as the imaging import would). */
export function seedCase(db: Db, opts: { name: string; mrn: string; birthDate: string; sex?: string; dicom?: string; withPng?: boolean; uidSuffix?: string }): SeededCase {
  const dicomPath = opts.dicom ?? CHEST_CR;
  const bytes = fs.readFileSync(dicomPath);
  const ds = dicomParser.parseDicom(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length));
  const now = '2026-01-01T00:00:00.000Z';
  const patientId = newId();
  const studyId = newId();
  const seriesId = newId();
  const imageId = newId();
  const suffix = opts.uidSuffix ?? '';
  const studyUid = (str(ds, 'x0020000d') ?? '1.2.3') + suffix;
  const sopInstanceUid = (str(ds, 'x00080018') ?? '1.2.3.4') + suffix;
  insertPatient(db, {
    id: patientId,
    mrn: opts.mrn,
    name: opts.name,
    birthDate: opts.birthDate,
    sex: (opts.sex ?? 'F') as Sex,
    notes: `Lives at 12 Example Road; contact ${opts.name}`,
    createdAt: now,
    updatedAt: now,
  });
  insertStudy(db, {
    id: studyId,
    patientId,
    studyUid,
    studyDate: isoDate(str(ds, 'x00080020')) ?? '2001-01-01',
    description: str(ds, 'x00081030') ?? 'Chest radiograph',
    accession: `ACC-${opts.mrn}`,
    createdAt: now,
  });
  insertSeries(db, {
    id: seriesId,
    studyId,
    seriesUid: (str(ds, 'x0020000e') ?? '1.2.3.5') + suffix,
    modality: str(ds, 'x00080060') ?? 'CR',
    bodyPart: str(ds, 'x00180015') ?? 'CHEST',
    description: str(ds, 'x0008103e') ?? '',
    seriesNumber: Number(str(ds, 'x00200011') ?? '1') || 1,
    createdAt: now,
  });
  insertImage(db, {
    id: imageId,
    patientId,
    seriesId,
    sopInstanceUid,
    sha256: `${newId()}${newId()}`.replace(/-/g, '').slice(0, 64),
    format: 'dicom',
    originalPath: dicomPath,
    sizeBytes: bytes.length,
    rows: ds.uint16('x00280010') ?? null,
    columns: ds.uint16('x00280011') ?? null,
    frames: 1,
    windowCenter: Number(str(ds, 'x00281050')?.split('\\')[0] ?? 'NaN') || null,
    windowWidth: Number(str(ds, 'x00281051')?.split('\\')[0] ?? 'NaN') || null,
    modality: str(ds, 'x00080060') ?? 'CR',
    instanceNumber: Number(str(ds, 'x00200013') ?? '1') || 1,
    createdAt: now,
  });
  let pngImageId = '';
  if (opts.withPng) {
    pngImageId = newId();
    const png = fs.readFileSync(PNG_XRAY);
    insertImage(db, {
      id: pngImageId,
      patientId,
      seriesId: null,
      sha256: `${newId()}${newId()}`.replace(/-/g, '').slice(0, 64),
      format: 'png',
      originalPath: PNG_XRAY,
      sizeBytes: png.length,
      rows: 28,
      columns: 28,
      frames: 1,
      modality: '',
      createdAt: now,
    });
  }
  // A label set with the image's current label, and an older label that was replaced.
  const setId = ensureLabelSet(db, { id: newId(), name: 'pneumonia', description: '', createdBy: 'dr.li', createdAt: now });
  ensureLabelClass(db, setId, 'normal', 0);
  ensureLabelClass(db, setId, 'pneumonia', 1);
  appendLabel(db, { imageId, labelSetId: setId, className: 'normal', source: 'hand', author: 'dr.li', createdAt: now });
  appendLabel(db, { imageId, labelSetId: setId, className: 'pneumonia', source: 'review', author: 'dr.li', createdAt: '2026-01-02T00:00:00.000Z' });
  return { patientId, studyId, imageId, pngImageId, name: opts.name, mrn: opts.mrn, birthDate: opts.birthDate, dicomPath, studyUid, sopInstanceUid };
}

export const TEST_MODEL: ReportModelVersion = {
  id: 'mv-test-0001',
  name: 'PneumoniaNet v1',
  architecture: 'small CNN, 28x28 grey input',
  createdAt: '2026-01-01T00:00:00.000Z',
  createdBy: 'dr.li',
  classes: ['normal', 'pneumonia'],
  dataSummary: 'PneumoniaMNIST train split, 2428 paediatric chest X-rays',
  metrics: [
    { name: 'accuracy', value: 0.861, split: 'test' },
    { name: 'AUC', value: 0.93, split: 'test' },
  ],
  subgroupGaps: ['adults were not in the training data'],
  intendedUse: 'triage support for paediatric chest X-rays',
};

/**
 * Stand-in measurements on a seeded case's DICOM image (test inputs: the measurements feature's own
 * tests compute real ones): a length with non-square Pixel Spacing, an uncalibrated angle, a CT probe
 * and an ellipse ROI, by dr.wu.
 */
export function testMeasurements(s: SeededCase): ReportMeasurement[] {
  const base = { imageId: s.imageId, studyId: s.studyId, frame: 0, valueMm: null, valuePx: null, angleDeg: null, probe: null, stats: null, unit: '', spacing: [0.5, 0.25] as [number, number], spacingSource: 'PixelSpacing' as const, createdBy: 'dr.wu' };
  return [
    { ...base, id: `ms-len-${s.imageId}`, kind: 'length', points: [[10, 20], [180, 20]], valuePx: 170, valueMm: 42.5, createdAt: '2026-01-03T08:00:00.000Z' },
    // Uncalibrated (as if the header had no spacing): the angle is in pixel space.
    { ...base, id: `ms-ang-${s.imageId}`, kind: 'angle', points: [[20, 10], [10, 10], [20, 20]], angleDeg: 45, spacing: null, spacingSource: null, createdAt: '2026-01-03T08:01:00.000Z' },
    { ...base, id: `ms-hu-${s.imageId}`, kind: 'probe', points: [[100, 100]], probe: { raw: 1091, value: 67 }, unit: 'HU', createdAt: '2026-01-03T08:02:00.000Z' },
    {
      ...base,
      id: `ms-roi-${s.imageId}`,
      kind: 'ellipse',
      points: [[100, 100], [140, 120]],
      stats: { mean: 40.25, sd: 12.5, min: -3, max: 90, count: 629, areaPx: 628.32, areaMm2: 78.54 },
      unit: 'HU',
      createdAt: '2026-01-03T08:03:00.000Z',
    },
  ];
}

/** Stand-in ML, care-plan and measurement providers for a seeded case (test inputs, not product output). */
export function testProviders(seeded: SeededCase[], extra: Partial<ReportProviders> = {}): Partial<ReportProviders> {
  const byPatient = new Map(seeded.map((s) => [s.patientId, s]));
  return {
    diagnoses(patientId): ReportDiagnosis[] {
      const s = byPatient.get(patientId);
      if (!s) return [];
      return [
        {
          id: `dx-${s.imageId}`,
          imageId: s.imageId,
          studyId: s.studyId,
          modelVersionId: TEST_MODEL.id,
          finding: 'pneumonia',
          confidence: 0.62,
          uncertain: true,
          probabilities: [
            { className: 'normal', probability: 0.38 },
            { className: 'pneumonia', probability: 0.62 },
          ],
          hasHeatmap: true,
          review: { status: 'overridden', finalClass: 'normal', by: 'dr.li', at: '2026-01-03T10:00:00.000Z', note: `Spoke with ${s.name} on the phone` },
          createdAt: '2026-01-02T09:00:00.000Z',
          createdBy: 'dr.li',
        },
      ];
    },
    modelVersions: (ids) => (ids.includes(TEST_MODEL.id) ? [TEST_MODEL] : []),
    carePlans(patientId): ReportCarePlan[] {
      const s = byPatient.get(patientId);
      if (!s) return [];
      return [
        { id: `cp-${s.patientId}`, planName: 'Community-acquired pneumonia, outpatient', status: 'accepted', reason: `Mild symptoms; ${s.name} prefers home care`, decidedBy: 'dr.li', decidedAt: '2026-01-03T11:00:00.000Z', startDate: '2026-01-04', steps: ['Amoxicillin 5 days', 'Review in 48 hours'] },
        { id: `cp2-${s.patientId}`, planName: 'Admission for IV antibiotics', status: 'declined', reason: 'Not severe', decidedBy: 'dr.li', decidedAt: '2026-01-03T11:00:00.000Z', startDate: null, steps: [] },
      ];
    },
    measurements(patientId): ReportMeasurement[] {
      const s = byPatient.get(patientId);
      return s ? testMeasurements(s) : [];
    },
    dicomPath: (imageId) => seeded.find((s) => s.imageId === imageId)?.dicomPath ?? null,
    ...extra,
  };
}
