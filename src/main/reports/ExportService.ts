import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import type { Core } from '../core/Core';
import { newId } from '../core/ids';
import { AppError } from '../../shared/ipc/envelope';
import type { ExportRequest } from '../../shared/ipc/reports';
import type { ExportFailure, ExportFile, ExportFormat, ExportJob, ExportJobState, ReportCase, ReportImage, ReportPreview, ReportSettings } from '../../shared/domain/reports';
import { patientIdsOfStudies } from '../imaging/ports';
import { readStoreFileAt } from '../imaging/store';
import { storeKeysOf } from '../imaging/storeKeys';
import { assertFolderAllowed } from '../system/ports';
import { assembleCase, caseImages, findReportPatient } from './assembleCase';
import { caseToCsv } from './csv';
import { toCsv } from '../../shared/csv';
import { deidentifyCase, Pseudonymizer, pseudonymSecret } from './deidentify';
import { deidentifyDicom } from './dicomDeid';
import { caseToBundle } from './fhir';
import { loadReportFonts, type ReportFonts } from './pdf/fonts';
import { renderPdf, type ReportMedia } from './pdf/renderPdf';
import type { ReportProviders } from './providers';

interface JobRow {
  id: string;
  format: ExportFormat;
  deidentified: number;
  include_dicom: number;
  state: ExportJobState;
  out_dir: string;
  patient_ids: string;
  total: number;
  done: number;
  files: string;
  failures: string;
  warnings: string;
  started_at: string;
  started_by: string;
  finished_at: string | null;
  duration_ms: number | null;
}

interface Running {
  cancelled: boolean;
  finished: Promise<ExportJob>;
}

const EXTENSIONS: Record<ExportFormat, string> = { pdf: '.pdf', csv: '.csv', fhir: '.fhir.json' };
const MIME: Record<string, string> = { '.pdf': 'application/pdf', '.csv': 'text/csv', '.json': 'application/fhir+json', '.dcm': 'application/dicom' };

/** A file name from any text: letters (any script) and digits kept, the rest becomes '_'. */
function safeName(text: string): string {
  return text.normalize('NFC').replace(/[^\p{L}\p{N}\-]+/gu, '_').replace(/^_+|_+$/g, '').slice(0, 60) || 'patient';
}

