/**
 * `npm run bench -- import [--files N] [--skip-shared] [--keep]`: batch import speed.
 *
 * Imports (1) the whole ../shared/data folder and (2) a generated tree of N files (default
 * 10,000: 90 % distinct 64x64 PNGs in class folders, 10 % copies of a real CT slice with
 * unique SOP Instance UIDs), each into a fresh on-disk data folder, then re-imports (2) to time
 * the all-duplicates path. Prints files/s, MB/s, peak RSS (main + worker, one process) and
 * the main thread's event-loop delay p50/p99 while the import runs. Then times the viewer's
 * frame call (decode + encode in the main process) on a few real images, and what the
 * store's encryption costs on its own (encrypted vs plain writes and reads of the same files).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { PNG } from 'pngjs';
import { createApp, type App } from '../src/main/app/createApp';
import { silentLogger } from '../src/main/core/logger';
import { SYSTEM_ACTOR } from '../src/shared/domain/actor';
import type { ImportSummary } from '../src/shared/domain/imaging';
import { parseDicom } from '../src/main/imaging/dicom';
import { storeKeysOf } from '../src/main/imaging/storeKeys';
import { decryptFile, type StoreKeys } from '../src/main/core/fileCrypto';
import { writeEncrypted } from '../src/main/core/encryptedWrite';

const SHARED = path.resolve(__dirname, '../../shared/data');
const CT = path.join(SHARED, 'dicom/cornerstonejs_cornerstone3D/CTImage.dcm_LittleEndianExplicitTransferSyntax_1.2.840.10008.1.2.1.dcm');

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.floor(s.length / 2)]! : NaN;
}

function folderBytes(dir: string): { files: number; bytes: number } {
  let files = 0;
  let bytes = 0;
  const stack = [dir];
  while (stack.length) {
    const d = stack.pop()!;
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) stack.push(p);
      else if (e.isFile()) {
        files++;
        bytes += fs.statSync(p).size;
      }
    }
  }
  return { files, bytes };
}

/** A tree like a research export: <split>/<index>_<class>/<n>.png, plus a CT series folder. */
function generateTree(root: string, n: number): void {
  const ct = fs.readFileSync(CT);
  const sop = Buffer.from(parseDicom(ct).info.sopInstanceUid!, 'latin1');
  // Every place the UID is written (meta header and data set).
  const places: number[] = [];
  for (let at = ct.indexOf(sop); at >= 0; at = ct.indexOf(sop, at + 1)) places.push(at);
  const dicomCount = Math.round(n * 0.1);
  fs.mkdirSync(path.join(root, 'ct-series'), { recursive: true });
  for (let i = 0; i < dicomCount; i++) {
    const copy = Buffer.from(ct);
    // Same length, unique UID: the last digits carry the copy's number.
    const suffix = String(i).padStart(6, '0');
    for (const at of places) copy.write(suffix, at + sop.length - suffix.length, 'latin1');
    fs.writeFileSync(path.join(root, 'ct-series', `IM${String(i).padStart(6, '0')}`), copy);
  }
  const png = new PNG({ width: 64, height: 64 });
  const made = new Set<string>();
  for (let i = 0; i < n - dicomCount; i++) {
    const split = i % 10 < 8 ? 'train' : i % 10 === 8 ? 'val' : 'test';
    const cls = i % 2 === 0 ? '0_normal' : '1_abnormal';
    const dir = path.join(root, split, cls);
    if (!made.has(dir)) {
      fs.mkdirSync(dir, { recursive: true });
      made.add(dir);
    }
    for (let p = 0; p < 64 * 64; p++) {
      const v = (p * 7 + i * 13 + ((p >> 6) * i)) & 255;
      // The first two pixels carry the file's number, so every PNG is distinct.
      const u = p === 0 ? i & 255 : p === 1 ? (i >> 8) & 255 : v;
      png.data[p * 4] = png.data[p * 4 + 1] = png.data[p * 4 + 2] = u;
      png.data[p * 4 + 3] = 255;
    }
    fs.writeFileSync(path.join(dir, `${i}.png`), PNG.sync.write(png, { colorType: 0 }));
  }
}

