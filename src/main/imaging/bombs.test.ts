import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from '../app/testing';
import type { ImportSummary } from '../../shared/domain/imaging';
import { Codecs } from './codecs';
import { parseDicom } from './dicom';
import { deflatedDataSetBomb, deflatedFrameBomb, pngBomb } from './fixtures/bombs';
import { encodeElements, imageElements, part10 } from './fixtures/dicomBytes';
import { processFile } from './importFiles';
import { MAX_FILE_BYTES, MAX_FRAME_PIXELS } from './limits';
import { decodeImageBytes } from './pixels';

/**
 * Decompression bombs: small files that ask for gigabytes. Each is refused with a reason
 * before it is inflated or decoded past its declared size, and a host importing and opening
 * them stays under 2 GB of resident memory (VmHWM, the kernel's peak, sampled from outside).
 */
const dir = tempDir('carelens-bombs-');
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const codecs = new Codecs();
const GB = 1024 * 1024 * 1024;

describe('refused before decoding, each with a reason', () => {
  it('a deflated data set (1.2.840.10008.1.2.1.99) whose one 4096 x 4096 frame inflates to 3.5 GB', async () => {
    const bomb = deflatedDataSetBomb();
    expect(bomb.length).toBeLessThan(4 * 1024 * 1024);
    expect(() => parseDicom(bomb)).toThrow(/^too large: the deflated data set inflates to more than 48 MB/);
  });
  it('a deflated image frame (1.2.840.10008.1.2.8.1) that inflates to 3.5 GB', async () => {
    await expect(decodeImageBytes(deflatedFrameBomb(), 0, codecs)).rejects.toThrow(/^too large: the deflated frame inflates to more than 32 MB/);
  });
  it('a 389 KB PNG declaring 20,000 x 20,000 pixels (from its IHDR)', async () => {
    const png = pngBomb();
    expect(png.length).toBeLessThan(400 * 1024);
    await expect(decodeImageBytes(png, 0, codecs)).rejects.toThrow(/^too large: the PNG header \(IHDR\) declares 20000x20000 pixels \(400 megapixels\); CareLens decodes at most 100 megapixels per frame/);
  });
  it('a JPEG whose SOF declares 60,000 x 60,000', async () => {
    const sof = Buffer.from([0xff, 0xd8, 0xff, 0xc0, 0x00, 0x0b, 0x08, 0xea, 0x60, 0xea, 0x60, 0x01, 0x01, 0x11, 0x00, 0xff, 0xd9]);
    await expect(decodeImageBytes(sof, 0, codecs)).rejects.toThrow(/^too large: the JPEG header \(SOF\) declares 60000x60000 pixels/);
  });
  it('a DICOM header declaring more than the frame or file limits', async () => {
    const wide = part10('1.2.840.10008.1.2.1', encodeElements(imageElements({ rows: 65535, columns: 65535, pixels: new Uint8Array(16) })));
    await expect(decodeImageBytes(wide, 0, codecs)).rejects.toThrow(/^too large: the DICOM header \(Rows, Columns\) declares 65535x65535 pixels/);
    expect(65535 * 65535).toBeGreaterThan(MAX_FRAME_PIXELS);
    const many = part10('1.2.840.10008.1.2.1', encodeElements(imageElements({ rows: 4096, columns: 4096, bitsAllocated: 16, frames: 100, pixels: new Uint8Array(16) })));
    await expect(decodeImageBytes(many, 0, codecs)).rejects.toThrow(/^too large: the DICOM header \(100 frame\(s\) of 4096x4096x1, 16 bits\) declares 3200 MB of decoded pixel data; CareLens decodes at most 1024 MB per file/);
  });
});

describe('files larger than an image may be', () => {
  it('are refused from their size, without being read', async () => {
    const file = path.join(dir, 'huge.dcm');
    fs.writeFileSync(file, deflatedFrameBomb(1000).subarray(0, 200));
    fs.truncateSync(file, MAX_FILE_BYTES + 50 * 1024 * 1024); // sparse: nothing is written to disk
    const store = path.join(dir, 'store');
    const r = await processFile({ path: file, root: dir }, { storeRoot: store, thumbRoot: store, labelsFromFolders: false, patientFromFolders: false, knownSha: new Set(), keys: null }, codecs);
    expect(r).toMatchObject({ kind: 'failed', reason: expect.stringMatching(/^too large: the file is 1090 MB; CareLens imports files up to 1040 MB/) });
    fs.rmSync(file);
  });
});

function vmHwmKb(pid: number): number | null {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : null;
  } catch {
    return null; // exited
  }
}

describe('the CLI importing the bombs in a child process, then opening them', () => {
  it.skipIf(!fs.existsSync('/proc/self/status'))('refuses each with a reason and stays under 2 GB resident (VmHWM)', async () => {
    const folder = path.join(dir, 'incoming');
    fs.mkdirSync(folder, { recursive: true });
    fs.writeFileSync(path.join(folder, 'deflated-dataset.dcm'), deflatedDataSetBomb());
    fs.writeFileSync(path.join(folder, 'deflated-frame.dcm'), deflatedFrameBomb());
    fs.writeFileSync(path.join(folder, 'huge.png'), pngBomb());
    const dataDir = path.join(dir, 'data');
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, 'fixtures/bombChild.ts'), dataDir, folder], { stdio: ['ignore', 'pipe', 'pipe'] });
    let peakKb = 0;
    const sampler = setInterval(() => {
      const kb = vmHwmKb(child.pid!);
      if (kb !== null && kb > peakKb) peakKb = kb;
    }, 50);
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    clearInterval(sampler);
    expect(code, err).toBe(0);
    const report = JSON.parse(out.trim().split('\n').pop()!) as { code: number; summary: ImportSummary; stderr: string; opened: { file: string; error: string | null }[]; vmHwmKb: number };
    peakKb = Math.max(peakKb, report.vmHwmKb);
    console.log(`[bombs] host peak resident memory (VmHWM) ${(peakKb / 1024).toFixed(0)} MB; refusals: ${JSON.stringify(report.summary?.failed.map((f) => `${path.basename(f.path)}: ${f.reason}`))}`);
    expect(report.code, report.stderr).toBe(0);
    expect(report.summary.imported).toBe(0);
    const reasons = new Map(report.summary.failed.map((f) => [path.basename(f.path), f.reason]));
    expect(reasons.get('deflated-dataset.dcm')).toMatch(/^too large: the deflated data set inflates/);
    expect(reasons.get('deflated-frame.dcm')).toMatch(/^too large: the deflated frame inflates/);
    expect(reasons.get('huge.png')).toMatch(/^too large: the PNG header \(IHDR\) declares 20000x20000/);
    for (const o of report.opened) expect(o.error, o.file).toMatch(/^too large: /);
    expect(peakKb * 1024).toBeLessThan(2 * GB);
  }, 120_000);
});