function sha256(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

function decodeDataUrl(url: string | null): Uint8Array | null {
  if (!url) return null;
  const m = /^data:image\/(png|jpeg);base64,(.*)$/.exec(url);
  return m ? Buffer.from(m[2]!, 'base64') : null;
}

/**
 * Exports patients as PDF, CSV or FHIR R4, identified or de-identified, one file per patient
 * plus an index.csv, into a folder. Runs in the background with 'reports:progress' events and
 * can be cancelled between patients. Every job is kept in report_exports.
 */
export class ExportService {
  private readonly running = new Map<string, Running>();
  private fonts: ReportFonts | null = null;

  constructor(
    private readonly core: Pick<Core, 'db' | 'paths' | 'clock' | 'logger' | 'events' | 'version' | 'settings'>,
    private readonly providers: ReportProviders,
    private readonly fontLoader: () => ReportFonts = () => loadReportFonts(),
  ) {}

  /** What a report on one patient would hold. */
  preview(idOrMrn: string, studyIds?: string[]): ReportPreview {
    const c = assembleCase(this.core.db, idOrMrn, this.providers, studyIds);
    return {
      patientId: c.patient.id,
      patientName: c.patient.name,
      mrn: c.patient.mrn,
      studies: c.studies.length,
      images: caseImages(c).length,
      diagnoses: c.diagnoses.length,
      carePlans: c.carePlans.length,
      notes: c.notes,
      studyList: c.studies.map((s) => ({
        id: s.id,
        date: s.studyDate,
        description: s.description,
        modalities: [...new Set(s.series.map((se) => se.modality).filter(Boolean))],
        images: s.series.reduce((n, se) => n + se.images.length, 0),
      })),
    };
  }

  /** The clinic name and logo printed on reports. */
  settings(): ReportSettings {
    const settings = this.core.settings;
    return { clinicName: settings.get('clinic.name') ?? '', clinicLogo: settings.get('clinic.logo') };
  }

  /** Sets the clinic name and/or logo (null removes the logo). */
  setSettings(changes: { clinicName?: string; clinicLogo?: string | null }): ReportSettings {
    const logo = changes.clinicLogo ? decodeDataUrl(changes.clinicLogo) : null;
    if (changes.clinicLogo && (!logo || !isPngOrJpeg(logo))) {
      throw new AppError('VALIDATION', 'The logo is not a readable PNG or JPEG image.', { key: 'errors.reports.logoNotReadablePng', issues: [{ path: 'clinicLogo', message: 'Not a PNG or JPEG', key: 'errors.issues.notPngOrJpeg' }] });
    }
    const settings = this.core.settings;
    settings.transaction(() => {
      if (changes.clinicName !== undefined) settings.set('clinic.name', changes.clinicName);
      if (changes.clinicLogo === null) settings.delete('clinic.logo');
      else if (changes.clinicLogo !== undefined) settings.set('clinic.logo', changes.clinicLogo);
    });
    return this.settings();
  }

  /**
   * Starts an export and returns at once with the running job. Every patient is resolved
   * first (an unknown id or MRN refuses the whole export, nothing is written).
   */
  start(request: ExportRequest, actor: string): ExportJob {
    const patients = request.patients.map((p) => findReportPatient(this.core.db, p));
    const unique = [...new Map(patients.map((p) => [p.id, p])).values()];
    if (request.studyIds && request.studyIds.length > 0) {
      const ids = new Set(unique.map((p) => p.id));
      const owner = patientIdsOfStudies(this.core.db, request.studyIds);
      const stray = request.studyIds.filter((s) => !ids.has(owner.get(s) ?? ''));
      if (stray.length > 0) {
        throw new AppError('NOT_FOUND', `No study ${stray.slice(0, 3).join(', ')} among the chosen patients' studies; nothing was exported.`, { key: 'errors.reports.noStudyAmongChosen', params: { stray: stray.slice(0, 3).join(', ') }, issues: [{ path: 'studyIds', message: 'Not a study of these patients', key: 'errors.issues.notStudyOfPatients' }] });
      }
    }
    const id = newId();
    const startedAt = this.core.clock.now();
    const outDir = this.prepareOutDir(request.outDir, startedAt, id, actor);
    const deidentify = Boolean(request.deidentify);
    this.core.db
      .prepare(
        `INSERT INTO report_exports (id, format, deidentified, include_dicom, state, out_dir, patient_ids, total, started_at, started_by)
         VALUES (?, ?, ?, ?, 'running', ?, ?, ?, ?, ?)`,
      )
      .run(id, request.format, deidentify ? 1 : 0, request.includeDicom ? 1 : 0, outDir, JSON.stringify(unique.map((p) => p.id)), unique.length, startedAt.toISOString(), actor);
    const handle: Running = { cancelled: false, finished: Promise.resolve(null as unknown as ExportJob) };
    this.running.set(id, handle);
    handle.finished = this.run(id, unique.map((p) => p.id), request, actor, outDir, handle).finally(() => this.running.delete(id));
    return this.job(id);
  }

  /** Asks a running job to stop after the patient in progress. A finished job is returned as it is. */
  cancel(jobId: string): ExportJob {
    const job = this.job(jobId);
    const handle = this.running.get(jobId);
    if (handle) handle.cancelled = true;
    return job;
  }

  /** Resolves when the job has finished (done, cancelled or failed). */
  async waitFor(jobId: string): Promise<ExportJob> {
    const handle = this.running.get(jobId);
    if (handle) return handle.finished;
    return this.job(jobId);
  }

  job(jobId: string): ExportJob {
    const row = this.core.db.prepare('SELECT * FROM report_exports WHERE id = ?').get(jobId) as JobRow | undefined;
    if (!row) throw new AppError('NOT_FOUND', `No export job ${jobId}.`, { key: 'errors.reports.noExportJob', params: { jobId } });
    return this.toJob(row);
  }

  jobs(limit = 20): ExportJob[] {
    const rows = this.core.db.prepare('SELECT * FROM report_exports ORDER BY started_at DESC, rowid DESC LIMIT ?').all(limit) as JobRow[];
    return rows.map((r) => this.toJob(r));
  }

  /** One output file of a job, read back for the app to open or save. Only files the job wrote. */
  readFile(jobId: string, fileName: string): { fileName: string; mime: string; base64: string; patientIds: string[] } {
    const job = this.job(jobId);
    const file = job.files.find((f) => f.fileName === fileName);
    if (!file) throw new AppError('NOT_FOUND', `Export ${jobId} has no file named ${fileName}.`, { key: 'errors.reports.exportHasNoFile', params: { jobId, fileName } });
    let data: Buffer;
    try {
      data = fs.readFileSync(file.path);
    } catch {
      throw new AppError('NOT_FOUND', `${fileName} is no longer in ${job.outDir}: it was moved or deleted.`, { key: 'errors.reports.exportFileMoved', params: { fileName, outDir: job.outDir } });
    }
    if (sha256(data) !== file.sha256) throw new AppError('CONFLICT', `${fileName} was changed after the export; export again.`, { key: 'errors.reports.wasChangedAfterExport', params: { fileName } });
    // Who the file is about, for the audit trail: its patient, or every patient of the job (index.csv).
    const patientIds = file.patientId ? [file.patientId] : job.patientIds;
    return { fileName, mime: MIME[path.extname(fileName)] ?? 'application/octet-stream', base64: data.toString('base64'), patientIds };
  }

  /** Cancels every running job and waits for them (app shutdown). */
  async dispose(): Promise<void> {
    const pending = [...this.running.values()];
    for (const h of pending) h.cancelled = true;
    await Promise.allSettled(pending.map((h) => h.finished));
  }

  /** The export folder: created 0700 (only this OS user reads what is written there; files are 0600). */
  private prepareOutDir(requested: string | undefined, startedAt: Date, id: string, actor: string): string {
    if (requested) {
      if (!path.isAbsolute(requested)) throw new AppError('VALIDATION', 'The export folder must be a full (absolute) path.', { key: 'errors.reports.exportFolderMustFull', issues: [{ path: 'outDir', message: 'Use an absolute path', key: 'errors.issues.absolutePath' }] });
      // A user exports into their home folder or an allowed root only ('..' and links resolved).
      const dir = assertFolderAllowed(this.core.settings, actor, requested, 'write', 'outDir');
      if (fs.existsSync(dir)) {
        if (!fs.statSync(dir).isDirectory()) throw new AppError('CONFLICT', `${dir} is a file, not a folder.`, { key: 'errors.reports.fileNotFolder', params: { dir }, issues: [{ path: 'outDir', message: 'Not a folder', key: 'errors.issues.notFolder' }] });
        if (fs.readdirSync(dir).length > 0) throw new AppError('CONFLICT', `${dir} is not empty; choose an empty or new folder so no file is overwritten.`, { key: 'errors.reports.exportFolderNotEmpty', params: { dir }, issues: [{ path: 'outDir', message: 'Folder is not empty', key: 'errors.issues.folderNotEmpty' }] });
      } else {
        fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
      }
      return dir;
    }
    const stamp = startedAt.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
    const dir = path.join(this.core.paths.exports, `${stamp}-${id.slice(0, 8)}`);
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    return dir;
  }

  private toJob(row: JobRow): ExportJob {
    // A job left 'running' by a process that ended (crash, quit) is not running any more.
    const state: ExportJobState = row.state === 'running' && !this.running.has(row.id) ? 'failed' : row.state;
    const warnings = JSON.parse(row.warnings) as string[];
    if (state !== row.state) warnings.push('The export was interrupted (CareLens stopped while it ran).');
    return {
      id: row.id,
      patientIds: JSON.parse(row.patient_ids) as string[],
      format: row.format,
      deidentified: row.deidentified === 1,
      includeDicom: row.include_dicom === 1,
      state,
      outDir: row.out_dir,
      total: row.total,
      done: row.done,
      files: JSON.parse(row.files) as ExportFile[],
      failures: JSON.parse(row.failures) as ExportFailure[],
      warnings,
      startedAt: row.started_at,
      finishedAt: row.finished_at,
      startedBy: row.started_by,
      durationMs: row.duration_ms,
    };
  }

  private async media(c: ReportCase): Promise<ReportMedia> {
    const thumbnails: ReportMedia['thumbnails'] = new Map();
    const heatmaps: ReportMedia['heatmaps'] = new Map();
    const withFinding = new Set(c.diagnoses.map((d) => d.imageId));
    // Only what the PDF can show: the first four images of each study (findings first).
    const wanted: ReportImage[] = [];
    for (const study of c.studies) {
      const imgs = study.series.flatMap((s) => s.images);
      wanted.push(...[...imgs.filter((i) => withFinding.has(i.id)), ...imgs.filter((i) => !withFinding.has(i.id))].slice(0, 4));
    }
    wanted.push(...[...c.looseImages.filter((i) => withFinding.has(i.id)), ...c.looseImages.filter((i) => !withFinding.has(i.id))].slice(0, 4));
    for (const image of wanted) {
      try {
        const t = await this.providers.thumbnail(image);
        if (t) thumbnails.set(image.id, t);
      } catch (err) {
        this.core.logger.warn(`reports: no thumbnail for image ${image.id}`, err);
      }
    }
    for (const d of c.diagnoses) {
      if (!d.hasHeatmap) continue;
      try {
        const h = await this.providers.heatmap(d.id);
        if (h) heatmaps.set(d.id, h);
      } catch (err) {
        this.core.logger.warn(`reports: no heatmap for diagnosis ${d.id}`, err);
      }
    }
    return { thumbnails, heatmaps };
  }

  private async run(id: string, patientIds: string[], request: ExportRequest, actor: string, outDir: string, handle: Running): Promise<ExportJob> {
    const t0 = performance.now();
    const files: ExportFile[] = [];
    const failures: ExportFailure[] = [];
    const warnings: string[] = [];
    const index: { label: string; mrn: string; carelensId: string; file: string; status: string; bytes: number | null; sha: string; message: string }[] = [];
    const deidentify = Boolean(request.deidentify);
    const pseudo = deidentify ? new Pseudonymizer(pseudonymSecret(this.core.settings)) : null;
    const exportedAt = this.core.clock.now().toISOString();
    const settings = this.settings();
    let done = 0;
    let state: ExportJobState = 'done';
    const save = () => {
      this.core.db
        .prepare('UPDATE report_exports SET done = ?, files = ?, failures = ?, warnings = ?, state = ?, finished_at = ?, duration_ms = ? WHERE id = ?')
        .run(done, JSON.stringify(files), JSON.stringify(failures), JSON.stringify(warnings), state, this.core.clock.now().toISOString(), Math.round(performance.now() - t0), id);
    };
    const emit = (current: string | null, s: ExportJobState) => this.core.events.emit('reports:progress', { jobId: id, state: s, done, total: patientIds.length, current });
    emit(null, 'running');
    try {
      for (const patientId of patientIds) {
        if (handle.cancelled) {
          state = 'cancelled';
          break;
        }
        let label = patientId;
        let currentId = patientId;
        try {
          const identified = assembleCase(this.core.db, patientId, this.providers, request.studyIds);
          currentId = identified.patient.id;
          const c = pseudo ? deidentifyCase(identified, pseudo) : identified;
          label = pseudo ? c.patient.name : `${c.patient.name} (MRN ${c.patient.mrn})`;
          const base = pseudo ? safeName(c.patient.name) : `${safeName(c.patient.name)}_${safeName(c.patient.mrn)}`;
          const fileName = base + EXTENSIONS[request.format];
          let data: Buffer;
          if (request.format === 'pdf') {
            this.fonts ??= this.fontLoader();
            const media = pseudo ? { thumbnails: new Map(), heatmaps: new Map() } : await this.media(identified);
            const logo = decodeDataUrl(settings.clinicLogo);
            data = await renderPdf(c, { clinicName: settings.clinicName, clinicLogo: logo, exportedBy: actor, exportedAt, appVersion: this.core.version, language: request.language }, media, this.fonts);
          } else if (request.format === 'csv') {
            data = Buffer.from(caseToCsv(c, true, request.language), 'utf8');
          } else {
            data = Buffer.from(JSON.stringify(caseToBundle(c, exportedAt, request.language), null, 2), 'utf8');
          }
          const file = this.write(outDir, fileName, data, { patientId: identified.patient.id, label, kind: request.format });
          files.push(file);
          index.push({ label, mrn: pseudo ? '' : c.patient.mrn, carelensId: pseudo ? '' : c.patient.id, file: file.fileName, status: 'ok', bytes: file.bytes, sha: file.sha256, message: '' });
          if (request.includeDicom) this.writeDicom(outDir, base, identified, pseudo, label, files, warnings, index);
        } catch (err) {
          const message = err instanceof AppError ? err.message : `Could not export: ${(err as Error).message}`;
          if (!(err instanceof AppError)) this.core.logger.error(`reports: export of ${patientId} failed`, err);
          failures.push({ patient: label, message });
          index.push({ label, mrn: '', carelensId: pseudo ? '' : patientId, file: '', status: 'failed', bytes: null, sha: '', message });
        }
        done++;
        // The event names the patient by id only (events reach every signed-in page); the page looks the name up.
        emit(currentId, 'running');
        // The count only: rewriting the growing file list every few patients would cost O(n²) on big batches.
        if (done % 10 === 0) this.core.db.prepare('UPDATE report_exports SET done = ? WHERE id = ?').run(done, id);
        // Let a cancel (and the rest of the app) in between patients.
        await yieldToLoop();
      }
      if (handle.cancelled && done < patientIds.length) state = 'cancelled';
      if (state === 'cancelled') warnings.push(`Cancelled after ${done} of ${patientIds.length} patients; the files written so far are listed.`);
      if (failures.length > 0 && failures.length === patientIds.length) state = 'failed';
    } catch (err) {
      state = 'failed';
      warnings.push(`The export stopped: ${(err as Error).message}`);
      this.core.logger.error('reports: export failed', err);
    }
    try {
      const csv =
        '\uFEFF' +
        toCsv(
          ['patient', 'mrn', 'carelens_id', 'file', 'format', 'status', 'bytes', 'sha256', 'message', 'deidentified', 'exported_at', 'exported_by'],
          index.map((r) => [r.label, r.mrn, r.carelensId, r.file, r.file.endsWith('.dcm') ? 'dicom' : request.format, r.status, r.bytes, r.sha, r.message, deidentify, exportedAt, actor]),
        );
      files.push(this.write(outDir, 'index.csv', Buffer.from(csv, 'utf8'), { patientId: '', label: 'index', kind: 'index' }));
    } catch (err) {
      warnings.push(`The index could not be written: ${(err as Error).message}`);
    }
    save();
    const job = this.job(id);
    emit(null, job.state);
    return job;
  }

  private write(outDir: string, fileName: string, data: Buffer, meta: Pick<ExportFile, 'patientId' | 'label' | 'kind'>): ExportFile {
    const full = path.join(outDir, fileName);
    // 'wx': never overwrite a file, even one another program just created.
    fs.writeFileSync(full, data, { flag: 'wx', mode: 0o600 });
    return { ...meta, fileName, path: full, bytes: data.length, sha256: sha256(data) };
  }

  private writeDicom(outDir: string, base: string, c: ReportCase, pseudo: Pseudonymizer | null, label: string, files: ExportFile[], warnings: string[], index: { label: string; mrn: string; carelensId: string; file: string; status: string; bytes: number | null; sha: string; message: string }[]): void {
    const dicomImages = caseImages(c).filter((i) => i.format === 'dicom');
    let n = 0;
    for (const image of dicomImages) {
      const source = this.providers.dicomPath(image.id);
      if (!source) {
        warnings.push(`${label}: the DICOM file of an image is not available to export.`);
        continue;
      }
      n++;
      const fileName = `${base}_${String(n).padStart(4, '0')}.dcm`;
      try {
        // The store's copy is encrypted at rest: decrypted (every tag checked) only to be exported.
        const original = readStoreFileAt(storeKeysOf(this.core.db), source);
        const data = pseudo ? deidentifyDicom(original, { pseudonymizer: pseudo, patientId: c.patient.id, pseudonym: pseudo.patient(c.patient.id) }) : original;
        const file = this.write(outDir, fileName, data, { patientId: c.patient.id, label, kind: 'dicom' });
        files.push(file);
        index.push({ label, mrn: pseudo ? '' : c.patient.mrn, carelensId: pseudo ? '' : c.patient.id, file: fileName, status: 'ok', bytes: file.bytes, sha: file.sha256, message: '' });
      } catch (err) {
        const message = err instanceof AppError ? err.message : (err as Error).message;
        warnings.push(`${label}: DICOM image ${n} was not exported: ${message}`);
        index.push({ label, mrn: pseudo ? '' : c.patient.mrn, carelensId: pseudo ? '' : c.patient.id, file: fileName, status: 'skipped', bytes: null, sha: '', message });
      }
    }
  }
}

function isPngOrJpeg(data: Uint8Array): boolean {
  const png = data.length > 8 && data[0] === 0x89 && data[1] === 0x50 && data[2] === 0x4e && data[3] === 0x47;
  const jpeg = data.length > 3 && data[0] === 0xff && data[1] === 0xd8 && data[2] === 0xff;
  return png || jpeg;
}
