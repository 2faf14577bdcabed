import fs from 'node:fs';
import path from 'node:path';
import type { Worker } from 'node:worker_threads';
import { toCsv } from '../../shared/csv';
import type { Core } from '../core/Core';
import { newId } from '../core/ids';
import { AppError } from '../../shared/ipc/envelope';
import type { ImportDuplicate, ImportFailure, ImportOptions, ImportReport, ImportState, ImportStatus, ImportSummary } from '../../shared/domain/imaging';
import { ensureLabelSet, labelSetName } from '../labels/ports';
import { findPatient } from '../patients/ports';
import { assertFolderAllowed, expandHome } from '../system/ports';
import { importProgressOf } from '../../shared/ipc/imaging';
import { databaseKeyOf } from '../db/connection';
import type { WorkerIn, WorkerOut } from './importProtocol';
import { startImagingWorker } from './startImagingWorker';

interface ImportRow {
  id: string;
  paths: string;
  options: string;
  state: ImportState;
  label_set_id: string | null;
  found: number;
  processed: number;
  imported: number;
  duplicates: number;
  failed: number;
  bytes: number;
  created_patients: number;
  created_studies: number;
  created_series: number;
  error: string | null;
  started_at: string;
  finished_at: string | null;
}

interface Running {
  id: string;
  worker: Worker;
  walkDone: boolean;
  found: number;
  startedMs: number;
  lastEmit: number;
  finished: Promise<ImportStatus>;
  resolve: (s: ImportStatus) => void;
  cancelRequested: boolean;
}

/** Whether a worker can be started from here (false only in odd embeddings); tests may swap it. */
export type WorkerFactory = () => Worker;

/**
 * Batch import of imaging folders. The imaging worker thread does the file work and writes
 * its results to the database file on its own connection, one transaction per batch (counts
 * included); this service starts it, reports progress as 'imaging:progress' events, and ends
 * the run. One import runs at a time.
 */
export class ImportService {
  private running: Running | null = null;

  constructor(
    private readonly core: Core,
    private readonly workerFactory: WorkerFactory = startImagingWorker,
  ) {
    // An import that was running when the process died is over: say so.
    core.db.prepare("UPDATE imports SET state = 'interrupted', finished_at = COALESCE(finished_at, ?) WHERE state = 'running'").run(core.clock.now().toISOString());
  }

  /** Starts an import in the background and returns its first status. */
  start(options: ImportOptions, actor: string): ImportStatus {
    if (this.running) throw new AppError('CONFLICT', 'An import is already running. Wait for it to finish or cancel it first.', { key: 'errors.imaging.importAlreadyRunningWait' });
    // The worker writes on its own connection, and an in-memory database has no second one.
    if (this.core.db.memory) throw new AppError('UNSUPPORTED', 'Importing needs the database in a file: the import worker writes to it on its own connection.', { key: 'errors.imaging.importingNeedsDatabaseFile' });
    // A user imports from their home folder and the allowed roots only (resolved: no '..' or link out of one).
    // `~/x` is the home folder, as in a shell; a folder that is missing or cannot be read stops here, named.
    const paths = options.paths.map((p, i) => checkImportPath(p, assertFolderAllowed(this.core.settings, actor, expandHome(p), 'read', `paths.${i}`), `paths.${i}`));
    const fixedPatientId = options.patientId ? this.resolvePatient(options.patientId) : null;
    const now = this.core.clock.now().toISOString();
    const id = newId();
    const setName = options.labelsFromFolders ? (options.labelSet ?? (path.basename(path.resolve(options.paths[0]!)) || 'imported')) : null;
    const labelSetId = setName ? ensureLabelSet(this.core.db, { id: newId(), name: setName, description: 'Labels imported from folder names', createdBy: actor, createdAt: now }) : null;
    this.core.db
      .prepare("INSERT INTO imports (id, paths, options, state, label_set_id, started_by, started_at) VALUES (?, ?, ?, 'running', ?, ?, ?)")
      .run(id, JSON.stringify(paths), JSON.stringify(options), labelSetId, actor, now);

    let worker: Worker;
    try {
      worker = this.workerFactory();
    } catch (err) {
      this.finish(id, 'failed', `The import worker could not start: ${(err as Error).message}`);
      throw new AppError('INTERNAL', `The import could not start: ${(err as Error).message}`, { key: 'errors.imaging.importCouldNotStart', params: { message: (err as Error).message } });
    }
    let resolve!: (s: ImportStatus) => void;
    const finished = new Promise<ImportStatus>((r) => (resolve = r));
    const run: Running = {
      id,
      worker,
      walkDone: false,
      found: 0,
      startedMs: Date.now(),
      lastEmit: 0,
      finished,
      resolve,
      cancelRequested: false,
    };
    this.running = run;
    worker.on('message', (m: WorkerOut) => this.onMessage(run, m));
    worker.on('error', (err) => this.end(run, 'failed', `The import worker stopped: ${err.message}`));
    worker.on('exit', (code) => {
      if (this.running === run) this.end(run, 'failed', `The import worker exited unexpectedly (code ${code}).`);
    });
    const start: WorkerIn = {
      type: 'start',
      database: { file: this.core.db.name, key: databaseKeyOf(this.core.db), context: { importId: id, labelSetId, actor, fixedPatientId } },
      paths,
      storeRoot: this.core.paths.store,
      thumbRoot: this.core.paths.thumbnails,
      labelsFromFolders: Boolean(options.labelsFromFolders),
      patientFromFolders: Boolean(options.patientFromFolders),
    };
    worker.postMessage(start);
    const status = this.status(id);
    this.core.events.emit('imaging:progress', importProgressOf(status));
    return status;
  }

