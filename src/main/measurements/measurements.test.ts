/**
 * Measurements end to end through the dispatcher on a real on-disk app: real DICOM files from
 * the shared data (a CT with Pixel Spacing, copies rewritten with dcmtk's dcmodify for
 * non-square spacing and for Imager Pixel Spacing), values checked against an independent
 * reading of the pixels with dcmjs.
 */
import { hasTool } from '../imaging/fixtures/dicomBytes';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callAs, createTestApp, SHARED_DATA, tempDir, value } from '../app/testing';
import type { App } from '../app/createApp';
import type { Actor } from '../../shared/domain/actor';
import type { ImagePage } from '../../shared/domain/imaging';
import type { Calibration, ImageMeasurements, Measurement } from '../../shared/domain/measurements';
import { measurementsOfImage } from './ports';
import type { Result } from '../../shared/ipc/envelope';

/** dcmjs has no type declarations: the little of it this test reads. */
const dcmjs = require('dcmjs') as {
  data: { DicomMessage: { readFile(buffer: ArrayBuffer): { dict: unknown } }; DicomMetaDictionary: { naturalizeDataset(dict: unknown): Record<string, unknown> } };
};

const CT = path.join(SHARED_DATA, 'dicom', 'cornerstonejs_cornerstone3D', 'CTImage.dcm_LittleEndianExplicitTransferSyntax_1.2.840.10008.1.2.1.dcm');
const PNG = path.join(SHARED_DATA, 'images', 'pneumoniamnist', 'test', '0_normal', 'test_00236.png');
const US_RGB = path.join(SHARED_DATA, 'dicom', 'ivmartel_dwv', 'gdcm-US-RGB-8-esopecho.dcm');
const CLINICIAN: Actor = { id: 'u-cleo', username: 'cleo', role: 'clinician' };

const DCMTK = hasTool('dcmodify');
if (!DCMTK) console.log('measurements.test: dcmtk (dcmodify) is missing, so the non-square and Imager Pixel Spacing cases are skipped');

/** A copy of the CT with its own SOP Instance UID and the given dcmodify edits. */
function variant(dir: string, name: string, uid: string, edits: string[]): string {
  const file = path.join(dir, name);
  fs.copyFileSync(CT, file);
  execFileSync('dcmodify', ['-nb', '-m', `(0008,0018)=${uid}`, ...edits, file]);
  return file;
}

/** The CT's modality values read independently of CareLens's decoder (dcmjs, then the rescale). */
function independentValues(file: string): { width: number; height: number; raw: Int16Array; values: Float64Array; spacing: number[] } {
  const b = fs.readFileSync(file);
  const dict = dcmjs.data.DicomMessage.readFile(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer);
  const ds = dcmjs.data.DicomMetaDictionary.naturalizeDataset(dict.dict);
  expect(ds.PixelRepresentation).toBe(1);
  const raw = new Int16Array((ds.PixelData as ArrayBuffer[])[0]!);
  const slope = Number(ds.RescaleSlope);
  const intercept = Number(ds.RescaleIntercept);
  return { width: Number(ds.Columns), height: Number(ds.Rows), raw, values: Float64Array.from(raw, (v) => v * slope + intercept), spacing: (ds.PixelSpacing as number[]).map(Number) };
}

function statsOf(values: number[]) {
  const mean = values.reduce((s, v) => s + v, 0) / values.length;
  const sd = Math.sqrt(values.reduce((s, v) => s + (v - mean) ** 2, 0) / values.length);
  return { mean, sd, min: Math.min(...values), max: Math.max(...values), count: values.length };
}

