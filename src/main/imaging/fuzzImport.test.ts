import fs from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import * as dicomParser from 'dicom-parser';
import type { Element } from 'dicom-parser';
import { afterAll, describe, expect, it } from 'vitest';
import { callAs, createTestApp, SHARED_DATA, tempDir, value } from '../app/testing';
import type { ImportSummary } from '../../shared/domain/imaging';
import { seededRandom } from '../../shared/random';
import type { FileResult } from './importFiles';

/**
 * Fuzzing the import with damaged DICOM. (src/main/trust/fuzz.test.ts fuzzes the dispatch
 * table with malformed calls; this fuzzes the files an import reads.) Real files from
 * ../shared/data/dicom, mutated with a seeded generator: truncated at random points, bytes
 * flipped in element lengths and VRs, garbage tags inserted, huge lengths, and damage inside
 * the pixel data / codestreams. Each case goes through processFile (the import's per-file work)
 * in a worker thread ended after 5 s, so a hang is a finding, not a stuck test. Then the
 * whole set is imported through the app: counts add up, every failure has a readable reason,
 * and nothing half-written is left in the data folder or the database.
 */
const CASES = 300;
const TIMEOUT_MS = 5_000;
const SEED = 20261201;
const DICOM = path.join(SHARED_DATA, 'dicom');
// Small, varied sources: every codec family, native, big endian, deflated, multi-frame, palette, raw.
const SOURCES = [
  'pydicom_pydicom-data/emri_small.dcm',
  'pydicom_pydicom-data/emri_small_RLE.dcm',
  'pydicom_pydicom-data/emri_small_big_endian.dcm',
  'pydicom_pydicom-data/emri_small_jpeg_ls_lossless.dcm',
  'pydicom_pydicom-data/emri_small_jpeg_2k_lossless_too_short.dcm',
  'pydicom_pydicom-data/JPGLosslessP14SV1_1s_1f_8b.dcm',
  'pydicom_pydicom-data/OT-PAL-8-face.dcm',
  'pydicom_pydicom-data/color-pl.dcm',
  'pydicom_pydicom-data/liver_deflate.dcm',
  'pydicom_pydicom-data/JLSL_16_15_1_1F.dcm',
  'pydicom_pydicom-data/parametric_map_float.dcm',
  'cornerstonejs_cornerstone3D/CTImage.dcm_DeflatedExplicitVRLittleEndianTransferSyntax_1.2.840.10008.1.2.1.99.dcm',
  'cornerstonejs_cornerstone3D/CTImage.dcm_JPEGProcess1TransferSyntax_1.2.840.10008.1.2.4.50.dcm',
  'cornerstonejs_cornerstone3D/CTImage.dcm_JPEGProcess2_4TransferSyntax_1.2.840.10008.1.2.4.51.dcm',
  'cornerstonejs_cornerstone3D/CTImage.dcm_JPEG2000TransferSyntax_1.2.840.10008.1.2.4.91.dcm',
  'cornerstonejs_cornerstone3D/CTImage.dcm_LittleEndianImplicitTransferSyntax_1.2.840.10008.1.2.dcm',
  'cornerstonejs_dicomParser/encapsulated/multi-frame/CT0012.not_fragmented_bot_rle.dcm',
  'cornerstonejs_dicomParser/encapsulated/multi-frame/IM00001.fragmented_no_bot_jpeg_baseline.50.dcm',
  'ivmartel_dwv/gdcm-US-RGB-8-esopecho.dcm',
];

const work = tempDir('carelens-fuzz-import-');
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

type Mutation = 'truncate' | 'length' | 'vr' | 'garbage-tag' | 'huge-length' | 'flip' | 'pixel-data';
const MUTATIONS: Mutation[] = ['truncate', 'length', 'vr', 'garbage-tag', 'huge-length', 'flip', 'pixel-data'];

/** Element headers of the top-level data set: where each element's tag, VR and length sit. */
function headers(bytes: Buffer): { start: number; lengthAt: number; lengthSize: 2 | 4; vrAt: number | null; el: Element }[] {
  let ds;
  try {
    ds = dicomParser.parseDicom(bytes);
  } catch {
    return [];
  }
  const out: ReturnType<typeof headers> = [];
  for (const el of Object.values(ds.elements) as Element[]) {
    if (el.dataOffset < 8) continue;
    const explicit = bytes.toString('latin1', el.dataOffset - 4, el.dataOffset - 2) === '\0\0' ? 'long' : null;
    const vrAt = el.vr ? (explicit ? el.dataOffset - 8 : el.dataOffset - 4) : null;
    const long = !el.vr || explicit !== null;
    out.push({ start: long && el.vr ? el.dataOffset - 12 : el.dataOffset - 8, lengthAt: long ? el.dataOffset - 4 : el.dataOffset - 2, lengthSize: long ? 4 : 2, vrAt, el });
  }
  return out;
}

