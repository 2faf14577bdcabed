/**
 * The viewer's loader and metadata conversions (src/renderer/src/components/imaging/cornerstone/)
 * on real frames from a real on-disk app: what Cornerstone3D is given is what the main process
 * decoded, with the header's spacing and plane, and a length measured in the viewer's world
 * coordinates equals the one the measurements service stores for the same points (also for a
 * non-square spacing made with dcmtk). Cornerstone itself needs WebGL and a DOM: its part is
 * tests/e2e/viewer-measure.spec.ts.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callAs, createTestApp, SHARED_DATA, tempDir, value } from '../../src/main/app/testing';
import type { App } from '../../src/main/app/createApp';
import type { Actor } from '../../src/shared/domain/actor';
import { geometryFromValues, type DicomTagRow, type FramePixels, type Geometry, type ImagePage } from '../../src/shared/domain/imaging';
import type { Calibration, Measurement } from '../../src/shared/domain/measurements';
import { framePixelArray, imageFields, indexToWorld, pixelModule, planeModule, toCsImageId, parseCsImageId, worldToIndex } from '../../src/renderer/src/components/imaging/cornerstone/convert';
import { handlesOfMeasurement, pointsOfAnnotation } from '../../src/renderer/src/components/imaging/cornerstone/annotations';

/** The plane as the tags panel's rows (`imaging:tags`) give it: an independent read of the header. */
function geometryFromTags(tags: readonly DicomTagRow[]): Geometry {
  const top = (tag: string) => tags.find((r) => r.depth === 0 && r.tag === tag)?.value;
  return geometryFromValues(top('(0020,0037)'), top('(0020,0032)'), top('(0020,0052)'));
}

const CT = path.join(SHARED_DATA, 'dicom', 'cornerstonejs_cornerstone3D', 'CTImage.dcm_LittleEndianExplicitTransferSyntax_1.2.840.10008.1.2.1.dcm');
const CR = path.join(SHARED_DATA, 'dicom', 'ivmartel_dwv', 'gdcm-CR-MONO1-10-chest.dcm');
const MR = path.join(SHARED_DATA, 'dicom', 'pydicom_pydicom-data', 'emri_small.dcm');
/** dcmjs has no type declarations: the little of it this test reads. */
const dcmjs = require('dcmjs') as {
  data: { DicomMessage: { readFile(buffer: ArrayBuffer): { dict: unknown } }; DicomMetaDictionary: { naturalizeDataset(dict: unknown): Record<string, unknown> } };
};
const CLINICIAN: Actor = { id: 'u-cleo', username: 'cleo', role: 'clinician' };

