/**
 * `npm run bench -- pacs [--concurrency N] [--runs N] [--mb N] [--orthanc-nagle]`: PACS retrieve throughput.
 *
 * Starts a throw-away Orthanc on loopback, uploads every instance of ../shared/data/dicom,
 * then copies of them with new Study/Series/SOP Instance UIDs (dcmodify) until the study set
 * is at least --mb (default 100) MB. Then, in one sitting, runs (--runs, default 3, each
 * method in turn per round) and prints the medians of:
 *  - CareLens DICOMweb  fetchInstances (WADO-RS multipart), each instance written to a temp file
 *  - CareLens DIMSE     fetchInstances (C-GET), each instance written to a temp file
 *  - dcmtk getscu       one association, one C-GET per study, files into a temp dir
 *  - Orthanc REST       GET /studies/{id}/archive per study (ZIP), --concurrency at a time
 * with instances/s, MB/s (the study set's stored bytes over the time) and bytes written,
 * and each CareLens protocol's ratio to the faster reference.
 *
 * Then (--store-runs, default 1; 0 skips it) the whole retrieve as a clinician runs it,
 * `pacs:retrieve` into a fresh data folder: fetch, the import's decode check of every frame,
 * thumbnail, encryption and database rows. That is the same per-file work as a folder import,
 * which none of the references does, so it is printed beside them without a ratio target.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import { createDicomWebClient } from '../src/main/pacs/protocol/dicomweb';
import { createDimseClient } from '../src/main/pacs/protocol/dimse';
import { orthancAvailable, sharedDicomFiles, startOrthanc, type OrthancInstance } from '../src/main/pacs/protocol/orthancHarness';
import { runPool } from '../src/main/pacs/protocol/pool';
import { copyWithNewUids, dcmtkAvailable } from '../src/main/pacs/protocol/testSupport';
import type { InstanceRef, PacsClient } from '../src/main/pacs/protocol/types';
import { fmt, median } from './util';
import { callAs, createTestApp, ok } from '../src/main/app/testing';
import { ADMIN, CLINICIAN } from '../src/main/ml/testFindings';
import type { PacsNode, PacsStudy, RetrieveSummary } from '../src/shared/domain/pacs';

const run = promisify(execFile);
const SHARED = path.resolve(__dirname, '../../shared/data');

function arg(args: string[], name: string, def: number): number {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : def;
}

async function json<T>(url: string): Promise<T> {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
  return (await res.json()) as T;
}

interface Measure {
  seconds: number;
  instances: number;
  bytesWritten: number;
}

function dirBytes(dir: string): { files: number; bytes: number } {
  let files = 0;
  let bytes = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!e.isFile()) continue;
    files++;
    bytes += fs.statSync(path.join(e.parentPath ?? (e as unknown as { path: string }).path, e.name)).size;
  }
  return { files, bytes };
}

async function buildStudySet(o: OrthancInstance, targetBytes: number, work: string): Promise<void> {
  const up = await o.uploadSome(sharedDicomFiles(SHARED));
  console.log(`uploaded ${up.stored.length} shared files (${up.refused.length} refused by Orthanc: not DICOM or damaged)`);
  // Sources for the copies: Orthanc's own files (a bare data set comes back with a meta header).
  const ids = await json<string[]>(`${o.baseUrl}/instances`);
  const src = path.join(work, 'src');
  fs.mkdirSync(src, { recursive: true });
  const sources: { path: string; studyUid: string; seriesUid: string }[] = [];
  for (const id of ids) {
    const tags = await json<Record<string, string>>(`${o.baseUrl}/instances/${id}/simplified-tags`);
    const p = path.join(src, `${id}.dcm`);
    fs.writeFileSync(p, Buffer.from(await (await fetch(`${o.baseUrl}/instances/${id}/file`)).arrayBuffer()));
    sources.push({ path: p, studyUid: tags.StudyInstanceUID ?? '', seriesUid: tags.SeriesInstanceUID ?? '' });
  }
  let round = 0;
  for (;;) {
    const stats = await json<{ TotalDiskSize: string; CountInstances: number }>(`${o.baseUrl}/statistics`);
    if (Number(stats.TotalDiskSize) >= targetBytes) break;
    const copies = await copyWithNewUids(sources, path.join(work, `copy${round++}`));
    const res = await o.uploadSome(copies);
    if (res.stored.length === 0) throw new Error('no copy could be uploaded');
    fs.rmSync(path.join(work, `copy${round - 1}`), { recursive: true, force: true });
  }
  fs.rmSync(src, { recursive: true, force: true });
  console.log(`study set: ${round} copies with new UIDs on top of the originals`);
}

async function allRefs(client: PacsClient): Promise<InstanceRef[]> {
  const refs: InstanceRef[] = [];
  for (const s of await client.findStudies({})) refs.push(...(await client.findInstances(s.studyInstanceUid)));
  return refs;
}

async function carelens(client: PacsClient, refs: InstanceRef[], concurrency: number, dir: string): Promise<Measure> {
  fs.mkdirSync(dir, { recursive: true });
  let n = 0;
  let bytes = 0;
  const t0 = performance.now();
  const failures = await client.fetchInstances(
    refs,
    async (ref, part10) => {
      await fs.promises.writeFile(path.join(dir, `${ref.sopInstanceUid}.dcm`), part10);
      n++;
      bytes += part10.length;
    },
    { concurrency },
  );
  const seconds = (performance.now() - t0) / 1000;
  if (failures.length) console.log(`  (${failures.length} failed, e.g. ${failures[0]!.reason})`);
  fs.rmSync(dir, { recursive: true, force: true });
  return { seconds, instances: n, bytesWritten: bytes };
}

async function getscu(o: OrthancInstance, queryFiles: string[], dir: string): Promise<Measure> {
  fs.mkdirSync(dir, { recursive: true });
  const t0 = performance.now();
  let note = '';
  try {
    await run('getscu', ['-q', '-aet', 'CARELENS', '-aec', o.aet, '-S', '-od', dir, '127.0.0.1', String(o.dicomPort), ...queryFiles], { maxBuffer: 64 * 2 ** 20 });
  } catch (err) {
    // getscu exits non-zero when some sub-operations failed (instances it could not take); the files it got are counted.
    const e = err as { code?: number | string; signal?: string };
    note = `getscu ended with code ${String(e.code ?? '-')}${e.signal ? `, signal ${e.signal}` : ''}`;
  }
  const seconds = (performance.now() - t0) / 1000;
  const { files, bytes } = dirBytes(dir);
  fs.rmSync(dir, { recursive: true, force: true });
  if (note) console.log(`  (${note}; ${files} files written)`);
  return { seconds, instances: files, bytesWritten: bytes };
}

async function archive(o: OrthancInstance, studyIds: string[], instances: number, concurrency: number, dir: string): Promise<Measure> {
  fs.mkdirSync(dir, { recursive: true });
  const t0 = performance.now();
  await runPool(studyIds, concurrency, async (id) => {
    const res = await fetch(`${o.baseUrl}/studies/${id}/archive`);
    if (!res.ok || !res.body) throw new Error(`archive ${id}: HTTP ${res.status}`);
    await pipeline(Readable.fromWeb(res.body as never), fs.createWriteStream(path.join(dir, `${id}.zip`)));
  });
  const seconds = (performance.now() - t0) / 1000;
  const { bytes } = dirBytes(dir);
  fs.rmSync(dir, { recursive: true, force: true });
  return { seconds, instances, bytesWritten: bytes };
}

/** `pacs:retrieve` of every study into a fresh on-disk data folder, timed from the call to its summary. */
async function retrieveIntoStore(o: OrthancInstance, via: 'dicomweb' | 'dimse'): Promise<Measure & { failed: number }> {
  const app = createTestApp({ onDisk: true });
  try {
    const node = await ok<PacsNode>(
      callAs(app, 'pacs:addNode', { name: 'Bench', dicomweb: { baseUrl: o.dicomWebUrl }, dimse: { calledAet: o.aet, host: '127.0.0.1', port: o.dicomPort, callingAet: 'CARELENS' } }, ADMIN),
    );
    const studies = await ok<PacsStudy[]>(callAs(app, 'pacs:query', { nodeId: node.id, via, limit: 1000 }, CLINICIAN));
    const t0 = performance.now();
    const summary = await ok<RetrieveSummary>(callAs(app, 'pacs:retrieve', { nodeId: node.id, studyUids: studies.map((x) => x.studyInstanceUid), via }, CLINICIAN));
    const seconds = (performance.now() - t0) / 1000;
    return { seconds, instances: summary.imported + summary.duplicates, bytesWritten: dirBytes(app.core.paths.store).bytes, failed: summary.failed.length };
  } finally {
    await app.close();
  }
}

