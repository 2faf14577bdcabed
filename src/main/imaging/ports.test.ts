import { afterEach, describe, expect, it } from 'vitest';
import { createTestApp } from '../app/testing';
import type { App } from '../app/createApp';
import type { Db } from '../db/types';
import { ensureLabelSet } from '../labels/ports';
import { insertPatient } from '../patients/ports';
import {
  imageIdsInImportOrder,
  importIdsOfLabelSet,
  imagesByIds,
  imagesOfPatient,
  importsWithImages,
  insertImage,
  insertSeries,
  insertStudy,
  patientIdsOfImages,
  patientIdsOfSeries,
  patientIdsOfStudies,
  seriesOfPatient,
  studiesOfPatient,
} from './ports';

let app: App;
afterEach(async () => {
  await app?.close();
});

const T = (s: number) => `2026-01-01T00:00:0${s}.000Z`;

/** Two patients; P1 has two studies (one series each) and three images, plus one loose PNG from another import. */
function seed(db: Db): void {
  for (const [id, mrn] of [['p1', 'M1'], ['p2', 'M2']] as const) insertPatient(db, { id, mrn, name: id, birthDate: null, sex: 'U', notes: '', createdAt: T(0), updatedAt: T(0) });
  const setId = ensureLabelSet(db, { id: 'set-1', name: 'folders', description: '', createdBy: 'test', createdAt: T(0) });
  db.prepare("INSERT INTO imports (id, paths, options, state, label_set_id, started_by, started_at) VALUES ('imp-a', '[]', '{}', 'done', ?, 'test', ?), ('imp-b', '[]', '{}', 'done', NULL, 'test', ?)").run(setId, T(0), T(0));
  insertStudy(db, { id: 'st-new', patientId: 'p1', studyUid: '1.1', studyDate: '2024-05-01', createdAt: T(1) });
  insertStudy(db, { id: 'st-old', patientId: 'p1', studyUid: '1.2', studyDate: '2019-01-01', description: 'chest', accession: 'A7', createdAt: T(2) });
  insertSeries(db, { id: 'se-2', studyId: 'st-new', seriesUid: '2.1', modality: 'CT', seriesNumber: 2, createdAt: T(1) });
  insertSeries(db, { id: 'se-1', studyId: 'st-old', seriesUid: '2.2', modality: 'CR', manufacturer: 'ACME', seriesNumber: 1, createdAt: T(2) });
  const image = (id: string, patientId: string | null, seriesId: string | null, instanceNumber: number | null, createdAt: string, importId: string) =>
    insertImage(db, { id, patientId, seriesId, sha256: `sha-${id}`, format: seriesId ? 'dicom' : 'png', sizeBytes: 10, instanceNumber, importId, createdAt });
  image('i3', 'p1', 'se-1', 2, T(3), 'imp-a');
  image('i1', 'p1', 'se-2', 1, T(3), 'imp-a');
  image('i2', 'p1', 'se-1', null, T(4), 'imp-a');
  image('loose', null, null, null, T(1), 'imp-b');
}

describe('the imaging port', () => {
  it('gives image records by ids in the asked order, with defaults filled and the series study', () => {
    app = createTestApp();
    const db = app.core.db;
    seed(db);
    const records = imagesByIds(db, ['i2', 'nope', 'loose', 'i2']);
    expect([...records.keys()]).toEqual(['i2', 'loose']);
    expect(records.get('i2')).toMatchObject({ patientId: 'p1', seriesId: 'se-1', studyId: 'st-old', sha256: 'sha-i2', format: 'dicom', frames: 1, modality: '', originalPath: '', importId: 'imp-a' });
    expect(records.get('loose')).toMatchObject({ patientId: null, seriesId: null, studyId: null, format: 'png', predefinedSplit: null });
    expect(insertImage(db, { id: 'again', patientId: null, seriesId: null, sha256: 'sha-i1', format: 'png', sizeBytes: 1, createdAt: T(5) }, { ignoreDuplicate: true })).toBe(false);
    expect(() => insertImage(db, { id: 'again', patientId: null, seriesId: null, sha256: 'sha-i1', format: 'png', sizeBytes: 1, createdAt: T(5) })).toThrow(/UNIQUE/);
  });

  it("lists a patient's studies, series and images in a report's order", () => {
    app = createTestApp();
    const db = app.core.db;
    seed(db);
    expect(studiesOfPatient(db, 'p1')).toEqual([
      { id: 'st-old', patientId: 'p1', studyUid: '1.2', studyDate: '2019-01-01', description: 'chest', accession: 'A7', createdAt: T(2) },
      { id: 'st-new', patientId: 'p1', studyUid: '1.1', studyDate: '2024-05-01', description: '', accession: '', createdAt: T(1) },
    ]);
    expect(seriesOfPatient(db, 'p1').map((s) => [s.id, s.studyId, s.modality, s.manufacturer])).toEqual([
      ['se-1', 'st-old', 'CR', 'ACME'],
      ['se-2', 'st-new', 'CT', ''],
    ]);
    // Instance number (unknown first, as SQLite orders NULL), then arrival, then id.
    expect(imagesOfPatient(db, 'p1').map((i) => i.id)).toEqual(['i2', 'i1', 'i3']);
    expect(studiesOfPatient(db, 'p2')).toEqual([]);
  });

  it('names the patient of images, studies and series, in chunks, leaving unknown ids out', () => {
    app = createTestApp();
    const db = app.core.db;
    seed(db);
    const filler = Array.from({ length: 1100 }, (_, i) => `x-${i}`);
    expect(patientIdsOfImages(db, [...filler, 'i1', 'loose'])).toEqual(new Map([['i1', 'p1'], ['loose', null]]));
    expect(patientIdsOfStudies(db, [...filler, 'st-old'])).toEqual(new Map([['st-old', 'p1']]));
    expect(patientIdsOfSeries(db, ['se-2', ...filler])).toEqual(new Map([['se-2', 'p1']]));
  });

  it('orders images by import, scopes them to imports, and summarises imports', () => {
    app = createTestApp();
    const db = app.core.db;
    seed(db);
    expect(imageIdsInImportOrder(db)).toEqual(['loose', 'i3', 'i1', 'i2']);
    expect(imageIdsInImportOrder(db, { importIds: ['imp-a'], imageIds: [] })).toEqual(['i3', 'i1', 'i2']);
    expect(imageIdsInImportOrder(db, { importIds: [], imageIds: ['i2', 'loose', 'nope'] })).toEqual(['loose', 'i2']);
    expect(imageIdsInImportOrder(db, { importIds: ['imp-b'], imageIds: ['loose', 'i1'] })).toEqual(['loose', 'i1']);
    expect(importIdsOfLabelSet(db, 'set-1')).toEqual(['imp-a']);
    expect(importIdsOfLabelSet(db, 'other')).toEqual([]);
    expect(importsWithImages(db)).toEqual([
      { importId: 'imp-b', images: 1, firstAt: T(1), firstPath: '', lastPath: '' },
      { importId: 'imp-a', images: 3, firstAt: T(3), firstPath: '', lastPath: '' },
    ]);
  });
});
