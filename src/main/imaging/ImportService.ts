import path from 'node:path';
import type { Worker } from 'node:worker_threads';
import type { Statement } from 'better-sqlite3-multiple-ciphers';
import type { Core } from '../app/Core';
import { newId } from '../app/ids';
import { AppError } from '../../shared/ipc/envelope';
import type { ImportFailure, ImportOptions, ImportReport, ImportState, ImportStatus, ImportSummary } from '../../shared/domain/imaging';
import { findPatientById, findPatientByMrn, insertPatient } from '../patients/patientRepository';
import type { FileResult, ImportedFile } from './importFiles';
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
  labelSetId: string | null;
  labelSetName: string | null;
  options: ImportOptions;
  actor: string;
  fixedPatientId: string | null;
  finished: Promise<ImportStatus>;
  resolve: (s: ImportStatus) => void;
  cancelRequested: boolean;
}

/** Whether a worker can be started from here (false only in odd embeddings); tests may swap it. */
export type WorkerFactory = () => Worker;

/**
 * Batch import of imaging folders. The file work runs in the imaging worker thread; this
 * service writes its results to SQLite, one transaction per batch (counts included), and
 * reports progress as 'imaging:progress' events. One import runs at a time.
 */
export class ImportService {
  private running: Running | null = null;
  /** Prepared once: a batch runs these thousands of times on the main thread. */
  private readonly stmts = new Map<string, Statement>();

  constructor(
    private readonly core: Core,
    private readonly workerFactory: WorkerFactory = startImagingWorker,
  ) {
    // An import that was running when the process died is over: say so.
    core.db.prepare("UPDATE imports SET state = 'interrupted', finished_at = COALESCE(finished_at, ?) WHERE state = 'running'").run(core.clock.now().toISOString());
  }

