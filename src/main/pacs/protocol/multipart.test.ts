import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { SHARED_DATA } from '../../app/testing';
import { MultipartParser, multipartBoundary, parseMultipart } from './multipart';
import { buildMetaHeader, checkPart10, normalizePart10 } from './part10';

const sample = fs.readFileSync(path.join(SHARED_DATA, 'dicom/pydicom_pydicom-data/emri_small.dcm'));
const other = fs.readFileSync(path.join(SHARED_DATA, 'dicom/cornerstonejs_cornerstone3D/CTImage.dcm_LittleEndianExplicitTransferSyntax_1.2.840.10008.1.2.1.dcm'));

function body(boundary: string, parts: Buffer[], close = true): Buffer {
  const out: Buffer[] = [Buffer.from('ignored preamble\r\n')];
  for (const p of parts) out.push(Buffer.from(`--${boundary}\r\nContent-Type: application/dicom\r\nContent-Length: ${p.length}\r\n\r\n`), p, Buffer.from('\r\n'));
  if (close) out.push(Buffer.from(`--${boundary}--\r\nepilogue`));
  return Buffer.concat(out);
}

function parseAll(data: Buffer, boundary: string, step: number): Buffer[] {
  const p = new MultipartParser(boundary);
  const parts: Buffer[] = [];
  for (let i = 0; i < data.length; i += step) parts.push(...p.push(data.subarray(i, i + step)).map((x) => x.body));
  p.end();
  return parts;
}

describe('multipart/related parser', () => {
  it('reads the boundary from a Content-Type, quoted or not', () => {
    expect(multipartBoundary('multipart/related; type="application/dicom"; boundary=abc123')).toBe('abc123');
    expect(multipartBoundary('Multipart/Related; boundary="a b:c"; type="application/dicom"')).toBe('a b:c');
    expect(multipartBoundary('application/dicom')).toBeNull();
    expect(multipartBoundary('multipart/related; type="application/dicom"')).toBeNull();
  });

  it.each([1, 2, 13, 4096, 1 << 20])('splits two instances exactly, fed %i bytes at a time', (step) => {
    const parts = parseAll(body('b0undary', [sample, other]), 'b0undary', step);
    expect(parts).toHaveLength(2);
    expect(parts[0]!.equals(sample)).toBe(true);
    expect(parts[1]!.equals(other)).toBe(true);
  });

  it('keeps part headers, lower-cased', async () => {
    async function* chunks(): AsyncGenerator<Buffer> {
      yield body('zz', [sample]);
    }
    const parts = [];
    for await (const p of parseMultipart(chunks(), 'zz')) parts.push(p);
    expect(parts[0]!.headers['content-type']).toBe('application/dicom');
    expect(parts[0]!.headers['content-length']).toBe(String(sample.length));
  });

  it('refuses a body without its closing boundary, a body without any, and broken headers', () => {
    expect(() => parseAll(body('b', [sample], false), 'b', 1000)).toThrow(/ended before its closing boundary/);
    expect(() => parseAll(Buffer.from('nothing here at all'), 'b', 1000)).toThrow(/no part/);
    expect(() => parseAll(Buffer.from('--b\r\nno colon here\r\n\r\nxx\r\n--b--'), 'b', 1000)).toThrow(/malformed header/);
  });
});

describe('Part-10 framing', () => {
  it('finds the UIDs and transfer syntax, and refuses every truncation of a real instance', () => {
    const info = checkPart10(sample);
    expect(info.transferSyntaxUid).toBe('1.2.840.10008.1.2.1');
    expect(info.sopInstanceUid).toMatch(/^[0-9.]+$/);
    for (const cut of [1, 2, 7, 100, 1000, sample.length - info.datasetOffset - 1]) {
      expect(() => checkPart10(sample.subarray(0, sample.length - cut))).toThrow(/truncated or malformed/);
    }
    expect(() => checkPart10(Buffer.from('not dicom'))).toThrow(/DICM/);
  });

  it('wraps a data set in a meta header that reads back, and a bare data set the same way', () => {
    const info = checkPart10(sample);
    const dataset = sample.subarray(info.datasetOffset);
    const framed = Buffer.concat([buildMetaHeader(info.sopClassUid, info.sopInstanceUid, info.transferSyntaxUid), dataset]);
    const back = checkPart10(framed);
    expect(back).toMatchObject({ sopClassUid: info.sopClassUid, sopInstanceUid: info.sopInstanceUid, transferSyntaxUid: info.transferSyntaxUid });
    expect(framed.subarray(back.datasetOffset).equals(dataset)).toBe(true);

    const bare = normalizePart10(dataset);
    expect(bare.info.sopInstanceUid).toBe(info.sopInstanceUid);
    expect(bare.part10.subarray(bare.info.datasetOffset).equals(dataset)).toBe(true);
    expect(normalizePart10(sample).part10).toBe(sample); // a whole Part-10 file is not copied
  });
});
