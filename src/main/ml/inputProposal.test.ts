import { describe, expect, it } from 'vitest';
import { PNG } from 'pngjs';
import { dataSetCap, proposeInput, type ImageSummary } from './inputProposal';
import { letterboxBox, writeModelInput } from './preprocess';
import { loadPixels } from './trainer';
import { decodeImageBytes, type DecodedImage } from '../imaging/pixels';
import { toGray8 } from '../imaging/display';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const img = (rows: number, columns: number, extra: Partial<ImageSummary> = {}): ImageSummary => ({
  rows,
  columns,
  samplesPerPixel: 1,
  photometric: 'MONOCHROME2',
  modality: null,
  format: 'png',
  windowCenter: null,
  windowWidth: null,
  ...extra,
});
const many = (n: number, f: (i: number) => ImageSummary) => Array.from({ length: n }, (_, i) => f(i));

describe('proposeInput (from the imaging index, nothing decoded)', () => {
  it('keeps MedMNIST-like sets (28 x 28 grey PNG) at 28 grey', () => {
    const p = proposeInput(many(3166, () => img(28, 28)));
    expect([p.inputSize, p.channels, p.limitedBy, p.greyShare]).toEqual([28, 1, 'median', 1]);
    expect(p.reason).toContain('median 28 x 28 px');
    expect(proposeInput(many(780, () => img(28, 28))).inputSize).toBe(28);
  });

  it('takes the largest size not above the median short side, capped by the data set size', () => {
    // 93 % grey CT, 512 x 512: the median allows 224; 1,000 images cap it at 112.
    const ct = many(1000, (i) => img(512, 512, { format: 'dicom', modality: 'CT', samplesPerPixel: i < 70 ? 3 : 1, photometric: i < 70 ? 'RGB' : 'MONOCHROME2', windowCenter: i < 900 ? 40 : null, windowWidth: i < 900 ? 400 : null }));
    const p = proposeInput(ct);
    expect([p.inputSize, p.channels, p.sizeFromMedian, p.limitedBy, p.dataSetCap]).toEqual([112, 1, 224, 'dataSet', 112]);
    expect(p.greyShare).toBeCloseTo(0.93);
    expect([p.dicomImages, p.dicomWithWindow]).toEqual([1000, 900]);
    expect(p.modalities).toEqual([{ modality: 'CT', images: 1000 }]);
    expect(p.reason).toMatch(/median 512 x 512 px.*93% grey, CT -> 112 x 112 grey/);
    // With 3,000 or more images the median's 224 stands; under 300, 64.
    expect(proposeInput(many(3000, () => img(512, 512))).inputSize).toBe(224);
    expect(proposeInput(many(299, () => img(512, 512))).inputSize).toBe(64);
    expect([dataSetCap(10), dataSetCap(300), dataSetCap(2999), dataSetCap(3000)]).toEqual([64, 112, 112, 224]);
  });

  it('uses the short side, so wide images are sized by their height', () => {
    // 150 x 1920 ... : short sides 100 (x5), 120 (x6) -> median 120 -> 112
    const mixed = [...many(5, () => img(100, 1920)), ...many(6, (i) => img(1200, 120 + i * 0))];
    const p = proposeInput(mixed);
    expect([p.medianShortSide, p.inputSize, p.minShortSide, p.maxLongSide]).toEqual([120, 64, 100, 1920]);
    expect(p.limitedBy).toBe('dataSet');
    // Between sizes: a median short side of 100 allows 64, not 112.
    expect(proposeInput(many(5000, () => img(100, 300))).inputSize).toBe(64);
  });

  it('proposes RGB when at least half the images are colour, grey otherwise', () => {
    const half = many(10, (i) => img(300, 300, i < 5 ? { samplesPerPixel: 3, photometric: 'RGB', format: 'jpeg' } : {}));
    expect(proposeInput(half).channels).toBe(3);
    const fewer = many(10, (i) => img(300, 300, i < 4 ? { samplesPerPixel: 3, photometric: 'YBR_FULL_422' } : {}));
    expect(proposeInput(fewer).channels).toBe(1);
    // PALETTE COLOR is colour even with one sample per pixel.
    expect(proposeInput(many(4, () => img(300, 300, { photometric: 'PALETTE COLOR' }))).channels).toBe(3);
  });

  it('never goes below 28 nor above 28 for seed-cnn; copes with no sizes', () => {
    expect(proposeInput(many(50, () => img(16, 16)))).toMatchObject({ inputSize: 28, limitedBy: 'smallest' });
    expect(proposeInput(many(5000, () => img(512, 512)), 'seed-cnn')).toMatchObject({ inputSize: 28, limitedBy: 'architecture', sizeFromMedian: 224 });
    const none = proposeInput(many(3, () => img(0, 0, { rows: null, columns: null })));
    expect([none.inputSize, none.sized, none.medianShortSide]).toEqual([28, 0, null]);
    expect(none.reason).toContain('no image size recorded');
  });
});

/** A grey decoded image with the given values and a window that maps them to themselves (centre 128, width 256). */
function grey(width: number, height: number, values: number[]): DecodedImage {
  return { width, height, samples: 1, photometric: 'MONOCHROME2', data: Float32Array.from(values), windowCenter: 128, windowWidth: 256, windowFromFile: false, invert: false, min: 0, max: 255, frame: 0, frames: 1, fullWidth: width, fullHeight: height };
}