  /** Starts an import in the background and returns its first status. */
  start(options: ImportOptions, actor: string): ImportStatus {
    if (this.running) throw new AppError('CONFLICT', 'An import is already running. Wait for it to finish or cancel it first.');
    const fixedPatientId = options.patientId ? this.resolvePatient(options.patientId) : null;
    const now = this.core.clock.now().toISOString();
    const id = newId();
    const labelSetName = options.labelsFromFolders ? (options.labelSet ?? (path.basename(path.resolve(options.paths[0]!)) || 'imported')) : null;
    const labelSetId = labelSetName ? this.ensureLabelSet(labelSetName, actor, now) : null;
    this.core.db
      .prepare("INSERT INTO imports (id, paths, options, state, label_set_id, started_by, started_at) VALUES (?, ?, ?, 'running', ?, ?, ?)")
      .run(id, JSON.stringify(options.paths.map((p) => path.resolve(p))), JSON.stringify(options), labelSetId, actor, now);

    let worker: Worker;
    try {
      worker = this.workerFactory();
    } catch (err) {
      this.finish(id, 'failed', `The import worker could not start: ${(err as Error).message}`);
      throw new AppError('INTERNAL', `The import could not start: ${(err as Error).message}`);
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
      labelSetId,
      labelSetName,
      options,
      actor,
      fixedPatientId,
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
    const knownSha = (this.core.db.prepare('SELECT sha256 FROM images').pluck().all() as string[]);
    const start: WorkerIn = {
      type: 'start',
      paths: options.paths.map((p) => path.resolve(p)),
      storeRoot: this.core.paths.store,
      thumbRoot: this.core.paths.thumbnails,
      labelsFromFolders: Boolean(options.labelsFromFolders),
      patientFromFolders: Boolean(options.patientFromFolders),
      knownSha,
    };
    worker.postMessage(start);
    const status = this.status(id);
    this.core.events.emit('imaging:progress', status);
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
    if (!row) throw new AppError('NOT_FOUND', `No import with id ${importId}.`);
    return this.toStatus(row);
  }

  list(limit = 20): ImportStatus[] {
    const rows = this.core.db.prepare('SELECT * FROM imports ORDER BY started_at DESC, rowid DESC LIMIT ?').all(limit) as ImportRow[];
    return rows.map((r) => this.toStatus(r));
  }

  report(importId: string, limit = 1000, offset = 0): ImportReport {
    const status = this.status(importId);
    const failures = this.core.db.prepare('SELECT path, reason FROM import_failures WHERE import_id = ? ORDER BY id LIMIT ? OFFSET ?').all(importId, limit, offset) as ImportFailure[];
    return { status, failures, totalFailures: status.failed };
  }

  /** The report as CSV (RFC 4180 quoting; a leading = + - @ is neutralised for spreadsheets). */
  reportCsv(importId: string): { fileName: string; csv: string } {
    const status = this.status(importId);
    const rows = this.core.db.prepare('SELECT path, reason FROM import_failures WHERE import_id = ? ORDER BY id').all(importId) as ImportFailure[];
    const cell = (s: string) => {
      const safe = /^[=+\-@\t\r]/.test(s) ? `'${s}` : s;
      return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
    };
    const csv = ['path,reason', ...rows.map((r) => `${cell(r.path)},${cell(r.reason)}`)].join('\r\n') + '\r\n';
    return { fileName: `carelens-import-${status.startedAt.slice(0, 10)}-${importId.slice(0, 8)}.csv`, csv };
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

  private sql(text: string): Statement {
    let st = this.stmts.get(text);
    if (!st) {
      st = this.core.db.prepare(text);
      this.stmts.set(text, st);
    }
    return st;
  }

  private toStatus(row: ImportRow): ImportStatus {
    const run = this.running?.id === row.id ? this.running : null;
    const found = run ? Math.max(run.found, row.processed) : row.found;
    const elapsed = run ? (Date.now() - run.startedMs) / 1000 : row.finished_at ? (Date.parse(row.finished_at) - Date.parse(row.started_at)) / 1000 : 0;
    const rate = elapsed > 0 ? row.processed / elapsed : 0;
    const left = found - row.processed;
    let labelSet: string | null = null;
    if (row.label_set_id) labelSet = (this.core.db.prepare('SELECT name FROM label_sets WHERE id = ?').pluck().get(row.label_set_id) as string | undefined) ?? null;
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
      } else if (m.type === 'batch') {
        this.writeBatch(run, m.results);
        this.emit(run, false);
      } else if (m.type === 'done') {
        this.end(run, m.cancelled || run.cancelRequested ? 'cancelled' : 'done', null);
      } else if (m.type === 'error') {
        this.end(run, 'failed', m.message);
      }
    } catch (err) {
      this.core.logger.error('import batch failed', err);
      this.end(run, 'failed', `Writing to the database failed: ${(err as Error).message}`);
    }
  }

  private emit(run: Running, force: boolean): void {
    const now = Date.now();
    if (!force && now - run.lastEmit < 200) return;
    run.lastEmit = now;
    this.core.events.emit('imaging:progress', this.status(run.id));
  }

  private end(run: Running, state: ImportState, error: string | null): void {
    if (this.running !== run) return;
    this.running = null;
    this.finish(run.id, state, error);
    void run.worker.terminate();
    const status = this.status(run.id);
    this.core.events.emit('imaging:progress', status);
    run.resolve(status);
  }

  private finish(id: string, state: ImportState, error: string | null): void {
    this.core.db
      .prepare('UPDATE imports SET state = ?, error = ?, finished_at = ?, found = MAX(found, processed) WHERE id = ?')
      .run(state, error, this.core.clock.now().toISOString(), id);
  }

  private resolvePatient(idOrMrn: string): string {
    const p = findPatientById(this.core.db, idOrMrn) ?? findPatientByMrn(this.core.db, idOrMrn);
    if (!p) throw new AppError('NOT_FOUND', `No patient with id or MRN "${idOrMrn}". Register the patient first, or import without --patient.`);
    return p.id;
  }