async function timedImport(app: App, paths: string[], labelsFromFolders: boolean) {
  const loop = monitorEventLoopDelay({ resolution: 1 });
  let peakRss = process.memoryUsage().rss;
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 50);
  loop.enable();
  const t0 = performance.now();
  const r = await app.call('imaging:import', { paths, labelsFromFolders }, { transport: 'cli', actor: SYSTEM_ACTOR });
  const seconds = (performance.now() - t0) / 1000;
  loop.disable();
  clearInterval(sampler);
  if (!r.ok) throw new Error(r.error.message);
  const s = r.value as ImportSummary & { importId: string };
  const bytes = app.core.db.prepare('SELECT bytes FROM imports WHERE id = ?').pluck().get(s.importId) as number;
  return {
    seconds,
    summary: s,
    filesPerSec: s.scanned / seconds,
    mbPerSec: bytes / 1e6 / seconds,
    peakRssMb: peakRss / 2 ** 20,
    loopP50: loop.percentile(50) / 1e6,
    loopP99: loop.percentile(99) / 1e6,
    loopMax: loop.max / 1e6,
  };
}

function print(label: string, m: Awaited<ReturnType<typeof timedImport>>): void {
  const s = m.summary;
  console.log(
    `${label.padEnd(34)} ${String(s.scanned).padStart(6)} files  ${m.seconds.toFixed(1).padStart(6)} s  ${m.filesPerSec.toFixed(0).padStart(5)} files/s  ${m.mbPerSec.toFixed(1).padStart(5)} MB/s  ` +
      `imported ${s.imported} dup ${s.duplicates} failed ${s.failed.length}  peak RSS ${m.peakRssMb.toFixed(0)} MB  loop delay p50 ${m.loopP50.toFixed(1)} ms p99 ${m.loopP99.toFixed(1)} ms max ${m.loopMax.toFixed(0)} ms`,
  );
}

/**
 * What encryption at rest costs, apart from everything else an import does, in this process
 * under the same load: the store's write path (encrypted vs a plain write + rename) and read
 * path (decrypt vs a plain read) over 500 files of the generated tree in its mix (1 CT slice
 * to 9 PNGs), medians of 5.
 */
async function encryptionCost(tree: string, dir: string, keys: StoreKeys | null): Promise<void> {
  if (!keys) return;
  const files: string[] = [];
  // The tree's own mix: 1 CT slice to 9 small PNGs.
  for (const [sub, n] of [['ct-series', 50], ['train/0_normal', 225], ['train/1_abnormal', 225]] as const) for (const f of fs.readdirSync(path.join(tree, sub)).slice(0, n)) files.push(path.join(tree, sub, f));
  const bytes = files.map((f) => fs.readFileSync(f));
  const total = bytes.reduce((s, b) => s + b.length, 0);
  const times = { plainWrite: [] as number[], encWrite: [] as number[], plainRead: [] as number[], encRead: [] as number[] };
  for (let round = 0; round < 5; round++) {
    fs.rmSync(dir, { recursive: true, force: true });
    fs.mkdirSync(path.join(dir, 'p', 'x'), { recursive: true });
    let t = performance.now();
    for (let i = 0; i < bytes.length; i++) {
      // Exactly what the import did before encryption: mkdir, write a temp file, rename.
      const target = path.join(dir, 'p', 'x', String(i));
      await fs.promises.mkdir(path.dirname(target), { recursive: true });
      await fs.promises.writeFile(`${target}.tmp`, bytes[i]!);
      await fs.promises.rename(`${target}.tmp`, target);
    }
    times.plainWrite.push(performance.now() - t);
    t = performance.now();
    for (let i = 0; i < bytes.length; i++) await writeEncrypted(keys, path.join(dir, 'e', 'x', String(i)), bytes[i]!);
    times.encWrite.push(performance.now() - t);
    t = performance.now();
    for (let i = 0; i < bytes.length; i++) await fs.promises.readFile(path.join(dir, 'p', 'x', String(i)));
    times.plainRead.push(performance.now() - t);
    t = performance.now();
    for (let i = 0; i < bytes.length; i++) await decryptFile(keys, path.join(dir, 'e', 'x', String(i)));
    times.encRead.push(performance.now() - t);
  }
  const mbps = (ms: number) => (total / 1e6 / (ms / 1000)).toFixed(0);
  const [pw, ew, pr, er] = [median(times.plainWrite), median(times.encWrite), median(times.plainRead), median(times.encRead)];
  console.log(`store write, ${files.length} files ${(total / 1e6).toFixed(1)} MB: plain ${pw.toFixed(0)} ms (${mbps(pw)} MB/s), encrypted ${ew.toFixed(0)} ms (${mbps(ew)} MB/s): +${((ew / pw - 1) * 100).toFixed(0)} % (median of 5)`);
  console.log(`store read,  ${files.length} files ${(total / 1e6).toFixed(1)} MB: plain ${pr.toFixed(0)} ms (${mbps(pr)} MB/s), decrypted ${er.toFixed(0)} ms (${mbps(er)} MB/s): +${((er / pr - 1) * 100).toFixed(0)} % (median of 5)`);
  console.log(`per file: encrypt +${((ew - pw) / files.length).toFixed(2)} ms, decrypt +${((er - pr) / files.length).toFixed(2)} ms`);
}

