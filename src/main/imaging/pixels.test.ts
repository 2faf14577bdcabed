import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
// Same folder as app/testing's SHARED_DATA; imported directly so this pure test does not build the whole app.
const SHARED_DATA = path.resolve(__dirname, '../../../../shared/data');
import { Codecs, decodeRle } from './codecs';
import { parseDicom } from './dicom';
import { toGray8 } from './display';
import { decodeImageBytes, type DecodedImage } from './pixels';
import { sniff } from './sniff';

const DICOM = path.join(SHARED_DATA, 'dicom');
const rows = fs
  .readFileSync(path.join(DICOM, 'INDEX.tsv'), 'utf8')
  .trim()
  .split('\n')
  .slice(1)
  .map((line) => {
    const c = line.split('\t');
    return { path: c[0]!, tsUid: c[5]!, frames: c[7] ? Number(c[7]) : 1, rows: c[8] ? Number(c[8]) : null, cols: c[9] ? Number(c[9]) : null, photometric: c[10]! };
  });

/** Files that must not decode, with the reason a person reads in the import report. */
const EXPECTED_FAILURES: Record<string, RegExp> = {
  'cornerstonejs_cornerstone3D/no-pixel-data.dcm': /no pixel data/,
  'cornerstonejs_dicomParser/deflate/report_dfl': /no pixel data/,
  'cornerstonejs_dicomParser/deflate/wave_dfl': /no pixel data/,
  'ivmartel_dwv/README_dwv_tests_data.md': /not DICOM, PNG or JPEG/,
  'ivmartel_dwv/dwv-test_bad.zip': /not DICOM, PNG or JPEG/,
  'ivmartel_dwv/bbmri_series/bbmri.zip': /not DICOM, PNG or JPEG/,
  'ivmartel_dwv/bbmri_series/DICOMDIR': /no pixel data/,
  'ivmartel_dwv/dwv-test_no-number-rows.dcm': /Rows \(0028,0010\) is absent/,
};

const read = (p: string) => fs.readFileSync(path.join(DICOM, p));

function diff(a: DecodedImage, b: DecodedImage): { max: number; mean: number } {
  let max = 0;
  let sum = 0;
  for (let i = 0; i < a.data.length; i++) {
    const e = Math.abs(a.data[i]! - b.data[i]!);
    sum += e;
    if (e > max) max = e;
  }
  return { max, mean: sum / a.data.length };
}

describe('sniffing by content', () => {
  it('tells DICOM (with and without preamble), PNG, JPEG and other files apart, whatever the extension', () => {
    expect(sniff(read('cornerstonejs_cornerstone3D/CT1_J2KR'))).toBe('dicom');
    expect(sniff(read('pydicom_pydicom-data/OT-PAL-8-face.dcm'))).toBe('dicom-raw');
    expect(sniff(read('ivmartel_dwv/README_dwv_tests_data.md'))).toBe('unknown');
    expect(sniff(read('ivmartel_dwv/dwv-test_bad.zip'))).toBe('zip');
    const png = fs.readFileSync(path.join(SHARED_DATA, 'images/pneumoniamnist/train/0_normal', fs.readdirSync(path.join(SHARED_DATA, 'images/pneumoniamnist/train/0_normal'))[0]!));
    expect(sniff(png)).toBe('png');
    expect(sniff(new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 0, 0, 0, 0, 0, 0, 0, 0]))).toBe('jpeg');
    expect(sniff(new Uint8Array(0))).toBe('unknown');
  });
});

describe('every file in the shared DICOM folder', () => {
  const codecs = new Codecs();
  for (const row of rows) {
    it(`${row.path}: right size, or a clear reason`, async () => {
      const expected = EXPECTED_FAILURES[row.path];
      if (expected) {
        await expect(decodeImageBytes(read(row.path), 0, codecs)).rejects.toThrow(expected);
        return;
      }
      const d = await decodeImageBytes(read(row.path), 0, codecs);
      expect([d.width, d.height]).toEqual([row.cols, row.rows]);
      expect(d.frames).toBe(row.frames);
      expect(d.data.length).toBe(d.width * d.height * d.samples);
      expect(d.max).toBeGreaterThan(d.min); // a blank decode would be a silent failure
      if (row.photometric === 'MONOCHROME1') expect(d.invert).toBe(true);
      if (['RGB', 'YBR_FULL', 'YBR_FULL_422', 'YBR_RCT', 'PALETTE COLOR'].includes(row.photometric)) expect(d.samples).toBe(3);
    });
  }
});