  /** Runs an import to the end (the CLI): the summary `carelens import --json` prints. */
  async run(options: ImportOptions, actor: string): Promise<ImportSummary & { importId: string }> {
    const first = this.start(options, actor);
    const final = await this.running!.finished;
    if (final.state === 'failed') throw new AppError('INTERNAL', final.error ?? 'The import failed.');
    return { importId: first.importId, ...this.summary(first.importId) };
  }

  /** Asks a running import to stop after the file in hand; what was imported stays. */
  cancel(importId: string): ImportStatus {
    const run = this.running;
    if (!run || run.id !== importId) {
      const status = this.status(importId);
      return status; // already over: nothing to cancel
    }
    run.cancelRequested = true;
    run.worker.postMessage({ type: 'cancel' } satisfies WorkerIn);
    return this.status(importId);
  }

  /** Waits for the running import (tests, shutdown). */
  async waitForIdle(): Promise<void> {
    if (this.running) await this.running.finished;
  }

  status(importId: string): ImportStatus {
    const row = this.core.db.prepare('SELECT * FROM imports WHERE id = ?').get(importId) as ImportRow | undefined;
    if (!row) throw new AppError('NOT_FOUND', `No import with id ${importId}.`, { key: 'errors.imaging.noImportWithId', params: { importId } });
    return this.toStatus(row);
  }

  list(limit = 20): ImportStatus[] {
    const rows = this.core.db.prepare('SELECT * FROM imports ORDER BY started_at DESC, rowid DESC LIMIT ?').all(limit) as ImportRow[];
    return rows.map((r) => this.toStatus(r));
  }

  /** The files an import did not store: failures with their reason, duplicates with the image they duplicate (each list paged alike). */
  report(importId: string, limit = 1000, offset = 0): ImportReport {
    const status = this.status(importId);
    const failures = this.core.db.prepare('SELECT path, reason FROM import_failures WHERE import_id = ? ORDER BY id LIMIT ? OFFSET ?').all(importId, limit, offset) as ImportFailure[];
    const totalDuplicates = this.core.db.prepare('SELECT COUNT(*) FROM import_duplicates WHERE import_id = ?').pluck().get(importId) as number;
    return { status, failures, totalFailures: status.failed, duplicates: this.duplicates(importId, limit, offset), totalDuplicates };
  }

