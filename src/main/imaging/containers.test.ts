import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { zipSync } from 'fflate';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from '../app/testing';
import { Codecs } from './codecs';
import { MAX_MEMBER_BYTES, unsafeName } from './containers';
import { deflateRawWithZeros } from './fixtures/bombs';
import { encodeElements, imageElements, part10 } from './fixtures/dicomBytes';
import { processFile, walk, type FileJob, type FileResult } from './importFiles';

const dir = tempDir('carelens-containers-');
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const codecs = new Codecs();

function dicom(uid: string, fill: number): Uint8Array {
  return part10('1.2.840.10008.1.2.1', encodeElements(imageElements({ rows: 8, columns: 8, pixels: new Uint8Array(64).map((_, i) => (i * fill) % 256), sopInstanceUid: uid })));
}

/** Walks `roots` and processes every job as the import worker does; walk failures included. */
async function importRun(roots: string[]): Promise<FileResult[]> {
  const store = tempDir('carelens-containers-store-');
  const results: FileResult[] = [];
  const jobs: FileJob[] = [];
  for await (const job of walk(roots, (p, reason) => results.push({ kind: 'failed', path: p, reason, size: 0 }))) jobs.push(job);
  for (const job of jobs) results.push(await processFile(job, { storeRoot: store, thumbRoot: store, labelsFromFolders: false, patientFromFolders: false, knownSha: new Set(), keys: null } as never, codecs));
  fs.rmSync(store, { recursive: true, force: true });
  return results;
}

const byPath = (results: FileResult[]) => new Map(results.map((r) => [r.path, r]));

/** Rewrites the central directory's declared uncompressed size of the member named `name`. */
function patchDeclaredSize(zip: Uint8Array, name: string, size: number): Buffer {
  const b = Buffer.from(zip);
  for (let p = 0; p + 46 < b.length; p++) {
    if (b.readUInt32LE(p) === 0x02014b50 && b.subarray(p + 46, p + 46 + b.readUInt16LE(p + 28)).toString() === name) {
      b.writeUInt32LE(size, p + 24);
      return b;
    }
  }
  throw new Error(`no entry ${name}`);
}