describe('one CT slice in many transfer syntaxes', () => {
  const codecs = new Codecs();
  const ct = (ts: string) => read(`cornerstonejs_cornerstone3D/CTImage.dcm_${ts}`);
  const LOSSLESS = [
    'LittleEndianImplicitTransferSyntax_1.2.840.10008.1.2.dcm',
    'BigEndianExplicitTransferSyntax_1.2.840.10008.1.2.2.dcm',
    'DeflatedExplicitVRLittleEndianTransferSyntax_1.2.840.10008.1.2.1.99.dcm',
    'RLELosslessTransferSyntax_1.2.840.10008.1.2.5.dcm',
    'JPEGProcess14TransferSyntax_1.2.840.10008.1.2.4.57.dcm',
    'JPEGProcess14SV1TransferSyntax_1.2.840.10008.1.2.4.70.dcm',
    'JPEGLSLosslessTransferSyntax_1.2.840.10008.1.2.4.80.dcm',
    'JPEG2000LosslessOnlyTransferSyntax_1.2.840.10008.1.2.4.90.dcm',
  ];

  it('lossless syntaxes decode to exactly the Explicit VR Little Endian pixels', async () => {
    const ref = await decodeImageBytes(ct('LittleEndianExplicitTransferSyntax_1.2.840.10008.1.2.1.dcm'), 0, codecs);
    expect(ref.min).toBe(-3024); // rescaled to Hounsfield units
    for (const ts of LOSSLESS) {
      const d = await decodeImageBytes(ct(ts), 0, codecs);
      expect({ ts, ...diff(d, ref) }).toEqual({ ts, max: 0, mean: 0 });
    }
  });

  it('lossy syntaxes stay within their stated tolerance (in HU)', async () => {
    const ref = await decodeImageBytes(ct('LittleEndianExplicitTransferSyntax_1.2.840.10008.1.2.1.dcm'), 0, codecs);
    // JPEG-LS near-lossless: the codestream's NEAR bound (1) is the tolerance, pixel by pixel.
    expect(diff(await decodeImageBytes(ct('JPEGLSLossyTransferSyntax_1.2.840.10008.1.2.4.81.dcm'), 0, codecs), ref).max).toBeLessThanOrEqual(1);
    // JPEG 2000 lossy: at most 8 HU anywhere, under 1 HU on average (measured 5 / 0.57).
    const j2k = diff(await decodeImageBytes(ct('JPEG2000TransferSyntax_1.2.840.10008.1.2.4.91.dcm'), 0, codecs), ref);
    expect(j2k.max).toBeLessThanOrEqual(8);
    expect(j2k.mean).toBeLessThan(1);
    // JPEG baseline keeps 8 bits of a 4,400 HU range (slope ~17 HU per step): under 100 HU anywhere, 25 on average (measured 64 / 20).
    // 12-bit lossy JPEG (processes 2&4, 6&8, 10&12, through dcmjs-imaging's libjpeg): under 50 HU anywhere, 5 on average (measured 36 / 3.8).
    for (const ts of ['JPEGProcess2_4TransferSyntax_1.2.840.10008.1.2.4.51.dcm', 'JPEGProcess6_8TransferSyntax_1.2.840.10008.1.2.4.53.dcm', 'JPEGProcess10_12TransferSyntax_1.2.840.10008.1.2.4.55.dcm']) {
      const d = diff(await decodeImageBytes(ct(ts), 0, codecs), ref);
      expect({ ts, max: d.max < 50, mean: d.mean < 5 }).toEqual({ ts, max: true, mean: true });
    }
    const base = diff(await decodeImageBytes(ct('JPEGProcess1TransferSyntax_1.2.840.10008.1.2.4.50.dcm'), 0, codecs), ref);
    expect(base.max).toBeLessThan(100);
    expect(base.mean).toBeLessThan(25);
  });

  it('multi-frame variants agree frame by frame (fragmented, with and without offset table)', async () => {
    const dir = 'cornerstonejs_dicomParser/encapsulated/multi-frame/';
    const variants = ['CT0012.fragmented_no_bot_jpeg_lossless.57.dcm', 'CT0012.fragmented_no_bot_jpeg_lossless.70.dcm', 'CT0012.fragmented_no_bot_jpeg_ls.80.dcm', 'CT0012.not_fragmented_bot_jpeg_ls.80.dcm', 'CT0012.not_fragmented_bot_rle.dcm', 'CT0012.not_fragmented_no_bot_rle.dcm'];
    for (const frame of [0, 1]) {
      const ref = await decodeImageBytes(read(dir + variants[0]), frame, codecs);
      for (const v of variants.slice(1)) expect({ v, frame, ...diff(await decodeImageBytes(read(dir + v), frame, codecs), ref) }).toEqual({ v, frame, max: 0, mean: 0 });
    }
    const emri = 'pydicom_pydicom-data/';
    for (const frame of [0, 9]) {
      const ref = await decodeImageBytes(read(emri + 'emri_small.dcm'), frame, codecs);
      for (const v of ['emri_small_RLE.dcm', 'emri_small_big_endian.dcm', 'emri_small_jpeg_ls_lossless.dcm']) {
        expect({ v, frame, ...diff(await decodeImageBytes(read(emri + v), frame, codecs), ref) }).toEqual({ v, frame, max: 0, mean: 0 });
      }
    }
  });

  it('reads metadata, including Enhanced multi-frame functional groups', () => {
    const info = parseDicom(read('pydicom_pydicom-data/emri_small.dcm')).info;
    expect(info).toMatchObject({ modality: 'MR', frames: 10, rows: 64, columns: 64, photometric: 'MONOCHROME2', bitsAllocated: 16 });
    const ct1 = parseDicom(read('cornerstonejs_cornerstone3D/CTImage.dcm_LittleEndianExplicitTransferSyntax_1.2.840.10008.1.2.1.dcm')).info;
    expect(ct1).toMatchObject({ modality: 'CT', windowCenter: 40, windowWidth: 400, rescaleIntercept: -1024, rescaleSlope: 1 });
    expect(ct1.studyUid).toMatch(/^[\d.]+$/);
    const raw = parseDicom(read('pydicom_pydicom-data/OT-PAL-8-face.dcm')).info; // no preamble, no meta header
    expect(raw).toMatchObject({ rows: 480, columns: 640, photometric: 'PALETTE COLOR' });
  });
});