  /** The report as CSV (RFC 4180 quoting; a leading = + - @ is neutralised for spreadsheets): failures, then duplicates. */
  reportCsv(importId: string): { fileName: string; csv: string } {
    const status = this.status(importId);
    const failures = this.core.db.prepare('SELECT path, reason FROM import_failures WHERE import_id = ? ORDER BY id').all(importId) as ImportFailure[];
    const duplicates = this.duplicates(importId, -1, 0);
    const csv = toCsv(
      ['path', 'outcome', 'reason', 'duplicate_of_image', 'duplicate_of_path', 'duplicate_from'],
      [
        ...failures.map((r) => [r.path, 'failed', r.reason, '', '', '']),
        ...duplicates.map((d) => [
          d.path,
          'duplicate',
          d.match === 'same-file' ? 'the same file is already stored' : 'an image with the same SOP Instance UID is already stored',
          d.originalImageId ?? '',
          d.originalPath ?? '',
          d.withinImport ? 'this import' : 'an earlier import',
        ]),
      ],
    );
    return { fileName: `carelens-import-${status.startedAt.slice(0, 10)}-${importId.slice(0, 8)}.csv`, csv };
  }

  private duplicates(importId: string, limit: number, offset: number): ImportDuplicate[] {
    const rows = this.core.db
      .prepare('SELECT path, match, original_image_id, original_path, original_import_id FROM import_duplicates WHERE import_id = ? ORDER BY id LIMIT ? OFFSET ?')
      .all(importId, limit, offset) as { path: string; match: ImportDuplicate['match']; original_image_id: string | null; original_path: string | null; original_import_id: string | null }[];
    return rows.map((r) => ({ path: r.path, match: r.match, originalImageId: r.original_image_id, originalPath: r.original_path, withinImport: r.original_import_id === importId }));
  }

  summary(importId: string): ImportSummary {
    const row = this.core.db.prepare('SELECT * FROM imports WHERE id = ?').get(importId) as ImportRow;
    const failed = this.core.db.prepare('SELECT path, reason FROM import_failures WHERE import_id = ? ORDER BY id').all(importId) as ImportFailure[];
    return {
      scanned: row.processed,
      imported: row.imported,
      duplicates: row.duplicates,
      failed,
      patients: row.created_patients,
      studies: row.created_studies,
      series: row.created_series,
      images: row.imported,
    };
  }

  async dispose(): Promise<void> {
    const run = this.running;
    if (run) {
      run.cancelRequested = true;
      run.worker.postMessage({ type: 'cancel' } satisfies WorkerIn);
      await Promise.race([run.finished, new Promise((r) => setTimeout(r, 2000))]);
      if (this.running === run) await run.worker.terminate();
    }
  }

  // ------------------------------------------------------------------ internals

  private toStatus(row: ImportRow): ImportStatus {
    const run = this.running?.id === row.id ? this.running : null;
    const found = run ? Math.max(run.found, row.processed) : row.found;
    const elapsed = run ? (Date.now() - run.startedMs) / 1000 : row.finished_at ? (Date.parse(row.finished_at) - Date.parse(row.started_at)) / 1000 : 0;
    const rate = elapsed > 0 ? row.processed / elapsed : 0;
    const left = found - row.processed;
    const labelSet = row.label_set_id ? labelSetName(this.core.db, row.label_set_id) : null;
    return {
      importId: row.id,
      state: row.state,
      phase: row.state !== 'running' ? 'finished' : run && !run.walkDone ? 'walking' : 'importing',
      found,
      processed: row.processed,
      imported: row.imported,
      duplicates: row.duplicates,
      failed: row.failed,
      bytes: row.bytes,
      rate: Math.round(rate * 10) / 10,
      etaSeconds: row.state === 'running' && run?.walkDone && rate > 0 ? Math.round(left / rate) : null,
      startedAt: row.started_at,
      finishedAt: row.finished_at,
      paths: JSON.parse(row.paths) as string[],
      labelSet,
      error: row.error,
    };
  }

  private onMessage(run: Running, m: WorkerOut): void {
    if (this.running !== run) return;
    try {
      if (m.type === 'found') {
        run.found = m.count;
        if (m.walkDone) {
          run.walkDone = true;
          this.core.db.prepare('UPDATE imports SET found = ? WHERE id = ?').run(m.count, run.id);
        }
        this.emit(run, false);
      } else if (m.type === 'written') {
        this.emit(run, false);
      } else if (m.type === 'done') {
        const unread = m.cancelled || run.cancelRequested ? null : this.unreadFolders(run.id);
        if (unread) this.end(run, 'failed', unread);
        else this.end(run, m.cancelled || run.cancelRequested ? 'cancelled' : 'done', null);
      } else if (m.type === 'error') {
        this.end(run, 'failed', m.message);
      }
    } catch (err) {
      this.core.logger.error('import progress failed', err);
      this.end(run, 'failed', `Reading the import's progress failed: ${(err as Error).message}`);
    }
  }