function mutate(source: Buffer, kind: Mutation, rand: () => number): Buffer {
  const b = Buffer.from(source);
  const pick = <T>(xs: T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const hs = headers(source);
  const h = hs.length > 0 ? pick(hs) : null;
  switch (kind) {
    case 'truncate':
      return b.subarray(0, Math.floor(rand() * b.length));
    case 'length':
      if (h) for (let i = 0; i < h.lengthSize; i++) if (rand() < 0.6) b[h.lengthAt + i] = Math.floor(rand() * 256);
      return b;
    case 'vr':
      if (h?.vrAt) {
        b[h.vrAt] = pick([0x00, 0xff, 0x41 + Math.floor(rand() * 26), Math.floor(rand() * 256)]);
        b[h.vrAt + 1] = pick([0x00, 0x41 + Math.floor(rand() * 26), Math.floor(rand() * 256)]);
      }
      return b;
    case 'garbage-tag': {
      const at = h ? h.start : 132;
      const junk = Buffer.alloc(8 + 2 * Math.floor(rand() * 8));
      for (let i = 0; i < junk.length; i++) junk[i] = Math.floor(rand() * 256);
      if (rand() < 0.5) junk.writeUInt16LE(pick([0x0008, 0x0028, 0x7fe0, 0xfffe, 0x0002]), 0);
      return Buffer.concat([b.subarray(0, at), junk, b.subarray(at)]);
    }
    case 'huge-length':
      if (h) {
        const v = pick([0xffffffff, 0xfffffff0, 0x7fffffff, 0x80000000, b.length * 2 + 1]);
        if (h.lengthSize === 4) b.writeUInt32LE(v >>> 0, h.lengthAt);
        else b.writeUInt16LE(0xffff, h.lengthAt);
      }
      return b;
    case 'flip':
      for (let i = 0, n = 1 + Math.floor(rand() * 16); i < n; i++) {
        const at = Math.floor(rand() * b.length);
        b[at] = b[at]! ^ (1 << Math.floor(rand() * 8));
      }
      return b;
    case 'pixel-data': {
      const px = hs.find((x) => x.el.tag === 'x7fe00010');
      const start = px ? px.el.dataOffset : Math.floor(b.length / 2);
      const span = Math.max(1, b.length - start);
      for (let i = 0, n = 1 + Math.floor(rand() * 64); i < n; i++) b[start + Math.floor(rand() * span)] = Math.floor(rand() * 256);
      return b;
    }
  }
}

class FileRunner {
  private worker: Worker | null = null;
  private next = 1;

  private start(): Worker {
    const source = path.join(__dirname, 'fixtures/fuzzWorker.ts');
    this.worker = new Worker(`require('tsx/cjs'); require(${JSON.stringify(source)});`, { eval: true, resourceLimits: { maxOldGenerationSizeMb: 1024 } });
    return this.worker;
  }

  /** processFile on one file, or 'hang' after TIMEOUT_MS, or 'crash' if the worker dies. */
  run(file: string, storeRoot: string): Promise<{ result?: FileResult; threw?: string; hang?: true; crash?: string }> {
    const worker = this.worker ?? this.start();
    const id = this.next++;
    return new Promise((resolve) => {
      const done = (v: { result?: FileResult; threw?: string; hang?: true; crash?: string }) => {
        clearTimeout(timer);
        worker.off('message', onMessage);
        worker.off('error', onError);
        resolve(v);
      };
      const restart = () => {
        void worker.terminate();
        this.worker = null;
      };
      const timer = setTimeout(() => {
        restart();
        done({ hang: true });
      }, TIMEOUT_MS);
      const onMessage = (m: { id: number; result?: FileResult; threw?: string }) => m.id === id && done(m);
      const onError = (err: Error) => {
        restart();
        done({ crash: err.message });
      };
      worker.on('message', onMessage);
      worker.on('error', onError);
      worker.postMessage({ id, path: file, options: { storeRoot, thumbRoot: storeRoot, labelsFromFolders: false, patientFromFolders: false, keys: null } });
    });
  }

  async close(): Promise<void> {
    await this.worker?.terminate();
  }
}

function readable(reason: string): boolean {
  return reason.trim().length >= 10 && !reason.includes('[object') && !/\bundefined\b|\bNaN\b/.test(reason);
}

function filesUnder(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? filesUnder(path.join(dir, e.name)) : [path.join(dir, e.name)]));
}