describe('letterbox (aspect kept, centred, zero padding)', () => {
  it('places a wide image centred with zero rows above and below', () => {
    expect(letterboxBox(8, 4, 4)).toEqual({ width: 4, height: 2, left: 0, top: 1 });
    expect(letterboxBox(3, 6, 4)).toEqual({ width: 2, height: 4, left: 1, top: 0 });
    expect(letterboxBox(5, 5, 4)).toEqual({ width: 4, height: 4, left: 0, top: 0 });
  });

  it('is pixel-exact on a 4 x 2 image into 4 x 4 (no scaling: rows 1-2 hold it, rows 0 and 3 are 0)', () => {
    const d = grey(4, 2, [0, 51, 102, 153, 204, 255, 51, 102]);
    const out = new Float32Array(16).fill(7);
    writeModelInput(d, 4, 1, 'letterbox', out, 0);
    const v = Array.from(out, (x) => Math.round(x * 255));
    expect(v).toEqual([0, 0, 0, 0, 0, 51, 102, 153, 204, 255, 51, 102, 0, 0, 0, 0]);
  });

  it('shrinks a 8 x 4 image by box averaging into the middle rows, and stretch squeezes it instead', () => {
    // Each 2x2 block has one value: the letterboxed 4 x 2 image is exactly the blocks.
    const blocks = [10, 20, 30, 40, 50, 60, 70, 80];
    const values: number[] = [];
    for (let y = 0; y < 4; y++) for (let x = 0; x < 8; x++) values.push(blocks[(y >> 1) * 4 + (x >> 1)]!);
    const out = new Float32Array(16);
    writeModelInput(grey(8, 4, values), 4, 1, 'letterbox', out, 0);
    expect(Array.from(out, (x) => Math.round(x * 255))).toEqual([0, 0, 0, 0, 10, 20, 30, 40, 50, 60, 70, 80, 0, 0, 0, 0]);
    const stretched = new Float32Array(16);
    writeModelInput(grey(8, 4, values), 4, 1, 'stretch', stretched, 0);
    // Stretch: the same as the imaging feature's square resize (what versions before letterboxing did).
    expect(Array.from(stretched, (x) => Math.round(x * 255))).toEqual(Array.from(toGray8(grey(8, 4, values), 4).data));
  });

  it('centres a tall RGB image with zero columns left and right, keeping colour', () => {
    const rgb = new Uint8Array([255, 0, 0, 0, 255, 0]); // 1 x 2: red over green
    const d: DecodedImage = { ...grey(1, 2, []), samples: 3, photometric: 'RGB', data: rgb };
    const out = new Float32Array(2 * 2 * 3);
    writeModelInput(d, 2, 3, 'letterbox', out, 0);
    // 1 x 2 into 2 x 2: width round(0.5)... scaled width 1, left 0 (floor of 1/2)
    expect(letterboxBox(1, 2, 2)).toEqual({ width: 1, height: 2, left: 0, top: 0 });
    expect(Array.from(out, (x) => Math.round(x * 255))).toEqual([255, 0, 0, 0, 0, 0, 0, 255, 0, 0, 0, 0]);
  });

  it('windows grey DICOM-like values before resizing (file window when given)', () => {
    // Values 0..1000 with a window of centre 500 width 1000: 1000 -> 255, 0 -> 0.
    const d: DecodedImage = { ...grey(2, 1, []), data: Float32Array.from([0, 1000]), windowCenter: 500, windowWidth: 1001, windowFromFile: true, min: 0, max: 1000 };
    const out = new Float32Array(4);
    writeModelInput(d, 2, 1, 'letterbox', out, 0);
    expect(Array.from(out, (x) => Math.round(x * 255))).toEqual([0, 255, 0, 0]);
  });
});

describe('training and prediction preprocess alike', () => {
  it('loadPixels (used by both training and predictFiles) gives exactly writeModelInput on a decoded file', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlinput-'));
    try {
      const png = new PNG({ width: 40, height: 20 });
      for (let i = 0; i < 40 * 20; i++) png.data.set([i % 256, (i * 3) % 256, (i * 7) % 256, 255], i * 4);
      const file = path.join(dir, 'a.png');
      fs.writeFileSync(file, PNG.sync.write(png));
      for (const [ch, mode] of [[1, 'letterbox'], [3, 'letterbox'], [1, 'stretch']] as const) {
        const loaded = await loadPixels([file], 16, ch, undefined, undefined, null, mode);
        const direct = new Float32Array(16 * 16 * ch);
        writeModelInput(await decodeImageBytes(fs.readFileSync(file)), 16, ch, mode, direct, 0);
        expect(loaded).toEqual(direct);
        if (mode === 'letterbox') {
          // 40 x 20 into 16: 16 x 8 centred, rows 0-3 and 12-15 zero, the middle not.
          const row = (y: number) => Array.from(loaded.subarray(y * 16 * ch, (y + 1) * 16 * ch));
          expect(row(3).every((v) => v === 0) && row(12).every((v) => v === 0)).toBe(true);
          expect(row(4).some((v) => v > 0)).toBe(true);
        }
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
