import fs from 'node:fs';
import path from 'node:path';
import * as dicomParser from 'dicom-parser';
import { afterAll, describe, expect, it } from 'vitest';
import { SHARED_DATA, tempDir } from '../app/testing';
import { seededRandom } from '../../shared/random';
import { Codecs } from './codecs';
import { DicomError, parseDicom } from './dicom';
import { dcmtk, encapsulated, encodeElements, hasTool, imageElements, part10, writeFile } from './fixtures/dicomBytes';
import { decodeImageBytes } from './pixels';
import { sniff } from './sniff';

/**
 * Valid DICOM that CareLens used to refuse, one class per block, each from files built here
 * (bytes in TypeScript, transcoded by dcmtk where a dcmtk tool is the natural writer).
 */
const dir = tempDir('carelens-valid-dicom-');
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const codecs = new Codecs();
const EXPLICIT_LE = '1.2.840.10008.1.2.1';
const DCMCRLE = hasTool('dcmcrle');
const DCMCONV = hasTool('dcmconv');
for (const [tool, present] of [['dcmcrle', DCMCRLE], ['dcmconv', DCMCONV]] as const) {
  if (!present) console.log(`[valid-dicom] ${tool} (dcmtk) is not installed: its tests are skipped; install dcmtk (.ci/run does)`);
}

function u32(values: number[]): Uint8Array {
  const b = Buffer.alloc(values.length * 4);
  values.forEach((v, i) => b.writeUInt32LE(v >>> 0, i * 4));
  return new Uint8Array(b);
}

describe('RLE Lossless with 32 bits allocated', () => {
  it.skipIf(!DCMCRLE)('decodes one sample (4 segments) to the same stored values as the native file', async () => {
    const values = Array.from({ length: 6 * 5 }, (_, i) => (i * 123_457_891) % 2 ** 32);
    const native = writeFile(dir, 'g32.dcm', part10(EXPLICIT_LE, encodeElements(imageElements({ rows: 5, columns: 6, bitsAllocated: 32, pixels: u32(values) }))));
    dcmtk('dcmcrle', [native, path.join(dir, 'g32-rle.dcm')]);
    const rle = fs.readFileSync(path.join(dir, 'g32-rle.dcm'));
    expect(parseDicom(rle).info.transferSyntax).toBe('1.2.840.10008.1.2.5');
    const d = await decodeImageBytes(rle, 0, codecs);
    expect(Array.from(d.data)).toEqual(values.map((v) => Math.fround(v)));
  });
  it.skipIf(!DCMCRLE)('decodes RGB (12 segments), every channel from its top 8 bits', async () => {
    const n = 4 * 3;
    const values = Array.from({ length: n * 3 }, (_, i) => ((i * 97) % 256) * 2 ** 24 + i * 31);
    const native = writeFile(dir, 'rgb32.dcm', part10(EXPLICIT_LE, encodeElements(imageElements({ rows: 3, columns: 4, samples: 3, photometric: 'RGB', bitsAllocated: 32, pixels: u32(values) }))));
    dcmtk('dcmcrle', [native, path.join(dir, 'rgb32-rle.dcm')]);
    const d = await decodeImageBytes(fs.readFileSync(path.join(dir, 'rgb32-rle.dcm')), 0, codecs);
    expect(d.samples).toBe(3);
    expect(Array.from(d.data)).toEqual(values.map((v) => Math.floor(v / 2 ** 24)));
  });
});