describe('fuzzing the import with damaged DICOM files', () => {
  const casesDir = path.join(work, 'cases');
  fs.mkdirSync(casesDir, { recursive: true });
  const rand = seededRandom(SEED);
  const cases: { file: string; source: string; mutation: Mutation }[] = [];
  for (let i = 0; i < CASES; i++) {
    const source = SOURCES[i % SOURCES.length]!;
    const mutation = MUTATIONS[Math.floor(rand() * MUTATIONS.length)]!;
    const file = path.join(casesDir, `${String(i).padStart(3, '0')}-${mutation}-${path.basename(source)}`);
    fs.writeFileSync(file, mutate(fs.readFileSync(path.join(DICOM, source)), mutation, rand));
    cases.push({ file, source, mutation });
  }

  it(`${CASES} seeded cases through processFile: no crash, no hang over ${TIMEOUT_MS / 1000} s, every failure with a readable reason`, async () => {
    const runner = new FileRunner();
    const storeRoot = path.join(work, 'store-a');
    const findings: string[] = [];
    const tally: Record<string, { imported: number; refused: number }> = {};
    const reasons = new Map<string, number>();
    try {
      for (const c of cases) {
        const r = await runner.run(c.file, storeRoot);
        const t = (tally[c.mutation] ??= { imported: 0, refused: 0 });
        const name = path.basename(c.file);
        if (r.hang) findings.push(`${name}: hung for more than ${TIMEOUT_MS / 1000} s`);
        else if (r.crash) findings.push(`${name}: the worker crashed (${r.crash})`);
        else if (r.threw) findings.push(`${name}: processFile threw ${r.threw}`);
        else if (r.result!.kind === 'failed') {
          t.refused++;
          const reason = r.result!.reason;
          if (!readable(reason)) findings.push(`${name}: unreadable reason ${JSON.stringify(reason)}`);
          const key = reason.replace(/\d+/g, 'N').replace(/\(after element.*\)/, '(after element …)').slice(0, 90);
          reasons.set(key, (reasons.get(key) ?? 0) + 1);
        } else t.imported++;
      }
    } finally {
      await runner.close();
    }
    const leftovers = filesUnder(storeRoot).filter((f) => f.endsWith('.tmp'));
    console.log(
      `[fuzz-import] seed ${SEED}, ${CASES} cases from ${SOURCES.length} files: ${JSON.stringify(tally)}\n` +
        `  findings: ${findings.length}${findings.length ? '\n  ' + findings.join('\n  ') : ''}\n` +
        `  most common reasons:\n  ${[...reasons.entries()].sort((a, b) => b[1] - a[1]).slice(0, 12).map(([k, n]) => `${n} x ${k}`).join('\n  ')}`,
    );
    expect(findings).toEqual([]);
    expect(leftovers).toEqual([]);
    // The mutations did damage: most cases are refused, and some still import (a flipped byte in a pixel).
    const refused = Object.values(tally).reduce((s, t) => s + t.refused, 0);
    expect(refused).toBeGreaterThan(CASES / 4);
  }, 600_000);

  it('importing all of them through the app stores only whole images and reports the rest', async () => {
    const app = createTestApp({ onDisk: true });
    try {
      const summary = value<ImportSummary>(await callAs(app, 'imaging:import', { paths: [casesDir] }));
      expect(summary.scanned).toBe(CASES);
      expect(summary.imported + summary.duplicates + summary.failed.length).toBe(CASES);
      for (const f of summary.failed) expect(readable(f.reason), `${path.basename(f.path)}: ${f.reason}`).toBe(true);
      const db = app.core.db;
      expect(db.prepare('PRAGMA integrity_check').pluck().get()).toBe('ok');
      const images = db.prepare('SELECT COUNT(*) FROM images').pluck().get() as number;
      const distinct = db.prepare('SELECT COUNT(DISTINCT sha256) FROM images').pluck().get() as number;
      expect(images).toBe(summary.imported);
      // Every image's content stored, none half-written (temporary files are renamed or gone).
      // A file whose SOP Instance UID an earlier file already had is stored before the batch
      // writer counts it as a duplicate; the worker then removes it, so the store holds exactly
      // one file per distinct image.
      const stored = filesUnder(app.core.paths.store);
      expect(stored.filter((f) => f.endsWith('.tmp'))).toEqual([]);
      expect(stored.length).toBe(distinct);
      expect(filesUnder(app.core.paths.thumbnails ?? path.join(app.dataDir, 'thumbnails')).filter((f) => f.endsWith('.tmp'))).toEqual([]);
      const state = db.prepare('SELECT state, imported, failed FROM imports').get() as { state: string; imported: number; failed: number };
      expect(state).toEqual({ state: 'done', imported: summary.imported, failed: summary.failed.length });
      console.log(`[fuzz-import] through the app: ${summary.imported} imported, ${summary.duplicates} duplicates, ${summary.failed.length} reported; ${stored.length} stored files for ${distinct} distinct images integrity ok`);
    } finally {
      await app.close();
    }
  }, 600_000);
});