describe('measurements on stored images', () => {
  let app: App;
  let dir: string;
  const ids: Record<string, string> = {};

  const add = async (input: Record<string, unknown>) => value<Measurement>(await callAs(app, 'measurements:add', input, CLINICIAN));
  const refused = async (input: Record<string, unknown>) => {
    const r = (await callAs(app, 'measurements:add', input, CLINICIAN)) as Result<Measurement>;
    expect(r.ok).toBe(false);
    return r.ok ? null : r.error;
  };

  beforeAll(async () => {
    app = createTestApp({ onDisk: true });
    dir = tempDir('carelens-measure-');
    fs.copyFileSync(CT, path.join(dir, 'ct.dcm'));
    fs.copyFileSync(PNG, path.join(dir, 'chest.png'));
    fs.copyFileSync(US_RGB, path.join(dir, 'us-rgb.dcm'));
    if (DCMTK) {
      variant(dir, 'ct-nonsquare.dcm', '1.2.826.0.1.3680043.8.498.1001', ['-m', '(0028,0030)=0.5\\0.25']);
      variant(dir, 'ct-imager.dcm', '1.2.826.0.1.3680043.8.498.1002', ['-e', '(0028,0030)', '-i', '(0018,1164)=0.3\\0.2']);
      variant(dir, 'ct-both.dcm', '1.2.826.0.1.3680043.8.498.1003', ['-i', '(0018,1164)=0.9\\0.9']);
      variant(dir, 'ct-none.dcm', '1.2.826.0.1.3680043.8.498.1004', ['-e', '(0028,0030)']);
    }
    value(await callAs(app, 'imaging:import', { paths: [dir] }));
    const page = value<ImagePage>(await callAs(app, 'imaging:images', { unassigned: true, limit: 100 }));
    const byPatient = value<ImagePage>(await callAs(app, 'imaging:images', { limit: 100 }));
    for (const image of [...page.items, ...byPatient.items]) ids[path.basename(image.originalPath ?? '')] = image.id;
  }, 120_000);

  afterAll(async () => {
    await app.close();
  });

  it('a length on the CT is the pixel length times Pixel Spacing, stored with author and time', async () => {
    const m = await add({ imageId: ids['ct.dcm'], kind: 'length', points: [[100, 200], [400, 200]] });
    expect(m).toMatchObject({ kind: 'length', frame: 0, valuePx: 300, spacing: [0.675781, 0.675781], spacingSource: 'PixelSpacing', createdBy: 'cleo', createdAt: '2026-01-01T00:00:00.000Z' });
    expect(m.valueMm).toBeCloseTo(300 * 0.675781, 9);
    const listed = value<Measurement[]>(await callAs(app, 'measurements:list', { imageId: ids['ct.dcm'] }, CLINICIAN));
    expect(listed.map((x) => x.id)).toContain(m.id);
  });

  it('listMany answers each image of a stack as measurements:list does, in one call; one unknown id refuses it all', async () => {
    const m = await add({ imageId: ids['ct.dcm'], kind: 'length', points: [[10, 20], [30, 40]] });
    const stack = [ids['ct.dcm']!, ...(Object.values(ids).filter((id) => id !== ids['ct.dcm']).slice(0, 3) as string[])];
    const many = value<ImageMeasurements[]>(await callAs(app, 'measurements:listMany', { imageIds: [...stack, stack[0]!] }, CLINICIAN));
    expect(many.map((x) => x.imageId)).toEqual(stack);
    for (const { imageId, measurements } of many) expect(measurements).toEqual(measurementsOfImage(app.core.db, imageId));
    expect(many[0]!.measurements.map((x) => x.id)).toContain(m.id);
    const refused = await callAs(app, 'measurements:listMany', { imageIds: [stack[0]!, 'no-such-image'] }, CLINICIAN);
    expect(refused.ok).toBe(false);
    if (!refused.ok) expect(refused.error.code).toBe('NOT_FOUND');
  });

  it.skipIf(!DCMTK)('non-square Pixel Spacing: x steps use the column spacing (second value), y steps the row spacing (first)', async () => {
    const id = ids['ct-nonsquare.dcm']!;
    const cal = value<Calibration>(await callAs(app, 'measurements:calibration', { imageId: id }, CLINICIAN));
    expect(cal).toEqual({ spacing: [0.5, 0.25], source: 'PixelSpacing' });
    const across = await add({ imageId: id, kind: 'length', points: [[10, 50], [110, 50]] });
    expect(across.valueMm).toBeCloseTo(100 * 0.25, 9);
    const down = await add({ imageId: id, kind: 'length', points: [[10, 50], [10, 150]] });
    expect(down.valueMm).toBeCloseTo(100 * 0.5, 9);
    const diagonal = await add({ imageId: id, kind: 'length', points: [[0, 0], [30, 40]] });
    expect(diagonal.valuePx).toBeCloseTo(50, 9);
    expect(diagonal.valueMm).toBeCloseTo(Math.hypot(30 * 0.25, 40 * 0.5), 9);
    // An angle of 45° in pixels is 63.43° in the patient when a row step is twice a column step.
    const angle = await add({ imageId: id, kind: 'angle', points: [[20, 10], [10, 10], [20, 20]] });
    expect(angle.angleDeg).toBeCloseTo((Math.atan2(10 * 0.5, 10 * 0.25) * 180) / Math.PI, 9);
    const rect = await add({ imageId: id, kind: 'rectangle', points: [[200, 200], [240, 220]] });
    expect(rect.stats!.areaPx).toBe(800);
    expect(rect.stats!.areaMm2).toBeCloseTo(800 * 0.5 * 0.25, 9);
  });

  it.skipIf(!DCMTK)('Imager Pixel Spacing when Pixel Spacing is absent, said so; Pixel Spacing wins when both; uncalibrated when neither', async () => {
    const imager = await add({ imageId: ids['ct-imager.dcm'], kind: 'length', points: [[0, 0], [0, 10]] });
    expect(imager).toMatchObject({ spacing: [0.3, 0.2], spacingSource: 'ImagerPixelSpacing' });
    expect(imager.valueMm).toBeCloseTo(10 * 0.3, 9);
    const both = await add({ imageId: ids['ct-both.dcm'], kind: 'length', points: [[0, 0], [10, 0]] });
    expect(both).toMatchObject({ spacing: [0.675781, 0.675781], spacingSource: 'PixelSpacing' });
    const none = await add({ imageId: ids['ct-none.dcm'], kind: 'length', points: [[0, 0], [3, 4]] });
    expect(none).toMatchObject({ valuePx: 5, valueMm: null, spacing: null, spacingSource: null });
    const area = await add({ imageId: ids['ct-none.dcm'], kind: 'ellipse', points: [[100, 100], [140, 120]] });
    expect(area.stats).toMatchObject({ areaMm2: null });
    expect(area.stats!.areaPx).toBeCloseTo(Math.PI * 20 * 10, 9);
  });

  it('probe: the stored value and the HU (stored x slope + intercept) of the pixel under the point', async () => {
    const ref = independentValues(CT);
    for (const [x, y] of [[256, 256], [200, 300], [0, 0], [511, 511], [300.4, 120.6]] as const) {
      const m = await add({ imageId: ids['ct.dcm'], kind: 'probe', points: [[x, y]] });
      const i = Math.round(y) * ref.width + Math.round(x);
      expect(m.unit).toBe('HU');
      expect(m.probe).toEqual({ raw: ref.raw[i], value: ref.values[i] });
    }
    // Outside the scan's circle the CT holds its padding (-2000 stored, -3024 HU); the body is near water.
    expect((await add({ imageId: ids['ct.dcm'], kind: 'probe', points: [[0, 0]] })).probe).toEqual({ raw: -2000, value: -3024 });
  });

  it('rectangle and ellipse statistics equal an independent computation over the same pixels', async () => {
    const ref = independentValues(CT);
    const rect = await add({ imageId: ids['ct.dcm'], kind: 'rectangle', points: [[260.5, 240.2], [200.3, 300]] });
    const inRect: number[] = [];
    // Pixel centres with 200.3 <= x <= 260.5 and 240.2 <= y <= 300: columns 201-260, rows 241-300.
    for (let r = 241; r <= 300; r++) for (let c = 201; c <= 260; c++) inRect.push(ref.values[r * ref.width + c]!);
    const want = statsOf(inRect);
    expect(rect.stats!.count).toBe(60 * 60);
    expect(rect.stats!.mean).toBeCloseTo(want.mean, 6);
    expect(rect.stats!.sd).toBeCloseTo(want.sd, 6);
    expect(rect.stats!.min).toBe(want.min);
    expect(rect.stats!.max).toBe(want.max);
    expect(rect.stats!.areaPx).toBeCloseTo(60.2 * 59.8, 9);
    expect(rect.stats!.areaMm2).toBeCloseTo(60.2 * 59.8 * 0.675781 ** 2, 9);
    expect(rect.unit).toBe('HU');

    const ell = await add({ imageId: ids['ct.dcm'], kind: 'ellipse', points: [[150, 180], [250, 240]] });
    const inEllipse: number[] = [];
    for (let r = 0; r < ref.height; r++) {
      for (let c = 0; c < ref.width; c++) if (((c - 200) / 50) ** 2 + ((r - 210) / 30) ** 2 <= 1) inEllipse.push(ref.values[r * ref.width + c]!);
    }
    const e = statsOf(inEllipse);
    expect(ell.stats!.count).toBe(e.count);
    expect(ell.stats!.mean).toBeCloseTo(e.mean, 6);
    expect(ell.stats!.sd).toBeCloseTo(e.sd, 6);
    expect([ell.stats!.min, ell.stats!.max]).toEqual([e.min, e.max]);
    expect(ell.stats!.areaMm2).toBeCloseTo(Math.PI * 50 * 30 * 0.675781 ** 2, 9);
  });

  it('a PNG is uncalibrated and has no HU', async () => {
    const id = ids['chest.png']!;
    expect(value<Calibration>(await callAs(app, 'measurements:calibration', { imageId: id }, CLINICIAN))).toEqual({ spacing: null, source: null });
    const m = await add({ imageId: id, kind: 'length', points: [[0, 0], [27, 0]] });
    expect(m).toMatchObject({ valuePx: 27, valueMm: null, spacingSource: null });
    const p = await add({ imageId: id, kind: 'probe', points: [[14, 14]] });
    expect(p.unit).toBe('');
    expect(p.probe!.raw).toBe(p.probe!.value);
  });

  it('a colour image takes lengths but refuses a probe or region (no grey values to measure)', async () => {
    const id = ids['us-rgb.dcm']!;
    expect((await add({ imageId: id, kind: 'length', points: [[0, 0], [10, 0]] })).valuePx).toBe(10);
    expect(await refused({ imageId: id, kind: 'probe', points: [[10, 10]] })).toMatchObject({ code: 'UNSUPPORTED', key: 'errors.measurements.colourImage' });
    expect(await refused({ imageId: id, kind: 'rectangle', points: [[10, 10], [20, 20]] })).toMatchObject({ key: 'errors.measurements.colourImage' });
  });

  it('refuses points outside the image, a missing frame, a wrong point count and an empty region, storing nothing', async () => {
    const id = ids['ct.dcm']!;
    const before = value<Measurement[]>(await callAs(app, 'measurements:list', { imageId: id }, CLINICIAN)).length;
    expect(await refused({ imageId: id, kind: 'length', points: [[0, 0], [512, 10]] })).toMatchObject({ code: 'VALIDATION', key: 'errors.measurements.pointOutside' });
    expect(await refused({ imageId: id, kind: 'probe', points: [[-1, 3]] })).toMatchObject({ code: 'VALIDATION', key: 'errors.measurements.pointOutside' });
    expect(await refused({ imageId: id, frame: 1, kind: 'length', points: [[0, 0], [5, 5]] })).toMatchObject({ code: 'VALIDATION', key: 'errors.measurements.noSuchFrame' });
    expect(await refused({ imageId: id, kind: 'angle', points: [[0, 0], [5, 5]] })).toMatchObject({ key: 'errors.measurements.pointCount' });
    expect(await refused({ imageId: id, kind: 'rectangle', points: [[10, 10], [10, 50]] })).toMatchObject({ key: 'errors.measurements.noArea' });
    expect(await refused({ imageId: id, kind: 'ellipse', points: [[10.1, 10.1], [10.4, 10.4]] })).toMatchObject({ key: 'errors.measurements.noPixel' });
    expect(await refused({ imageId: id, kind: 'length', points: [[3, 3], [3, 3]] })).toMatchObject({ key: 'errors.measurements.zeroLength' });
    expect(await refused({ imageId: 'no-such-image', kind: 'length', points: [[0, 0], [1, 1]] })).toMatchObject({ code: 'NOT_FOUND' });
    expect(await refused({ imageId: id, kind: 'length', points: [[0, 0], [Number.NaN, 1]] })).toMatchObject({ code: 'VALIDATION' });
    expect(value<Measurement[]>(await callAs(app, 'measurements:list', { imageId: id }, CLINICIAN))).toHaveLength(before);
  });

  it('removing keeps the row with who removed it; the list no longer shows it; every call is audited with the patient', async () => {
    const id = ids['ct.dcm']!;
    const m = await add({ imageId: id, frame: 0, kind: 'length', points: [[5, 5], [50, 5]] });
    expect(value(await callAs(app, 'measurements:remove', { id: m.id }, CLINICIAN))).toEqual({ removed: true, imageId: id });
    expect(value<Measurement[]>(await callAs(app, 'measurements:list', { imageId: id, frame: 0 }, CLINICIAN)).map((x) => x.id)).not.toContain(m.id);
    const again = (await callAs(app, 'measurements:remove', { id: m.id }, CLINICIAN)) as Result<unknown>;
    expect(again.ok ? null : again.error.code).toBe('NOT_FOUND');
    const row = app.core.db.prepare('SELECT removed_by, removed_at, value_mm FROM measurements WHERE id = ?').get(m.id) as { removed_by: string; removed_at: string; value_mm: number };
    expect(row).toMatchObject({ removed_by: 'cleo', removed_at: '2026-01-01T00:00:00.000Z' });
    expect(row.value_mm).toBeCloseTo(45 * 0.675781, 9);

    const patientId = (app.core.db.prepare('SELECT patient_id FROM images WHERE id = ?').pluck().get(id) as string | null)!;
    expect(patientId).toBeTruthy();
    const audit = app.core.db
      .prepare("SELECT channel, kind, patient_ids FROM audit_log WHERE channel LIKE 'measurements:%' AND outcome = 'ok' AND actor_name = 'cleo'")
      .all() as { channel: string; kind: string; patient_ids: string }[];
    const kinds = new Map(audit.map((a) => [a.channel, a.kind]));
    expect(Object.fromEntries(kinds)).toMatchObject({ 'measurements:add': 'change', 'measurements:list': 'read', 'measurements:remove': 'change' });
    for (const a of audit.filter((x) => x.channel === 'measurements:remove' || x.channel === 'measurements:list')) expect(a.patient_ids).toContain(patientId);
  });
});