export default async function bench(args: string[]): Promise<void> {
  const skip = orthancAvailable() ?? dcmtkAvailable('getscu') ?? dcmtkAvailable('dcmodify') ?? dcmtkAvailable('dump2dcm');
  if (skip) {
    console.log(`pacs bench skipped: ${skip}`);
    return;
  }
  const concurrency = arg(args, '--concurrency', 4);
  const runs = arg(args, '--runs', 3);
  const targetMb = arg(args, '--mb', 100);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'carelens-bench-pacs-'));
  // DCMTK (inside Orthanc) leaves Nagle's algorithm on unless TCP_NODELAY=1: every DIMSE message then
  // waits up to 40 ms for the peer's delayed ACK, for getscu and CareLens alike. --orthanc-nagle keeps that default.
  const nagle = args.includes('--orthanc-nagle');
  const o = await startOrthanc(nagle ? {} : { env: { TCP_NODELAY: '1' } });
  console.log(`Orthanc 1.10 on loopback, ${nagle ? 'default DCMTK socket options (Nagle on)' : 'TCP_NODELAY=1 (Nagle off on its DICOM sockets)'}`);
  try {
    await buildStudySet(o, targetMb * 1e6, work);
    const stats = await json<{ TotalDiskSize: string; CountInstances: number; CountStudies: number; CountSeries: number }>(`${o.baseUrl}/statistics`);
    const setBytes = Number(stats.TotalDiskSize);
    const web = createDicomWebClient({ baseUrl: o.dicomWebUrl });
    const dimse = createDimseClient({ calledAet: o.aet, host: '127.0.0.1', port: o.dicomPort, callingAet: 'CARELENS', timeoutMs: 60_000 });
    const refs = await allRefs(web);
    const studyIds = await json<string[]>(`${o.baseUrl}/studies`);
    // One getscu query file per study (dump2dcm), all sent as C-GETs on one association.
    const qdir = path.join(work, 'queries');
    fs.mkdirSync(qdir);
    const queryFiles: string[] = [];
    for (const [i, s] of (await web.findStudies({})).entries()) {
      const txt = path.join(qdir, `${i}.txt`);
      fs.writeFileSync(txt, `(0008,0052) CS [STUDY]\n(0020,000d) UI [${s.studyInstanceUid}]\n`);
      await run('dump2dcm', [txt, path.join(qdir, `${i}.dcm`)]);
      queryFiles.push(path.join(qdir, `${i}.dcm`));
    }
    console.log(
      `study set: ${stats.CountStudies} studies, ${stats.CountSeries} series, ${stats.CountInstances} instances, ${fmt(setBytes / 1e6)} MB stored; ` +
        `CareLens and archive concurrency ${concurrency}; ${runs} runs each, interleaved`,
    );
    const methods: { name: string; go: (i: number) => Promise<Measure> }[] = [
      { name: 'CareLens DICOMweb (WADO-RS)', go: (i) => carelens(web, refs, concurrency, path.join(work, `web${i}`)) },
      { name: 'CareLens DIMSE (C-GET)', go: (i) => carelens(dimse, refs, concurrency, path.join(work, `dimse${i}`)) },
      { name: 'dcmtk getscu (C-GET per study)', go: (i) => getscu(o, queryFiles, path.join(work, `getscu${i}`)) },
      { name: 'Orthanc REST /studies/{id}/archive', go: (i) => archive(o, studyIds, stats.CountInstances, concurrency, path.join(work, `zip${i}`)) },
    ];
    const results = new Map<string, Measure[]>(methods.map((m) => [m.name, []]));
    for (let r = 0; r < runs; r++) {
      for (const m of methods) results.get(m.name)!.push(await m.go(r));
    }
    const rows = methods.map((m) => {
      const ms = results.get(m.name)!;
      const seconds = median(ms.map((x) => x.seconds));
      const instances = median(ms.map((x) => x.instances));
      return { name: m.name, seconds, instances, ips: instances / seconds, mbps: setBytes / 1e6 / seconds, written: median(ms.map((x) => x.bytesWritten)) };
    });
    console.log(`${'method'.padEnd(38)} ${'instances'.padStart(9)} ${'median s'.padStart(9)} ${'inst/s'.padStart(8)} ${'MB/s'.padStart(7)} ${'MB written'.padStart(10)}`);
    for (const r of rows) {
      console.log(`${r.name.padEnd(38)} ${String(r.instances).padStart(9)} ${fmt(r.seconds, 2).padStart(9)} ${fmt(r.ips, 0).padStart(8)} ${fmt(r.mbps).padStart(7)} ${fmt(r.written / 1e6).padStart(10)}`);
    }
    const refsRows = rows.slice(2);
    const fastest = refsRows.reduce((a, b) => (b.seconds < a.seconds ? b : a));
    for (const r of rows.slice(0, 2)) {
      console.log(`${r.name}: ${fmt(fastest.seconds / r.seconds, 2)}x the faster reference (${fastest.name}), by time for the same study set`);
    }
    console.log('(MB/s = the study set\'s stored bytes / time. getscu accepts uncompressed transfer syntaxes only, so Orthanc decompresses what it sends it; the archive is a ZIP of the stored files.)');
    const storeRuns = arg(args, '--store-runs', 1);
    if (storeRuns > 0) {
      console.log(`\nthe whole retrieve into a fresh data folder (pacs:retrieve: fetch, decode check, thumbnail, encryption, database), ${storeRuns} run(s) each:`);
      for (const via of ['dicomweb', 'dimse'] as const) {
        const ms: (Measure & { failed: number })[] = [];
        for (let r = 0; r < storeRuns; r++) ms.push(await retrieveIntoStore(o, via));
        const seconds = median(ms.map((x) => x.seconds));
        const instances = median(ms.map((x) => x.instances));
        console.log(
          `${`CareLens pacs:retrieve over ${via}`.padEnd(38)} ${String(instances).padStart(9)} ${fmt(seconds, 2).padStart(9)} ${fmt(instances / seconds, 0).padStart(8)} ${fmt(setBytes / 1e6 / seconds).padStart(7)} ${fmt(median(ms.map((x) => x.bytesWritten)) / 1e6).padStart(10)}  (${ms[0]!.failed} reported)`,
        );
      }
    }
  } finally {
    await o.stop();
    fs.rmSync(work, { recursive: true, force: true });
  }
}
