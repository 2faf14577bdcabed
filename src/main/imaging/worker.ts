/**
 * The imaging worker thread's entry (built to out/main/imagingWorker.js). Heavy imaging work runs
 * here, never on the main thread. See app/workers.ts for how it is started.
 *
 * Protocol (see WorkerIn / WorkerOut in importProtocol.ts): the main thread sends one 'start';
 * the worker answers with 'found' counts while walking, a 'written' after each batch it commits
 * on its own connection to the database file, and one 'done'. A 'cancel' stops it between files.
 */
import { parentPort } from 'node:worker_threads';
import fs from 'node:fs';
import { systemClock } from '../core/clock';
import { openDatabase, type Db } from '../db/connection';
import { BatchWriter } from './BatchWriter';
import { Codecs } from './codecs';
import { decodeImageBytes } from './pixels';
import { processFile, walk, type FileJob, type FileResult } from './importFiles';
import type { WorkerIn, WorkerOut } from './importProtocol';

const BATCH_FILES = 100;
const BATCH_MS = 250;
const IN_FLIGHT = 4;

function send(message: WorkerOut): void {
  parentPort?.postMessage(message);
}

async function run(start: Extract<WorkerIn, { type: 'start' }>, isCancelled: () => boolean): Promise<void> {
  const db = openDatabase({ file: start.database.file, key: start.database.key });
  try {
    await importInto(db, start, isCancelled);
  } finally {
    db.close();
  }
  send({ type: 'done', cancelled: isCancelled() });
}

async function importInto(db: Db, start: Extract<WorkerIn, { type: 'start' }>, isCancelled: () => boolean): Promise<void> {
  const writer = new BatchWriter(db, systemClock);
  // Taken before the walk: files stored by earlier imports are duplicates without decoding.
  const knownSha = writer.storedSha256();
  const codecs = new Codecs();
  const jobs: FileJob[] = [];
  const walkFailures: FileResult[] = [];
  let lastFound = 0;
  for await (const job of walk(start.paths, (p, reason) => walkFailures.push({ kind: 'failed', path: p, reason, size: 0 }))) {
    if (isCancelled()) break;
    jobs.push(job);
    if (jobs.length - lastFound >= 500) {
      lastFound = jobs.length;
      send({ type: 'found', count: jobs.length });
      await new Promise((r) => setImmediate(r)); // let a 'cancel' in
    }
  }
  send({ type: 'found', count: jobs.length + walkFailures.length, walkDone: true });
  const options = {
    storeRoot: start.storeRoot,
    thumbRoot: start.thumbRoot,
    labelsFromFolders: start.labelsFromFolders,
    patientFromFolders: start.patientFromFolders,
    knownSha,
  };
  const flush = (results: FileResult[]) => {
    writer.write(start.database.context, results);
    send({ type: 'written', files: results.length });
  };
  let batch: FileResult[] = [...walkFailures];
  let lastSent = Date.now();
  // A few files in flight at once, so reading and writing overlap with decoding.
  // Results leave in walk order whatever order the lanes finish in, so "the first file met
  // wins" holds for duplicates (same SOP Instance UID or same bytes) and re-runs are repeatable.
  let next = 0;
  let nextOut = 0;
  const done = new Map<number, FileResult>();
  const lane = async () => {
    while (next < jobs.length && !isCancelled()) {
      const index = next++;
      const result = await processFile(jobs[index]!, options, codecs);
      done.set(index, result);
      while (done.has(nextOut)) {
        batch.push(done.get(nextOut)!);
        done.delete(nextOut++);
      }
      if (batch.length >= BATCH_FILES || Date.now() - lastSent >= BATCH_MS) {
        const full = batch;
        batch = [];
        lastSent = Date.now();
        flush(full);
      }
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, lane));
  if (batch.length > 0) flush(batch);
}

let decodeCodecs: Codecs | null = null;

/** Decodes a frame for the viewer; the pixel buffer is transferred, not copied. */
async function decodeForViewer(m: Extract<WorkerIn, { type: 'decode' }>): Promise<void> {
  decodeCodecs ??= new Codecs();
  try {
    const bytes = await fs.promises.readFile(m.file);
    const image = await decodeImageBytes(bytes, m.frame, decodeCodecs, { previewSize: m.previewSize });
    const buffer = image.data.buffer as ArrayBuffer;
    parentPort?.postMessage({ type: 'decoded', requestId: m.requestId, image, error: null } satisfies WorkerOut, [buffer]);
  } catch (err) {
    send({ type: 'decoded', requestId: m.requestId, image: null, error: err instanceof Error ? err.message : String(err) });
  }
}

if (parentPort) {
  let cancelled = false;
  let started = false;
  parentPort.on('message', (message: WorkerIn) => {
    if (message?.type === 'cancel') {
      cancelled = true;
      return;
    }
    if (message?.type === 'decode') {
      void decodeForViewer(message);
      return;
    }
    if (message?.type === 'warm') {
      decodeCodecs ??= new Codecs();
      decodeCodecs.warm().catch(() => {});
      return;
    }
    if (message?.type === 'start' && !started) {
      started = true;
      run(message, () => cancelled).catch((err: unknown) => send({ type: 'error', message: err instanceof Error ? err.message : String(err) }));
      return;
    }
    send({ type: 'error', message: `The imaging worker does not handle ${JSON.stringify(message)?.slice(0, 100)}.` });
  });
}