describe('quick previews', () => {
  it('decodes a large JPEG 2000 at a lower resolution level, keeping the full size and the values', async () => {
    const bytes = read('pydicom_pydicom-data/RG1_J2KI.dcm');
    const codecs = new Codecs();
    const preview = await decodeImageBytes(bytes, 0, codecs, { previewSize: 400 });
    expect([preview.width, preview.height, preview.fullWidth, preview.fullHeight]).toEqual([461, 489, 1841, 1955]);
    const full = await decodeImageBytes(bytes, 0, codecs);
    expect([full.width, full.fullWidth]).toEqual([1841, 1841]);
    // Same modality values (means within 1 %): the preview is the image, smaller.
    const mean = (d: DecodedImage) => {
      let sum = 0;
      for (let i = 0; i < d.data.length; i++) sum += d.data[i]!;
      return sum / d.data.length;
    };
    expect(Math.abs(mean(preview) - mean(full)) / mean(full)).toBeLessThan(0.01);
    // A small image is never reduced.
    const ct = await decodeImageBytes(read('cornerstonejs_cornerstone3D/CT1_J2KR'), 0, codecs, { previewSize: 400 });
    expect([ct.width, ct.fullWidth]).toEqual([512, 512]);
    // Nor one under 4x the preview size (512 < 4 x 200), though a level down would still be 256.
    const ct200 = await decodeImageBytes(read('cornerstonejs_cornerstone3D/CT1_J2KR'), 0, codecs, { previewSize: 200 });
    expect([ct200.width, ct200.fullWidth]).toEqual([512, 512]);
    const cr200 = await decodeImageBytes(bytes, 0, codecs, { previewSize: 200 });
    expect([cr200.width, cr200.height]).toEqual([231, 245]);
  });
});

describe('toGray8', () => {
  it('windows, inverts MONOCHROME1 and resizes', async () => {
    const cr = await decodeImageBytes(read('ivmartel_dwv/gdcm-CR-MONO1-10-chest.dcm'));
    expect(cr.invert).toBe(true);
    const g = toGray8(cr, 28);
    expect([g.width, g.height, g.data.length]).toEqual([28, 28, 784]);
    // Inverted: the lowest stored value is white.
    const full = toGray8(cr, undefined, { center: (cr.min + cr.max) / 2, width: cr.max - cr.min + 1 });
    let minIdx = 0;
    for (let i = 0; i < cr.data.length; i++) if (cr.data[i]! < cr.data[minIdx]!) minIdx = i;
    expect(full.data[minIdx]).toBe(255);
  });
});

describe('RLE decoder', () => {
  it('refuses a frame whose segment count disagrees with the image, and a short frame', () => {
    const header = new Uint8Array(64);
    header[0] = 2;
    expect(() => decodeRle(header, 2, 2, 1, 1)).toThrow(/2 segments; 1 were expected/);
    expect(() => decodeRle(new Uint8Array(10), 2, 2, 1, 1)).toThrow(/too short/);
  });
});
