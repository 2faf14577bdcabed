/**
 * Test fixtures for the reports feature: a case built from a real DICOM file's header in the
 * core tables (until the imaging service imports it), and providers standing in for the ML
 * and care-plan features with plainly made-up clinical content. Used by tests and the bench only.
 */
import fs from 'node:fs';
import path from 'node:path';
import dicomParser from 'dicom-parser';
import type { Db } from '../db/connection';
import { newId } from '../core/ids';
import { SHARED_DATA } from '../app/testing';
import type { ReportCarePlan, ReportDiagnosis, ReportModelVersion } from '../../shared/domain/reports';
import type { ReportProviders } from './providers';

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
  db.prepare('INSERT INTO patients (id, mrn, name, name_search, birth_date, sex, notes, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)').run(
    patientId,
    opts.mrn,
    opts.name,
    opts.name.toLowerCase(),
    opts.birthDate,
    opts.sex ?? 'F',
    `Lives at 12 Example Road; contact ${opts.name}`,
    now,
    now,
  );
  db.prepare('INSERT INTO studies (id, patient_id, study_uid, study_date, description, accession, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)').run(
    studyId,
    patientId,
    studyUid,
    isoDate(str(ds, 'x00080020')) ?? '2001-01-01',
    str(ds, 'x00081030') ?? 'Chest radiograph',
    `ACC-${opts.mrn}`,
    now,
  );
  db.prepare('INSERT INTO series (id, study_id, series_uid, modality, body_part, description, series_number, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)').run(
    seriesId,
    studyId,
    (str(ds, 'x0020000e') ?? '1.2.3.5') + suffix,
    str(ds, 'x00080060') ?? 'CR',
    str(ds, 'x00180015') ?? 'CHEST',
    str(ds, 'x0008103e') ?? '',
    Number(str(ds, 'x00200011') ?? '1') || 1,
    now,
  );
  db.prepare(
    `INSERT INTO images (id, patient_id, series_id, sop_instance_uid, sha256, format, original_path, size_bytes, rows, columns, frames, window_center, window_width, modality, instance_number, created_at)
     VALUES (?, ?, ?, ?, ?, 'dicom', ?, ?, ?, ?, 1, ?, ?, ?, ?, ?)`,
  ).run(
    imageId,
    patientId,
    seriesId,
    sopInstanceUid,
    `${newId()}${newId()}`.replace(/-/g, '').slice(0, 64),
    dicomPath,
    bytes.length,
    ds.uint16('x00280010') ?? null,
    ds.uint16('x00280011') ?? null,
    Number(str(ds, 'x00281050')?.split('\\')[0] ?? 'NaN') || null,
    Number(str(ds, 'x00281051')?.split('\\')[0] ?? 'NaN') || null,
    str(ds, 'x00080060') ?? 'CR',
    Number(str(ds, 'x00200013') ?? '1') || 1,
    now,
  );
  let pngImageId = '';
  if (opts.withPng) {
    pngImageId = newId();
    const png = fs.readFileSync(PNG_XRAY);
    db.prepare(
      `INSERT INTO images (id, patient_id, series_id, sha256, format, original_path, size_bytes, rows, columns, frames, modality, created_at)
       VALUES (?, ?, NULL, ?, 'png', ?, ?, 28, 28, 1, '', ?)`,
    ).run(pngImageId, patientId, `${newId()}${newId()}`.replace(/-/g, '').slice(0, 64), PNG_XRAY, png.length, now);
  }
  // A label set with the image's current label, and an older label that was replaced.
  let setId = (db.prepare("SELECT id FROM label_sets WHERE name = 'pneumonia'").get() as { id: string } | undefined)?.id;
  if (!setId) {
    setId = newId();
    db.prepare("INSERT INTO label_sets (id, name, created_at, created_by) VALUES (?, 'pneumonia', ?, 'dr.li')").run(setId, now);
    db.prepare("INSERT INTO label_classes (label_set_id, idx, name) VALUES (?, 0, 'normal'), (?, 1, 'pneumonia')").run(setId, setId);
  }
  db.prepare("INSERT INTO labels (image_id, label_set_id, class_name, source, author, created_at) VALUES (?, ?, 'normal', 'hand', 'dr.li', ?)").run(imageId, setId, now);
  db.prepare("INSERT INTO labels (image_id, label_set_id, class_name, source, author, created_at) VALUES (?, ?, 'pneumonia', 'review', 'dr.li', ?)").run(imageId, setId, '2026-01-02T00:00:00.000Z');
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

/** Stand-in ML and care-plan providers for a seeded case (test inputs, not product output). */
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
    dicomPath: (imageId) => seeded.find((s) => s.imageId === imageId)?.dicomPath ?? null,
    ...extra,
  };
}