  private ensureLabelSet(name: string, actor: string, now: string): string {
    const existing = this.core.db.prepare('SELECT id FROM label_sets WHERE name = ?').pluck().get(name) as string | undefined;
    if (existing) return existing;
    const id = newId();
    this.core.db.prepare('INSERT INTO label_sets (id, name, description, created_at, created_by) VALUES (?, ?, ?, ?, ?)').run(id, name, 'Labels imported from folder names', now, actor);
    return id;
  }

  /** One transaction per batch: images, their patient/study/series, labels, failures and counts. */
  private writeBatch(run: Running, results: FileResult[]): void {
    const db = this.core.db;
    const now = this.core.clock.now().toISOString();
    const counts = { processed: 0, imported: 0, duplicates: 0, failed: 0, bytes: 0, patients: 0, studies: 0, series: 0 };
    const shaExists = this.sql('SELECT 1 FROM images WHERE sha256 = ?').pluck();
    const sopExists = this.sql('SELECT 1 FROM images WHERE sop_instance_uid = ?').pluck();
    const insertFailure = this.sql('INSERT INTO import_failures (import_id, path, reason) VALUES (?, ?, ?)');
    const insertImage = this.sql(`INSERT INTO images (id, patient_id, series_id, sop_instance_uid, sha256, format, original_path, size_bytes, rows, columns, frames,
      samples_per_pixel, photometric, bits_allocated, bits_stored, pixel_representation, pixel_spacing, window_center, window_width, rescale_slope, rescale_intercept,
      transfer_syntax, modality, instance_number, predefined_split, import_id, created_at)
      VALUES (@id, @patientId, @seriesId, @sop, @sha256, @format, @path, @size, @rows, @columns, @frames, @spp, @photometric, @bitsAllocated, @bitsStored, @pixelRepresentation,
      @pixelSpacing, @windowCenter, @windowWidth, @slope, @intercept, @ts, @modality, @instanceNumber, @split, @importId, @now)`);
    const insertThumb = this.sql('INSERT OR REPLACE INTO thumbnails (image_id, width, height) VALUES (?, ?, ?)');
    const insertLabel = this.sql("INSERT INTO labels (image_id, label_set_id, class_name, source, author, created_at, note) VALUES (?, ?, ?, 'imported', ?, ?, ?)");

    db.transaction(() => {
      for (const r of results) {
        counts.processed++;
        counts.bytes += r.size;
        if (r.kind === 'failed') {
          counts.failed++;
          insertFailure.run(run.id, r.path, r.reason);
          continue;
        }
        if (r.kind === 'duplicate' || shaExists.get(r.sha256)) {
          counts.duplicates++;
          continue;
        }
        const sop = r.dicom?.sopInstanceUid ?? null;
        if (sop && sopExists.get(sop)) {
          counts.duplicates++;
          continue;
        }
        const { patientId, seriesId } = this.placeImage(run, r, now, counts);
        const imageId = newId();
        const d = r.dicom;
        insertImage.run({
          id: imageId,
          patientId,
          seriesId,
          sop,
          sha256: r.sha256,
          format: r.format,
          path: r.path,
          size: r.size,
          rows: r.rows,
          columns: r.columns,
          frames: r.frames,
          spp: r.samplesPerPixel,
          photometric: r.photometric,
          bitsAllocated: d?.bitsAllocated ?? 8,
          bitsStored: d?.bitsStored ?? 8,
          pixelRepresentation: d?.pixelRepresentation ?? 0,
          pixelSpacing: d?.pixelSpacing ?? null,
          windowCenter: d?.windowCenter ?? null,
          windowWidth: d?.windowWidth ?? null,
          slope: d?.rescaleSlope ?? null,
          intercept: d?.rescaleIntercept ?? null,
          ts: d?.transferSyntax ?? null,
          modality: d?.modality ?? '',
          instanceNumber: d?.instanceNumber ?? null,
          split: r.split,
          importId: run.id,
          now,
        });
        if (r.thumbnail) insertThumb.run(imageId, r.thumbnail.width, r.thumbnail.height);
        if (run.labelSetId && r.label) {
          this.ensureClass(run.labelSetId, r.label, r.labelIndex);
          insertLabel.run(imageId, run.labelSetId, r.label, run.actor, now, `from folder ${path.basename(path.dirname(r.path))}`);
        }
        counts.imported++;
      }
      this.sql(
        `UPDATE imports SET processed = processed + @processed, imported = imported + @imported, duplicates = duplicates + @duplicates, failed = failed + @failed,
         bytes = bytes + @bytes, created_patients = created_patients + @patients, created_studies = created_studies + @studies, created_series = created_series + @series WHERE id = @id`,
      ).run({ ...counts, id: run.id });
    })();
  }