describe('native YBR_FULL_422 (two bytes per pixel)', () => {
  it('expands Y1 Y2 Cb Cr pairs to RGB', async () => {
    // Two pixel pairs per row, 2 rows: (Y1, Y2, Cb, Cr) each.
    const pairs = [[100, 150, 128, 128], [60, 70, 200, 90], [255, 0, 128, 128], [30, 40, 60, 180]];
    const pixels = new Uint8Array(pairs.flat());
    const file = part10(EXPLICIT_LE, encodeElements(imageElements({ rows: 2, columns: 4, samples: 3, photometric: 'YBR_FULL_422', pixels })));
    const d = await decodeImageBytes(file, 0, codecs);
    const rgb = (y: number, cb: number, cr: number) => [y + 1.402 * (cr - 128), y - 0.344136 * (cb - 128) - 0.714136 * (cr - 128), y + 1.772 * (cb - 128)].map((v) => Math.min(255, Math.max(0, Math.round(v))));
    const expected = pairs.flatMap(([y1, y2, cb, cr]) => [...rgb(y1!, cb!, cr!), ...rgb(y2!, cb!, cr!)]);
    expect([d.width, d.height, d.samples]).toEqual([4, 2, 3]);
    expect(Array.from(d.data)).toEqual(expected);
  });
  it('still refuses pixel data shorter than two bytes per pixel, saying how short', async () => {
    const file = part10(EXPLICIT_LE, encodeElements(imageElements({ rows: 2, columns: 4, samples: 3, photometric: 'YBR_FULL_422', pixels: new Uint8Array(12) })));
    await expect(decodeImageBytes(file, 0, codecs)).rejects.toThrow(/truncated: pixel data ends at byte \d+ of \d+/);
  });
});

describe('DICOM without preamble or meta header (implicit VR little endian)', () => {
  const pixels = new Uint8Array(Array.from({ length: 16 }, (_, i) => i * 9));
  it('is recognised and decoded, built byte by byte', async () => {
    const raw = encodeElements(imageElements({ rows: 4, columns: 4, pixels }), false);
    expect(sniff(raw)).toBe('dicom-raw');
    const d = await decodeImageBytes(raw, 0, codecs);
    expect(Array.from(d.data)).toEqual(Array.from(pixels));
    // One that starts past (0008,00FF): no SOP Class at the top, a Study Description first.
    const late = encodeElements([{ tag: [0x0008, 0x1030], vr: 'LO', value: 'CHEST' }, ...imageElements({ rows: 4, columns: 4, pixels }).filter((e) => e.tag[0] !== 0x0008)], false);
    expect(sniff(late)).toBe('dicom-raw');
    expect(Array.from((await decodeImageBytes(late, 0, codecs)).data)).toEqual(Array.from(pixels));
  });
  it.skipIf(!DCMCONV)('is recognised and decoded as dcmconv writes it (-F +ti: data set only)', async () => {
    const file = writeFile(dir, 'p10.dcm', part10(EXPLICIT_LE, encodeElements(imageElements({ rows: 4, columns: 4, pixels }))));
    const bare = path.join(dir, 'bare.dcm');
    dcmtk('dcmconv', ['-F', '+ti', file, bare]);
    const bytes = fs.readFileSync(bare);
    expect(bytes.subarray(128, 132).toString('latin1')).not.toBe('DICM');
    expect(sniff(bytes)).toBe('dicom-raw');
    const d = await decodeImageBytes(bytes, 0, codecs);
    expect(Array.from(d.data)).toEqual(Array.from(pixels));
    expect(parseDicom(bytes).info.patientId).toBe('FIXTURE-1');
  });
  it('does not take random binary for DICOM, even when it starts like group 0008', () => {
    const rand = seededRandom(16);
    let taken = 0;
    for (let i = 0; i < 20_000; i++) {
      const b = new Uint8Array(512);
      for (let k = 0; k < b.length; k++) b[k] = Math.floor(rand() * 256);
      if (i % 3 > 0) {
        b[0] = 0x08;
        b[1] = 0x00; // a plausible first group (0008,xxxx)
        if (i % 3 === 1) b[3] = 0x00; // and element (0008,00xx)
      }
      if (sniff(b) === 'dicom-raw') taken++;
    }
    expect(taken).toBe(0);
  });
});

