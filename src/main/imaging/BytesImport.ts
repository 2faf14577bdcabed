import type { Worker } from 'node:worker_threads';
import type { Core } from '../core/Core';
import { newId } from '../core/ids';
import { databaseKeyOf } from '../db/connection';
import { AppError } from '../../shared/ipc/envelope';
import type { WorkerIn, WorkerOut } from './importProtocol';

/** One import of instances held in memory (a PACS retrieve), run by the imaging worker. */
export interface BytesImportRun {
  importId: string;
  /**
   * Hands one Part-10 instance to the import under `path` (e.g. `pacs://node/<sop uid>`, the
   * report's path). Resolves once the worker has processed it; at most a few are in flight,
   * so a retrieve never holds more than that many instances in memory.
   */
  add(path: string, bytes: Buffer): Promise<void>;
  /** Adds a report line for an instance (or study) that could not be fetched. */
  fail(path: string, reason: string): void;
  /** How many instances this import expects (for its status). */
  setFound(count: number): void;
  /** Commits what was processed and ends the import (cancelled: stopped on request); its id. */
  finish(state: 'done' | 'cancelled' | 'failed', error?: string | null): Promise<string>;
}

const IN_FLIGHT = 4;

/**
 * Starts an import of in-memory instances: the same imports row, per-file work (processBytes)
 * and batch writer as a folder import, so de-duplication, patients/studies/series from the
 * tags, the failure report and the counters are the folder import's. Needs a database file
 * (the worker writes on its own connection).
 */
export function startBytesImport(core: Core, workerFactory: () => Worker, opts: { source: string; actor: string }): BytesImportRun {
  if (core.db.memory) throw new AppError('UNSUPPORTED', 'Importing needs the database in a file: the import worker writes to it on its own connection.', { key: 'errors.imaging.importingNeedsDatabaseFile' });
  const id = newId();
  const now = core.clock.now().toISOString();
  core.db
    .prepare("INSERT INTO imports (id, paths, options, state, label_set_id, started_by, started_at) VALUES (?, ?, ?, 'running', NULL, ?, ?)")
    .run(id, JSON.stringify([opts.source]), JSON.stringify({ paths: [opts.source], source: 'memory' }), opts.actor, now);
  let worker: Worker;
  try {
    worker = workerFactory();
  } catch (err) {
    end('failed', `The import worker could not start: ${(err as Error).message}`);
    throw new AppError('INTERNAL', `The import could not start: ${(err as Error).message}`, { key: 'errors.imaging.importCouldNotStart', params: { message: (err as Error).message } });
  }
  let seq = 0;
  let error: string | null = null;
  let ended = false;
  const waiting = new Map<number, { resolve: () => void; reject: (e: Error) => void }>();
  const slots: (() => void)[] = [];
  let inFlight = 0;
  let resolveDone!: () => void;
  const done = new Promise<void>((r) => (resolveDone = r));

  const fail = (message: string) => {
    if (error) return;
    error = message;
    for (const w of waiting.values()) w.reject(new AppError('INTERNAL', `The import failed: ${message}`, { key: 'errors.imaging.importFailed', params: { message } }));
    waiting.clear();
    resolveDone();
  };
  worker.on('message', (m: WorkerOut) => {
    if (m.type === 'accepted') {
      waiting.get(m.seq)?.resolve();
      waiting.delete(m.seq);
      inFlight--;
      slots.shift()?.();
    } else if (m.type === 'done') resolveDone();
    else if (m.type === 'error') fail(m.message);
  });
  worker.on('error', (err) => fail(`the import worker stopped: ${err.message}`));
  worker.on('exit', (code) => fail(`the import worker exited (code ${code})`));
  worker.postMessage({
    type: 'startBytes',
    storeRoot: core.paths.store,
    thumbRoot: core.paths.thumbnails,
    database: { file: core.db.name, key: databaseKeyOf(core.db), context: { importId: id, labelSetId: null, actor: opts.actor, fixedPatientId: null } },
  } satisfies WorkerIn);

  function end(state: 'done' | 'cancelled' | 'failed', message: string | null): void {
    core.db.prepare('UPDATE imports SET state = ?, error = ?, finished_at = ?, found = MAX(found, processed) WHERE id = ?').run(state, message, core.clock.now().toISOString(), id);
  }

  return {
    importId: id,
    fail(path, reason) {
      if (!ended && !error) worker.postMessage({ type: 'failure', path, reason } satisfies WorkerIn);
    },
    setFound(count) {
      core.db.prepare('UPDATE imports SET found = ? WHERE id = ?').run(count, id);
    },
    async add(path, bytes) {
      if (ended) throw new AppError('CONFLICT', 'This import has already ended.', { key: 'errors.imaging.importHasAlreadyEnded' });
      while (inFlight >= IN_FLIGHT && !error) await new Promise<void>((r) => slots.push(r));
      if (error) throw new AppError('INTERNAL', `The import failed: ${error}`, { key: 'errors.imaging.importFailed2', params: { error } });
      inFlight++;
      const n = seq++;
      // Transfer, not copy, when the buffer owns its memory; a slice of a pool is copied out first.
      const own = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? (bytes.buffer as ArrayBuffer) : bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
      const accepted = new Promise<void>((resolve, reject) => waiting.set(n, { resolve, reject }));
      worker.postMessage({ type: 'bytes', seq: n, path, bytes: own as ArrayBuffer } satisfies WorkerIn, [own as ArrayBuffer]);
      await accepted;
    },
    async finish(state, message = null) {
      if (!ended) {
        ended = true;
        worker.postMessage({ type: 'end' } satisfies WorkerIn);
        await done;
        worker.removeAllListeners('exit');
        await worker.terminate();
        end(error ? 'failed' : state, error ?? message);
      }
      return id;
    },
  };
}
