import path from 'node:path';
import type { Statement } from 'better-sqlite3-multiple-ciphers';
import type { Clock } from '../core/clock';
import { newId } from '../core/ids';
import type { Db } from '../db/types';
import { appendLabel, ensureLabelClass } from '../labels/ports';
import { insertPatient, noIdPatient, patientIdByMrn } from '../patients/ports';
import type { FileResult, ImportedFile } from './importFiles';
import { insertImage, insertSeries, insertStudy } from './ports';

/** The stored image a duplicate matches. */
interface StoredImage {
  id: string;
  original_path: string;
  import_id: string | null;
}

/** Who and what a batch belongs to. */
export interface BatchContext {
  importId: string;
  labelSetId: string | null;
  actor: string;
  fixedPatientId: string | null;
}

const NO_ID_NOTE =
  'Registered by an imaging import from DICOM files without a Patient ID, grouped by name and birth date (one record per study when the birth date is missing or the name is a placeholder such as "Anonymized"). Two people can share a name and birth date: check the images before relying on this record, and give it the real MRN when known.';

/**
 * Writes the import worker's results to SQLite, one transaction per batch: images, their
 * patient/study/series, labels, report lines and the import's counters together, so the
 * counters always match what is stored. Runs only in the imaging worker, on the worker's own
 * connection to the database file, so the main thread stays free; patients and labels are
 * written through their owners' ports, which are functions of a handle for exactly this reason.
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

  /** The sha256 of every stored file (an import takes this before it begins). */
  storedSha256(): Set<string> {
    return new Set(this.sql('SELECT sha256 FROM images').pluck().all() as string[]);
  }

  /**
   * One transaction per batch: images, their patient/study/series, labels, failures and counts.
   * Returns the sha256 of files the worker stored that no image row uses after the batch (an
   * instance whose SOP Instance UID is already held, with other bytes): the caller removes them
   * so the store keeps no orphan.
   */
  write(run: BatchContext, results: FileResult[]): string[] {
    const sopDuplicates: string[] = [];
    const db = this.db;
    const now = this.clock.now().toISOString();
    const counts = { processed: 0, imported: 0, duplicates: 0, failed: 0, bytes: 0, patients: 0, studies: 0, series: 0 };
    const shaExists = this.sql('SELECT 1 FROM images WHERE sha256 = ?').pluck();
    const sopExists = this.sql('SELECT 1 FROM images WHERE sop_instance_uid = ?').pluck();
    const insertFailure = this.sql('INSERT INTO import_failures (import_id, path, reason) VALUES (?, ?, ?)');
    const insertThumb = this.sql('INSERT OR REPLACE INTO thumbnails (image_id, width, height) VALUES (?, ?, ?)');
    const bySha = this.sql('SELECT id, original_path, import_id FROM images WHERE sha256 = ?');
    const bySop = this.sql('SELECT id, original_path, import_id FROM images WHERE sop_instance_uid = ?');

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
          this.recordDuplicate(run, r.path, 'same-file', bySha.get(r.sha256) as StoredImage | undefined);
          continue;
        }
        const sop = r.dicom?.sopInstanceUid ?? null;
        if (sop && sopExists.get(sop)) {
          counts.duplicates++;
          sopDuplicates.push(r.sha256);
          this.recordDuplicate(run, r.path, 'same-instance', bySop.get(sop) as StoredImage | undefined);
          continue;
        }
        const { patientId, seriesId } = this.placeImage(run, r, now, counts);
        const imageId = newId();
        const d = r.dicom;
        insertImage(db, {
          id: imageId,
          patientId,
          seriesId,
          sopInstanceUid: sop,
          sha256: r.sha256,
          format: r.format,
          originalPath: r.path,
          sizeBytes: r.size,
          rows: r.rows,
          columns: r.columns,
          frames: r.frames,
          samplesPerPixel: r.samplesPerPixel,
          photometric: r.photometric,
          bitsAllocated: d?.bitsAllocated ?? 8,
          bitsStored: d?.bitsStored ?? 8,
          pixelRepresentation: d?.pixelRepresentation ?? 0,
          pixelSpacing: d?.pixelSpacing ?? null,
          windowCenter: d?.windowCenter ?? null,
          windowWidth: d?.windowWidth ?? null,
          rescaleSlope: d?.rescaleSlope ?? null,
          rescaleIntercept: d?.rescaleIntercept ?? null,
          transferSyntax: d?.transferSyntax ?? null,
          modality: d?.modality ?? '',
          instanceNumber: d?.instanceNumber ?? null,
          predefinedSplit: r.split,
          importId: run.importId,
          createdAt: now,
        });
        if (r.thumbnail) insertThumb.run(imageId, r.thumbnail.width, r.thumbnail.height);
        if (run.labelSetId && r.label) {
          ensureLabelClass(db, run.labelSetId, r.label, r.labelIndex);
          appendLabel(db, {
            imageId,
            labelSetId: run.labelSetId,
            className: r.label,
            source: 'imported',
            author: run.actor,
            createdAt: now,
            note: `from folder ${path.basename(path.dirname(r.path))}`,
          });
        }
        counts.imported++;
      }
      this.sql(
        `UPDATE imports SET processed = processed + @processed, imported = imported + @imported, duplicates = duplicates + @duplicates, failed = failed + @failed,
         bytes = bytes + @bytes, created_patients = created_patients + @patients, created_studies = created_studies + @studies, created_series = created_series + @series WHERE id = @id`,
      ).run({ ...counts, id: run.importId });
    })();
    return [...new Set(sopDuplicates)].filter((sha) => !shaExists.get(sha));
  }

  /** A report line for a file not stored because this stored image already holds it. */
  private recordDuplicate(run: BatchContext, filePath: string, match: 'same-file' | 'same-instance', original: StoredImage | undefined): void {
    this.sql('INSERT INTO import_duplicates (import_id, path, match, original_image_id, original_path, original_import_id) VALUES (?, ?, ?, ?, ?, ?)').run(
      run.importId,
      filePath,
      match,
      original?.id ?? null,
      original?.original_path ?? null,
      original?.import_id ?? null,
    );
  }

  /** Finds or creates the image's patient, study and series. */
  private placeImage(run: BatchContext, r: ImportedFile, now: string, counts: { patients: number; studies: number; series: number }): { patientId: string | null; seriesId: string | null } {
    const d = r.dicom;
    let patientId: string | null = run.fixedPatientId;
    if (d) {
      if (d.patientId) {
        patientId = this.patientByMrn(d.patientId, d.patientName || d.patientId, d.birthDate, d.sex, now, counts);
      } else if (!patientId && d.patientName) {
        // No Patient ID: the patient is who the name and birth date say, marked "no ID" (never a
        // made-up MRN); with no birth date or a placeholder name, one record per study (noIdPatient).
        const found = noIdPatient(this.db, { name: d.patientName, birthDate: d.birthDate, studyKey: d.studyUid ?? d.seriesUid ?? d.sopInstanceUid ?? r.sha256, sex: d.sex, notes: NO_ID_NOTE, now });
        patientId = found.id;
        if (found.created) counts.patients++;
      }
      // A study without a Study Instance UID is the patient's one such study; with no patient
      // either, each series (else each instance) is its own study, never one heap of strangers.
      const studyKey = d.studyUid ?? `carelens:no-study:${patientId ?? `series:${d.seriesUid ?? d.sopInstanceUid ?? r.sha256}`}`;
      let studyId = this.sql('SELECT id FROM studies WHERE study_uid = ?').pluck().get(studyKey) as string | undefined;
      if (!studyId) {
        studyId = newId();
        insertStudy(this.db, { id: studyId, patientId, studyUid: studyKey, studyDate: d.studyDate, description: d.studyDescription, accession: d.accession, createdAt: now });
        counts.studies++;
      }
      const seriesKey = d.seriesUid ?? `carelens:no-series:${studyKey}:${d.modality}`;
      let seriesId = this.sql('SELECT id FROM series WHERE series_uid = ?').pluck().get(seriesKey) as string | undefined;
      if (!seriesId) {
        seriesId = newId();
        insertSeries(this.db, {
          id: seriesId,
          studyId,
          seriesUid: seriesKey,
          modality: d.modality,
          bodyPart: d.bodyPart,
          manufacturer: d.manufacturer,
          description: d.seriesDescription,
          seriesNumber: d.seriesNumber,
          createdAt: now,
        });
        counts.series++;
      }
      return { patientId, seriesId };
    }
    if (r.patientFolder) patientId = this.patientByMrn(r.patientFolder, r.patientFolder, null, 'U', now, counts);
    return { patientId, seriesId: null };
  }

  private patientByMrn(mrn: string, name: string, birthDate: string | null, sex: 'F' | 'M' | 'O' | 'U', now: string, counts: { patients: number }): string {
    const existing = patientIdByMrn(this.db, mrn);
    if (existing) return existing;
    const id = newId();
    insertPatient(this.db, { id, mrn, name, birthDate, sex, notes: 'Registered by an imaging import', createdAt: now, updatedAt: now });
    counts.patients++;
    return id;
  }
}