describe('JPEG 2000 frame with an extra item or delimiter among its fragments', () => {
  const source = fs.readFileSync(path.join(SHARED_DATA, 'dicom/pydicom_pydicom-data/US1_J2KR.dcm'));
  const ds = dicomParser.parseDicom(source);
  const el = ds.elements.x7fe00010!;
  const fragments = el.fragments!.map((f) => source.subarray(f.position, f.position + f.length));
  const header = source.subarray(0, el.dataOffset - 12); // the file up to the Pixel Data element
  const item = (data: Uint8Array, element = 0xe000) => {
    const h = Buffer.alloc(8);
    h.writeUInt16LE(0xfffe, 0);
    h.writeUInt16LE(element, 2);
    h.writeUInt32LE(data.length, 4);
    return Buffer.concat([h, data]);
  };
  const pixelHead = Buffer.from([0xe0, 0x7f, 0x10, 0x00, 0x4f, 0x42, 0, 0, 0xff, 0xff, 0xff, 0xff]);
  const end = item(new Uint8Array(0), 0xe0dd);

  it('decodes to the same pixels with a stray item before the codestream', async () => {
    const expected = await decodeImageBytes(source, 0, codecs);
    const file = Buffer.concat([header, encapsulated([new Uint8Array([1, 0, 0, 0, 0, 0, 0, 0]), ...fragments])]);
    const d = await decodeImageBytes(file, 0, codecs);
    expect([d.width, d.height]).toEqual([640, 480]);
    expect(Buffer.from(d.data).equals(Buffer.from(expected.data))).toBe(true);
  });
  it('decodes to the same pixels with an Item Delimitation Item between fragments', async () => {
    const expected = await decodeImageBytes(source, 0, codecs);
    const file = Buffer.concat([header, pixelHead, item(new Uint8Array(0)), item(fragments[0]!), item(new Uint8Array(0), 0xe00d), ...fragments.slice(1).map((f) => item(f)), end]);
    const d = await decodeImageBytes(file, 0, codecs);
    expect(Buffer.from(d.data).equals(Buffer.from(expected.data))).toBe(true);
  });
  it('refuses a frame with no codestream in words, never as a 0x0 image', async () => {
    const file = Buffer.concat([header, encapsulated([new Uint8Array(64).fill(7)])]);
    await expect(decodeImageBytes(file, 0, codecs)).rejects.toThrow(/no codestream|no image/);
  });
});

describe('parse failures say what is wrong and where', () => {
  const good = part10(EXPLICIT_LE, encodeElements(imageElements({ rows: 8, columns: 8, pixels: new Uint8Array(64) })));
  const reasonOf = (bytes: Uint8Array) => {
    try {
      parseDicom(bytes);
      return null;
    } catch (err) {
      expect(err).toBeInstanceOf(DicomError);
      return (err as Error).message;
    }
  };
  it('a truncated file names the last element read and the byte it ends at', () => {
    const reason = reasonOf(good.subarray(0, good.length - 40));
    expect(reason).toMatch(/^truncated: the file ends inside a DICOM element \(after element \([0-9A-F]{4},[0-9A-F]{4}\), which ends at byte \d+ of \d+\)/);
    expect(reason).not.toContain('[object');
  });
  it('a length running past the end names the element that claims it', () => {
    const bad = Buffer.from(good);
    const at = bad.indexOf(Buffer.from([0x10, 0x00, 0x10, 0x00, 0x50, 0x4e])); // (0010,0010) PN
    bad.writeUInt16LE(0xfff0, at + 6);
    const reason = reasonOf(bad)!;
    expect(reason).toMatch(/\(0010,0010\), which ends at byte \d+ of \d+/);
    expect(reason).not.toContain('[object');
  });
  it('no reason for any prefix of a real file contains "[object" or is empty', () => {
    const real = fs.readFileSync(path.join(SHARED_DATA, 'dicom/pydicom_pydicom-data/emri_small.dcm'));
    for (let cut = 0; cut < 2000; cut += 7) {
      const reason = reasonOf(real.subarray(0, cut));
      if (reason === null) continue;
      expect(reason.length).toBeGreaterThan(10);
      expect(reason).not.toContain('[object');
    }
  });
});