export default async function importBench(args: string[]): Promise<void> {
  const n = Number(args[args.indexOf('--files') + 1]) || 10_000;
  const keep = args.includes('--keep');
  const idle = monitorEventLoopDelay({ resolution: 1 });
  idle.enable();
  await new Promise((r) => setTimeout(r, 1000));
  idle.disable();
  console.log(`main-thread event-loop delay with nothing running (baseline): p50 ${(idle.percentile(50) / 1e6).toFixed(1)} ms p99 ${(idle.percentile(99) / 1e6).toFixed(1)} ms`);
  console.log(`load average at start: ${os.loadavg().map((x) => x.toFixed(2)).join(' ')} (other work on this machine slows every number below)`);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'carelens-bench-import-'));
  try {
    if (!args.includes('--skip-shared')) {
      const src = folderBytes(SHARED);
      console.log(`../shared/data: ${src.files} files, ${(src.bytes / 1e6).toFixed(1)} MB`);
      const app = createApp({ dataDir: path.join(work, 'shared'), runtime: 'cli', logger: silentLogger });
      try {
        print('import ../shared/data', await timedImport(app, [SHARED], false));
        print('re-import ../shared/data (dups)', await timedImport(app, [SHARED], false));
      } finally {
        await app.close();
      }
    }

    const tree = path.join(work, 'tree');
    const g0 = performance.now();
    generateTree(tree, n);
    const gen = folderBytes(tree);
    console.log(`generated tree: ${gen.files} files, ${(gen.bytes / 1e6).toFixed(1)} MB in ${((performance.now() - g0) / 1000).toFixed(1)} s`);
    const app = createApp({ dataDir: path.join(work, 'tree-data'), runtime: 'cli', logger: silentLogger });
    try {
      print(`import generated ${n}`, await timedImport(app, [tree], true));
      print(`re-import generated ${n} (dups)`, await timedImport(app, [tree], true));

      // The viewer's frame call: what the main process spends before pixels leave it.
      const frameTimes: Record<string, number[]> = {};
      const ids = app.core.db.prepare("SELECT id, format FROM images WHERE format = 'dicom' LIMIT 1").all() as { id: string; format: string }[];
      const pngId = app.core.db.prepare("SELECT id FROM images WHERE format = 'png' LIMIT 1").pluck().get() as string;
      for (const [label, id] of [['CT 512x512 (native)', ids[0]?.id], ['PNG 64x64', pngId]] as const) {
        if (!id) continue;
        frameTimes[label] = [];
        for (let i = 0; i < 7; i++) {
          const t = performance.now();
          const r = await app.call('imaging:frame', { id }, { transport: 'cli', actor: SYSTEM_ACTOR });
          if (!r.ok) throw new Error(r.error.message);
          frameTimes[label]!.push(performance.now() - t);
        }
      }
      for (const [label, xs] of Object.entries(frameTimes)) console.log(`imaging:frame ${label.padEnd(22)} first call (decoded) ${xs[0]!.toFixed(1)} ms; calls 2-7 (the main process's frame cache) median ${median(xs.slice(1)).toFixed(1)} ms`);
      await encryptionCost(tree, path.join(work, 'enc-cost'), storeKeysOf(app.core.db));
    } finally {
      await app.close();
    }
    console.log(`load average at end: ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}; one run each (rerun for spread)`);
  } finally {
    if (!keep) fs.rmSync(work, { recursive: true, force: true });
    else console.log(`kept ${work}`);
  }
}