function dcmtk(): boolean {
  try {
    execFileSync('dcmodify', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
const DCMTK = dcmtk();

/** A tag of the file as dcmtk prints it (independent of CareLens' parser). */
function dcmdump(file: string, tag: string): string {
  const out = execFileSync('dcmdump', ['+P', tag, file], { encoding: 'utf8' });
  return /\[([^\]]*)\]/.exec(out)?.[1] ?? '';
}

describe('viewer loader conversions on real frames', () => {
  let app: App;
  const ids: Record<string, string> = {};
  const call = async <T>(channel: string, input: unknown) => value<T>(await callAs(app, channel, input, CLINICIAN));

  beforeAll(async () => {
    app = createTestApp({ onDisk: true });
    const dir = tempDir('carelens-viewer-');
    fs.copyFileSync(CT, path.join(dir, 'ct.dcm'));
    fs.copyFileSync(CR, path.join(dir, 'cr.dcm'));
    fs.copyFileSync(MR, path.join(dir, 'mr.dcm'));
    if (DCMTK) {
      const file = path.join(dir, 'ct-nonsquare.dcm');
      fs.copyFileSync(CT, file);
      execFileSync('dcmodify', ['-nb', '-m', '(0008,0018)=1.2.826.0.1.3680043.8.498.2001', '-m', '(0028,0030)=0.5\\0.25', file]);
    }
    value(await callAs(app, 'imaging:import', { paths: [dir] }));
    for (const q of [{ unassigned: true, limit: 100 }, { limit: 100 }]) {
      for (const image of value<ImagePage>(await callAs(app, 'imaging:images', q)).items) ids[path.basename(image.originalPath)] = image.id;
    }
  }, 120_000);

  afterAll(async () => {
    await app.close();
  });

  it('image ids round-trip, whatever the CareLens id holds', () => {
    const id = toCsImageId('a b/c?d', 7);
    expect(id.startsWith('carelens:')).toBe(true);
    expect(parseCsImageId(id)).toEqual({ imageId: 'a b/c?d', frame: 7 });
    expect(() => parseCsImageId('wadouri:http://x')).toThrow(/Not a CareLens image id/);
  });

  it('a CT frame becomes int16 HU with the header spacing, orientation and position', async () => {
    const id = ids['ct.dcm']!;
    const f = await call<FramePixels>('imaging:frame', { id, frame: 0 });
    const values = framePixelArray(f);
    expect(values).toBeInstanceOf(Int16Array);
    expect(values.length).toBe(512 * 512);
    // Read independently with dcmjs: stored values times Rescale Slope plus Intercept.
    const b = fs.readFileSync(CT);
    const ds = dcmjs.data.DicomMetaDictionary.naturalizeDataset(dcmjs.data.DicomMessage.readFile(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer).dict);
    const raw = new Int16Array((ds.PixelData as ArrayBuffer[])[0]!);
    const expected = Array.from(raw, (v) => v * Number(ds.RescaleSlope) + Number(ds.RescaleIntercept));
    expect(values.length).toBe(expected.length);
    let differ = 0;
    let min = Infinity;
    for (let i = 0; i < values.length; i++) {
      if (values[i] !== expected[i]) differ++;
      min = Math.min(min, values[i]!);
    }
    expect(differ).toBe(0);
    expect(min).toBe(f.min);

    const calibration = await call<Calibration>('measurements:calibration', { imageId: id });
    const spacing = dcmdump(CT, '0028,0030').split('\\').map(Number);
    expect(calibration.spacing).toEqual(spacing);
    const geometry = geometryFromTags(await call<DicomTagRow[]>('imaging:tags', { id }));
    expect(geometry.orientation).toEqual(dcmdump(CT, '0020,0037').split('\\').map(Number));
    expect(geometry.position).toEqual(dcmdump(CT, '0020,0032').split('\\').map(Number));
    // The frame carries both itself (the viewer asks for nothing else), equal to what the other channels read.
    expect(f.calibration).toEqual(calibration);
    expect(f.geometry).toEqual(geometry);

    const plane = planeModule(f, calibration, geometry);
    expect(plane).toMatchObject({ rows: 512, columns: 512, rowPixelSpacing: spacing[0], columnPixelSpacing: spacing[1], usingDefaultValues: false });
    expect(plane.imagePositionPatient).toEqual(geometry.position);
    expect(pixelModule(f)).toMatchObject({ photometricInterpretation: 'MONOCHROME2', bitsAllocated: 16, pixelRepresentation: 1, samplesPerPixel: 1 });
    expect(imageFields(toCsImageId(id), f, values, plane)).toMatchObject({ slope: 1, intercept: 0, rows: 512, columns: 512, color: false, invert: false, minPixelValue: f.min, maxPixelValue: f.max });
  });

  it('a length in the viewer (world mm) equals the stored one for the same points', async () => {
    const names = DCMTK ? ['ct.dcm', 'ct-nonsquare.dcm'] : ['ct.dcm'];
    for (const name of names) {
      const id = ids[name]!;
      const f = await call<FramePixels>('imaging:frame', { id, frame: 0 });
      // The viewer draws with the frame's own calibration; measurements:add computes with its own reading of the header.
      expect(f.calibration).toEqual(await call<Calibration>('measurements:calibration', { imageId: id }));
      const plane = planeModule(f, f.calibration, f.geometry);
      const points: [number, number][] = [
        [101.5, 200.25],
        [333, 407],
      ];
      const world = handlesOfMeasurement('length', points, plane);
      const onScreen = Math.hypot(world[1]![0] - world[0]![0], world[1]![1] - world[0]![1], world[1]![2] - world[0]![2]);
      // And back: the points saved from the drawn annotation are the ones drawn.
      const back = pointsOfAnnotation('length', world, plane);
      expect(back[0]![0]).toBeCloseTo(101.5, 9);
      expect(back[1]![1]).toBeCloseTo(407, 9);
      const stored = await call<Measurement>('measurements:add', { imageId: id, kind: 'length', points: back });
      expect(stored.valueMm).toBeCloseTo(onScreen, 9);
    }
    if (!DCMTK) console.log('viewerLoader.test: dcmtk missing, the non-square spacing case was skipped');
  });

  it('rectangle and ellipse handles keep the box the measurement stores', async () => {
    const id = ids['ct.dcm']!;
    const f = await call<FramePixels>('imaging:frame', { id, frame: 0 });
    const plane = planeModule(f, await call<Calibration>('measurements:calibration', { imageId: id }), geometryFromTags(await call<DicomTagRow[]>('imaging:tags', { id })));
    for (const kind of ['rectangle', 'ellipse'] as const) {
      const handles = handlesOfMeasurement(kind, [
        [300, 120],
        [200, 180],
      ], plane);
      expect(handles).toHaveLength(4);
      expect(pointsOfAnnotation(kind, handles, plane).map((p) => p.map((v) => Math.round(v * 1e9) / 1e9))).toEqual([
        [200, 120],
        [300, 180],
      ]);
    }
  });

  it('MONOCHROME1 is said to Cornerstone (it inverts), an uncalibrated image is drawn in pixels, a multi-frame MR stacks its frames apart', async () => {
    const cr = await call<FramePixels>('imaging:frame', { id: ids['cr.dcm']!, frame: 0 });
    expect(cr.invert).toBe(true);
    expect(pixelModule(cr).photometricInterpretation).toBe('MONOCHROME1');

    const mrId = ids['mr.dcm']!;
    const f0 = await call<FramePixels>('imaging:frame', { id: mrId, frame: 0 });
    const cal = f0.calibration;
    const geometry = f0.geometry;
    expect(cal).toEqual(await call<Calibration>('measurements:calibration', { imageId: mrId }));
    expect(geometry).toEqual(geometryFromTags(await call<DicomTagRow[]>('imaging:tags', { id: mrId })));
    const f3 = await call<FramePixels>('imaging:frame', { id: mrId, frame: 3 });
    expect(f0.frames).toBe(10);
    const p0 = planeModule(f0, cal, geometry);
    const p3 = planeModule(f3, cal, geometry);
    if (cal.spacing === null) expect(p0.usingDefaultValues).toBe(true);
    const normal = [0, 1, 2].map((k) => p3.imagePositionPatient[k]! - p0.imagePositionPatient[k]!);
    let len = 0;
    for (const d of normal) len += d * d;
    expect(Math.sqrt(len)).toBeCloseTo(3, 9);
    // A point maps to the same index on its own frame's plane.
    expect(worldToIndex(p3, indexToWorld(p3, [5, 9]))).toEqual([5, 9].map((v) => expect.closeTo(v, 9)));
  });
});
