/**
 * The imaging worker thread's entry (built to out/main/imagingWorker.js). Heavy imaging work runs
 * here, never on the main thread. See app/workers.ts for how it is started.
 *
 * Protocol (see WorkerIn / WorkerOut in importProtocol.ts): the main thread sends one 'start';
 * the worker answers with 'found' counts while walking, a 'written' after each batch it commits
 * on its own connection to the database file, and one 'done'. A 'cancel' stops it between files.
 */
import { parentPort } from 'node:worker_threads';
import { systemClock } from '../core/clock';
import { openDatabase, type Db } from '../db/connection';
import { BatchWriter } from './BatchWriter';
import { storeKeysFromDbKey, storeKeysFromHex } from '../core/fileCrypto';
import { readStoreFileAtAsync, removeStored } from './store';
import { Codecs } from './codecs';
import { decodeImageBytes } from './pixels';
import { toViewerFrame } from './viewerFrame';
import { processBytes, processFile, walk, type FileJob, type FileResult } from './importFiles';
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
    keys: storeKeysFromDbKey(start.database.key),
  };
  const flush = (results: FileResult[]) => {
    for (const sha of writer.write(start.database.context, results)) removeStored(options.storeRoot, options.thumbRoot, sha, options.keys);
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

/**
 * An import fed with instances held in memory (a PACS retrieve): each goes through the same
 * processBytes and BatchWriter as a walked file, one at a time in arrival order, and is
 * answered with 'accepted' so the sender keeps a bounded number in flight.
 */
function startBytesImport(start: Extract<WorkerIn, { type: 'startBytes' }>, isCancelled: () => boolean) {
  const db = openDatabase({ file: start.database.file, key: start.database.key });
  const writer = new BatchWriter(db, systemClock);
  const options = { storeRoot: start.storeRoot, thumbRoot: start.thumbRoot, labelsFromFolders: false, patientFromFolders: false, knownSha: writer.storedSha256(), keys: storeKeysFromDbKey(start.database.key) };
  const codecs = new Codecs();
  let batch: FileResult[] = [];
  let lastSent = Date.now();
  let failed = false;
  let chain = Promise.resolve();
  const flush = () => {
    if (batch.length > 0) {
      const full = batch;
      batch = [];
      for (const sha of writer.write(start.database.context, full)) removeStored(options.storeRoot, options.thumbRoot, sha, options.keys);
      send({ type: 'written', files: full.length });
    }
    lastSent = Date.now();
  };
  const step = (work: () => Promise<void>) => {
    chain = chain.then(work).catch((err: unknown) => {
      if (!failed) send({ type: 'error', message: err instanceof Error ? err.message : String(err) });
      failed = true;
    });
  };
  return {
    add(m: Extract<WorkerIn, { type: 'bytes' }>) {
      step(async () => {
        if (failed) return;
        if (!isCancelled()) {
          batch.push(await processBytes({ path: m.path, root: '' }, Buffer.from(m.bytes), options, codecs));
          if (batch.length >= BATCH_FILES || Date.now() - lastSent >= BATCH_MS) flush();
        }
        send({ type: 'accepted', seq: m.seq });
      });
    },
    failure(m: Extract<WorkerIn, { type: 'failure' }>) {
      step(async () => {
        if (!failed) batch.push({ kind: 'failed', path: m.path, reason: m.reason, size: 0 });
      });
    },
    end() {
      step(async () => {
        try {
          if (!failed) flush();
        } finally {
          db.close();
        }
        if (!failed) send({ type: 'done', cancelled: isCancelled() });
      });
    },
  };
}

let decodeCodecs: Codecs | null = null;

/** Decodes a frame for the viewer, compactly encoded here; the pixel buffer is transferred, not copied. */
async function decodeForViewer(m: Extract<WorkerIn, { type: 'decode' }>): Promise<void> {
  decodeCodecs ??= new Codecs();
  try {
    // Decrypted here, in the worker: the store key travels with the request, the plaintext never leaves.
    const bytes = await readStoreFileAtAsync(storeKeysFromHex(m.storeKey), m.file);
    const image = toViewerFrame(await decodeImageBytes(bytes, m.frame, decodeCodecs, { previewSize: m.previewSize }));
    const buffer = image.data.buffer as ArrayBuffer;
    parentPort?.postMessage({ type: 'decoded', requestId: m.requestId, image, error: null } satisfies WorkerOut, [buffer]);
  } catch (err) {
    send({ type: 'decoded', requestId: m.requestId, image: null, error: err instanceof Error ? err.message : String(err) });
  }
}

if (parentPort) {
  let cancelled = false;
  let started = false;
  let bytesImport: ReturnType<typeof startBytesImport> | null = null;
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
    if (message?.type === 'startBytes' && !started) {
      started = true;
      try {
        bytesImport = startBytesImport(message, () => cancelled);
      } catch (err) {
        send({ type: 'error', message: err instanceof Error ? err.message : String(err) });
      }
      return;
    }
    if (message?.type === 'bytes' && bytesImport) {
      bytesImport.add(message);
      return;
    }
    if (message?.type === 'failure' && bytesImport) {
      bytesImport.failure(message);
      return;
    }
    if (message?.type === 'end' && bytesImport) {
      bytesImport.end();
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