describe('ZIP and gzip containers met in the walk', () => {
  it('imports each member under archive.zip!/dir/file, and reports what it refuses', async () => {
    const inner = zipSync({ 'x.dcm': dicom('1.2.3.100', 5) });
    const zip = zipSync({
      'series/a.dcm': dicom('1.2.3.1', 1),
      'series/b.dcm': [dicom('1.2.3.2', 3), { level: 0 }],
      'notes.txt': new TextEncoder().encode('not an image'),
      'inner.zip': inner,
      '../escape.dcm': dicom('1.2.3.3', 7),
      '/etc/abs.dcm': dicom('1.2.3.4', 9),
    });
    const file = path.join(dir, 'scans.zip');
    fs.writeFileSync(file, zip);
    const results = byPath(await importRun([dir]));
    expect(results.get(`${file}!/series/a.dcm`)).toMatchObject({ kind: 'image', format: 'dicom', rows: 8, columns: 8 });
    expect(results.get(`${file}!/series/b.dcm`)).toMatchObject({ kind: 'image' });
    expect(results.get(`${file}!/notes.txt`)).toMatchObject({ kind: 'failed', reason: 'not DICOM, PNG or JPEG' });
    expect(results.get(`${file}!/inner.zip`)).toMatchObject({ kind: 'failed', reason: expect.stringMatching(/archive inside an archive/) });
    expect(results.get(`${file}!/../escape.dcm`)).toMatchObject({ kind: 'failed', reason: expect.stringMatching(/climbs out of the archive/) });
    expect(results.get(`${file}!//etc/abs.dcm`)).toMatchObject({ kind: 'failed', reason: expect.stringMatching(/absolute path/) });
    fs.rmSync(file);
  });

  it('reads a .gz of a DICOM file as its one member', async () => {
    const file = path.join(dir, 'gz', 'slice.dcm.gz');
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, zlib.gzipSync(dicom('1.2.3.20', 11)));
    const results = await importRun([file]);
    expect(results).toEqual([expect.objectContaining({ kind: 'image', path: `${file}!/slice.dcm` })]);
  });

  it('refuses a member that inflates past its declared size, one declared too large, and a damaged archive, each with a reason, and reads the rest', async () => {
    const sub = path.join(dir, 'bounds');
    fs.mkdirSync(sub, { recursive: true });
    const plain = zipSync({ 'empty.dcm': new Uint8Array(1000), 'ok.dcm': dicom('1.2.3.30', 13) }, { level: 9 });
    fs.writeFileSync(path.join(sub, 'plain.zip'), plain);
    // A member whose directory declares 1,000 bytes and whose deflate stream makes 50 MB.
    const zeros = deflateRawWithZeros(new Uint8Array(0), 50e6);
    const declaredHuge = patchDeclaredSize(zipSync({ 'huge.dcm': new Uint8Array(10) }), 'huge.dcm', MAX_MEMBER_BYTES + 1);
    fs.writeFileSync(path.join(sub, 'huge.zip'), declaredHuge);
    fs.writeFileSync(path.join(sub, 'cut.zip'), Buffer.from(plain).subarray(0, 200));
    fs.writeFileSync(path.join(sub, 'zeros.zip'), handMadeZip('bomb.dcm', zeros, 1000));
    const results = byPath(await importRun([sub]));
    expect(results.get(`${path.join(sub, 'huge.zip')}!/huge.dcm`)).toMatchObject({ kind: 'failed', reason: expect.stringMatching(/^too large: the member inflates to \d+ bytes/) });
    expect(results.get(path.join(sub, 'cut.zip'))).toMatchObject({ kind: 'failed', reason: expect.stringMatching(/ZIP archive is damaged: its central directory .* is missing/) });
    expect(results.get(`${path.join(sub, 'zeros.zip')}!/bomb.dcm`)).toMatchObject({ kind: 'failed', reason: expect.stringMatching(/too large: the ZIP member inflates to more than/) });
    expect(results.get(`${path.join(sub, 'plain.zip')}!/ok.dcm`)).toMatchObject({ kind: 'image' });
    expect(results.get(`${path.join(sub, 'plain.zip')}!/empty.dcm`)).toMatchObject({ kind: 'failed', reason: 'not DICOM, PNG or JPEG' });
  });

  it('names unsafe member names', () => {
    expect(unsafeName('a/b/c.dcm')).toBeNull();
    expect(unsafeName('a/../../c.dcm')).toMatch(/climbs out/);
    expect(unsafeName('..\\c.dcm')).toMatch(/climbs out/);
    expect(unsafeName('C:/x.dcm')).toMatch(/absolute/);
    expect(unsafeName('\\\\server\\x.dcm')).toMatch(/absolute/);
    expect(unsafeName('a\0b')).toMatch(/NUL/);
  });
});

/** A one-member ZIP around raw deflate data, declaring `declaredSize` (fflate cannot write a lying entry). */
function handMadeZip(name: string, deflated: Uint8Array, declaredSize: number): Buffer {
  const n = Buffer.from(name);
  const local = Buffer.alloc(30);
  local.writeUInt32LE(0x04034b50, 0);
  local.writeUInt16LE(20, 4);
  local.writeUInt16LE(8, 8);
  local.writeUInt32LE(deflated.length, 18);
  local.writeUInt32LE(declaredSize, 22);
  local.writeUInt16LE(n.length, 26);
  const central = Buffer.alloc(46);
  central.writeUInt32LE(0x02014b50, 0);
  central.writeUInt16LE(20, 4);
  central.writeUInt16LE(20, 6);
  central.writeUInt16LE(8, 10);
  central.writeUInt32LE(deflated.length, 20);
  central.writeUInt32LE(declaredSize, 24);
  central.writeUInt16LE(n.length, 28);
  central.writeUInt32LE(0, 42);
  const dirOffset = local.length + n.length + deflated.length;
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(1, 8);
  end.writeUInt16LE(1, 10);
  end.writeUInt32LE(central.length + n.length, 12);
  end.writeUInt32LE(dirOffset, 16);
  return Buffer.concat([local, n, Buffer.from(deflated), central, n, end]);
}