  private emit(run: Running, force: boolean): void {
    const now = Date.now();
    if (!force && now - run.lastEmit < 200) return;
    run.lastEmit = now;
    this.core.events.emit('imaging:progress', importProgressOf(this.status(run.id)));
  }

  private end(run: Running, state: ImportState, error: string | null): void {
    if (this.running !== run) return;
    this.running = null;
    this.finish(run.id, state, error);
    void run.worker.terminate();
    const status = this.status(run.id);
    this.core.events.emit('imaging:progress', importProgressOf(status));
    run.resolve(status);
  }

  /**
   * When nothing was read because every given folder was missing or unreadable by the time the
   * worker walked it (start() checks them first), the import failed: says which, else null.
   */
  private unreadFolders(id: string): string | null {
    const row = this.core.db.prepare('SELECT paths, processed, imported, duplicates FROM imports WHERE id = ?').get(id) as { paths: string; processed: number; imported: number; duplicates: number };
    if (row.imported + row.duplicates > 0) return null;
    const paths = JSON.parse(row.paths) as string[];
    const reasons = paths.map((p) => this.core.db.prepare("SELECT reason FROM import_failures WHERE import_id = ? AND path = ? AND reason LIKE 'folder %'").pluck().get(id, p) as string | undefined);
    if (reasons.some((r) => r === undefined)) return null;
    return paths.map((p, i) => `The folder ${p} could not be read (${reasons[i]}).`).join(' ');
  }

  private finish(id: string, state: ImportState, error: string | null): void {
    this.core.db
      .prepare('UPDATE imports SET state = ?, error = ?, finished_at = ?, found = MAX(found, processed) WHERE id = ?')
      .run(state, error, this.core.clock.now().toISOString(), id);
  }

  private resolvePatient(idOrMrn: string): string {
    const p = findPatient(this.core.db, idOrMrn);
    if (!p) throw new AppError('NOT_FOUND', `No patient with id or MRN "${idOrMrn}". Register the patient first, or import without --patient.`, { key: 'errors.imaging.noPatientWithId', params: { idOrMrn } });
    return p.id;
  }

}

/**
 * The folder (or single file) to import, checked before the worker starts: missing, unreadable
 * and "neither a folder nor a file" are errors that name the path as the user gave it, not an
 * import that finishes with nothing. A file is imported as one file (a DICOM, PNG, JPEG or ZIP).
 */
function checkImportPath(given: string, resolved: string, field: string): string {
  const shown = given === resolved ? given : `${given} (${resolved})`;
  let st: fs.Stats;
  try {
    st = fs.statSync(resolved);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      throw new AppError('NOT_FOUND', `The folder ${shown} does not exist. Check the path, or choose the folder with Browse.`, {
        key: 'errors.imaging.importFolderMissing',
        params: { path: shown },
        issues: [{ path: field, message: 'No such folder', key: 'errors.issues.noSuchFolder' }],
      });
    }
    throw unreadable(shown, code, field);
  }
  if (st.isDirectory()) {
    try {
      fs.opendirSync(resolved).closeSync();
    } catch (err) {
      throw unreadable(shown, (err as NodeJS.ErrnoException).code ?? 'error', field);
    }
  } else if (st.isFile()) {
    try {
      fs.accessSync(resolved, fs.constants.R_OK);
    } catch (err) {
      throw unreadable(shown, (err as NodeJS.ErrnoException).code ?? 'error', field);
    }
  } else {
    throw new AppError('VALIDATION', `${shown} is not a folder (nor a file CareLens can read).`, {
      key: 'errors.imaging.importNotFolder',
      params: { path: shown },
      issues: [{ path: field, message: 'Not a folder', key: 'errors.issues.notFolder' }],
    });
  }
  return resolved;
}

function unreadable(shown: string, code: string, field: string): AppError {
  return new AppError('FORBIDDEN', `The folder ${shown} cannot be read (${code}): CareLens runs as your user, who needs permission to open it.`, {
    key: 'errors.imaging.importFolderUnreadable',
    params: { path: shown, code },
    issues: [{ path: field, message: 'Cannot be read', key: 'errors.issues.cannotRead' }],
  });
}
