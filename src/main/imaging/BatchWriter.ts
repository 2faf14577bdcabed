import path from 'node:path';
import type { Statement } from 'better-sqlite3-multiple-ciphers';
import type { Clock } from '../core/clock';
import { newId } from '../core/ids';
import type { Db } from '../db/connection';
import { insertPatient } from '../patients/patientRepository';
import type { FileResult, ImportedFile } from './importFiles';

/** Who and what a batch belongs to. */
export interface BatchContext {
  importId: string;
  labelSetId: string | null;
  actor: string;
  fixedPatientId: string | null;
}

/**
 * Writes the import worker's results to SQLite, one transaction per batch: images, their
 * patient/study/series, labels, report lines and the import's counters together, so the
 * counters always match what is stored. Runs in the imaging worker on its own connection to
 * an on-disk database (keeping the main thread free), or on the main thread for in-memory ones.
 */
export class BatchWriter {
  /** Prepared once: a batch runs these thousands of times. */
  private readonly stmts = new Map<string, Statement>();

  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
  ) {}

  private sql(text: string): Statement {
    let st = this.stmts.get(text);
    if (!st) {
      st = this.db.prepare(text);
      this.stmts.set(text, st);
    }
    return st;
  }

  /** One transaction per batch: images, their patient/study/series, labels, failures and counts. */
  write(run: BatchContext, results: FileResult[]): void {
    const db = this.db;
    const now = this.clock.now().toISOString();
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
          insertFailure.run(run.importId, r.path, r.reason);
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
          importId: run.importId,
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
      ).run({ ...counts, id: run.importId });
    })();
  }

  private ensureClass(labelSetId: string, name: string, wanted: number | null): void {
    if (this.sql('SELECT 1 FROM label_classes WHERE label_set_id = ? AND name = ?').pluck().get(labelSetId, name)) return;
    const taken = wanted !== null && this.sql('SELECT 1 FROM label_classes WHERE label_set_id = ? AND idx = ?').pluck().get(labelSetId, wanted);
    const idx = wanted !== null && !taken ? wanted : ((this.sql('SELECT COALESCE(MAX(idx) + 1, 0) FROM label_classes WHERE label_set_id = ?').pluck().get(labelSetId) as number) ?? 0);
    this.sql('INSERT INTO label_classes (label_set_id, idx, name) VALUES (?, ?, ?)').run(labelSetId, idx, name);
  }

  /** Finds or creates the image's patient, study and series. */
  private placeImage(run: BatchContext, r: ImportedFile, now: string, counts: { patients: number; studies: number; series: number }): { patientId: string | null; seriesId: string | null } {
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
    insertPatient(this.db, { id, mrn, name, birthDate, sex, notes: 'Registered by an imaging import', createdAt: now, updatedAt: now });
    counts.patients++;
    return id;
  }
}