  private ensureClass(labelSetId: string, name: string, wanted: number | null): void {
    if (this.sql('SELECT 1 FROM label_classes WHERE label_set_id = ? AND name = ?').pluck().get(labelSetId, name)) return;
    const taken = wanted !== null && this.sql('SELECT 1 FROM label_classes WHERE label_set_id = ? AND idx = ?').pluck().get(labelSetId, wanted);
    const idx = wanted !== null && !taken ? wanted : ((this.sql('SELECT COALESCE(MAX(idx) + 1, 0) FROM label_classes WHERE label_set_id = ?').pluck().get(labelSetId) as number) ?? 0);
    this.sql('INSERT INTO label_classes (label_set_id, idx, name) VALUES (?, ?, ?)').run(labelSetId, idx, name);
  }

  /** Finds or creates the image's patient, study and series. */
  private placeImage(run: Running, r: ImportedFile, now: string, counts: { patients: number; studies: number; series: number }): { patientId: string | null; seriesId: string | null } {
    const d = r.dicom;
    let patientId: string | null = run.fixedPatientId;
    if (d) {
      if (d.patientId) {
        patientId = this.patientByMrn(d.patientId, d.patientName || d.patientId, d.birthDate, d.sex, now, counts);
      }
      const studyKey = d.studyUid ?? `carelens:no-study:${patientId ?? 'none'}`;
      let studyId = this.sql('SELECT id FROM studies WHERE study_uid = ?').pluck().get(studyKey) as string | undefined;
      if (!studyId) {
        studyId = newId();
        this.sql('INSERT INTO studies (id, patient_id, study_uid, study_date, description, accession, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)').run(
          studyId,
          patientId,
          studyKey,
          d.studyDate,
          d.studyDescription,
          d.accession,
          now,
        );
        counts.studies++;
      }
      const seriesKey = d.seriesUid ?? `carelens:no-series:${studyKey}:${d.modality}`;
      let seriesId = this.sql('SELECT id FROM series WHERE series_uid = ?').pluck().get(seriesKey) as string | undefined;
      if (!seriesId) {
        seriesId = newId();
        this.sql('INSERT INTO series (id, study_id, series_uid, modality, body_part, manufacturer, description, series_number, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)').run(
          seriesId,
          studyId,
          seriesKey,
          d.modality,
          d.bodyPart,
          d.manufacturer,
          d.seriesDescription,
          d.seriesNumber,
          now,
        );
        counts.series++;
      }
      return { patientId, seriesId };
    }
    if (r.patientFolder) patientId = this.patientByMrn(r.patientFolder, r.patientFolder, null, 'U', now, counts);
    return { patientId, seriesId: null };
  }

  private patientByMrn(mrn: string, name: string, birthDate: string | null, sex: 'F' | 'M' | 'O' | 'U', now: string, counts: { patients: number }): string {
    const existing = this.sql('SELECT id FROM patients WHERE mrn = ?').pluck().get(mrn) as string | undefined;
    if (existing) return existing;
    const id = newId();
    insertPatient(this.core.db, { id, mrn, name, birthDate, sex, notes: 'Registered by an imaging import', createdAt: now, updatedAt: now });
    counts.patients++;
    return id;
  }
}
