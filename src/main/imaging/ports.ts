import type { Db } from '../db/types';

/**
 * The imaging feature's port: what other features may ask of the tables imaging owns. Plain
 * functions of a database handle, SQL over imaging's own tables only; this module imports
 * nothing from other features, so ports never form import circles.
 */

/** What a model needs to know about one stored image: its file, subject and acquisition. */
export interface ImageFacts {
  id: string;
  sha256: string;
  patientId: string | null;
  /** The train / val / test split recorded at import (MedMNIST-style sets), or null. */
  predefinedSplit: 'train' | 'val' | 'test' | null;
  /** The image's own modality, else its series', else null. */
  modality: string | null;
  manufacturer: string | null;
  studyDate: string | null;
}

const IMAGE_FACTS_CHUNK = 500;

/** Facts about these images (ids that name no image are left out), ordered by image id. */
export function imageFacts(db: Db, imageIds: readonly string[]): ImageFacts[] {
  const out: ImageFacts[] = [];
  for (let i = 0; i < imageIds.length; i += IMAGE_FACTS_CHUNK) {
    const part = imageIds.slice(i, i + IMAGE_FACTS_CHUNK);
    const rows = db
      .prepare(
        `SELECT i.id, i.sha256, i.patient_id AS patientId, i.predefined_split AS predefinedSplit,
                COALESCE(NULLIF(i.modality, ''), NULLIF(se.modality, '')) AS modality, NULLIF(se.manufacturer, '') AS manufacturer,
                st.study_date AS studyDate
           FROM images i
           LEFT JOIN series se ON se.id = i.series_id
           LEFT JOIN studies st ON st.id = se.study_id
          WHERE i.id IN (${part.map(() => '?').join(',')})`,
      )
      .all(...part) as ImageFacts[];
    out.push(...rows);
  }
  return out.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/** Which images a caller means: one image, or every image of a series, a patient or an import. */
export type ImageScope = { imageId: string } | { seriesId: string } | { patientId: string } | { importId: string };

/** The images of a scope with their content hashes, ordered by id, at most `limit`. */
export function imagesInScope(db: Db, scope: ImageScope, limit: number): { id: string; sha256: string }[] {
  const [column, value] =
    'imageId' in scope ? ['id', scope.imageId] : 'seriesId' in scope ? ['series_id', scope.seriesId] : 'patientId' in scope ? ['patient_id', scope.patientId] : ['import_id', scope.importId];
  return db.prepare(`SELECT id, sha256 FROM images WHERE ${column} = ? ORDER BY id LIMIT ?`).all(value, limit) as { id: string; sha256: string }[];
}

// ---------------------------------------------------------------- imaging: records, patient scopes, imports, seeding

/** One stored image as its row records it, with the study its series belongs to. */
export interface ImageRecord {
  id: string;
  patientId: string | null;
  seriesId: string | null;
  /** The study of the image's series; null for images without a series (PNG / JPEG). */
  studyId: string | null;
  sopInstanceUid: string | null;
  sha256: string;
  format: 'dicom' | 'png' | 'jpeg';
  originalPath: string;
  sizeBytes: number;
  rows: number | null;
  columns: number | null;
  frames: number;
  samplesPerPixel: number | null;
  photometric: string | null;
  /** The image's own modality as stored ('' when the file did not say). */
  modality: string;
  instanceNumber: number | null;
  windowCenter: number | null;
  windowWidth: number | null;
  predefinedSplit: 'train' | 'val' | 'test' | null;
  importId: string | null;
  createdAt: string;
}

/** A study as its row records it. */
export interface StudyRecord {
  id: string;
  patientId: string | null;
  studyUid: string | null;
  studyDate: string | null;
  description: string;
  accession: string;
  createdAt: string;
}

/** A series as its row records it. */
export interface SeriesRecord {
  id: string;
  studyId: string;
  seriesUid: string | null;
  modality: string;
  bodyPart: string;
  manufacturer: string;
  description: string;
  seriesNumber: number | null;
  createdAt: string;
}

/** The images of one import: how many, when the first arrived, and the alphabetical first and last original paths. */
export interface ImportImages {
  importId: string;
  images: number;
  firstAt: string;
  firstPath: string;
  lastPath: string;
}

const IMAGING_ID_CHUNK = 500;

/** Runs `query` on `ids` (deduplicated) in chunks of 500 and concatenates the rows. */
function byIdChunks<T>(ids: readonly string[], query: (part: string[], marks: string) => T[]): T[] {
  const unique = [...new Set(ids)];
  const out: T[] = [];
  for (let i = 0; i < unique.length; i += IMAGING_ID_CHUNK) {
    const part = unique.slice(i, i + IMAGING_ID_CHUNK);
    out.push(...query(part, part.map(() => '?').join(',')));
  }
  return out;
}

const IMAGE_RECORD_SELECT = `SELECT i.id, i.patient_id AS patientId, i.series_id AS seriesId, se.study_id AS studyId, i.sop_instance_uid AS sopInstanceUid,
    i.sha256, i.format, i.original_path AS originalPath, i.size_bytes AS sizeBytes, i.rows, i.columns, i.frames,
    i.samples_per_pixel AS samplesPerPixel, i.photometric, i.modality, i.instance_number AS instanceNumber,
    i.window_center AS windowCenter, i.window_width AS windowWidth, i.predefined_split AS predefinedSplit,
    i.import_id AS importId, i.created_at AS createdAt
  FROM images i LEFT JOIN series se ON se.id = i.series_id`;

/** These images' records by id, in the order of `imageIds`; ids that name no image are left out. */
export function imagesByIds(db: Db, imageIds: readonly string[]): Map<string, ImageRecord> {
  const found = new Map(
    byIdChunks(imageIds, (part, marks) => db.prepare(`${IMAGE_RECORD_SELECT} WHERE i.id IN (${marks})`).all(...part) as ImageRecord[]).map((r) => [r.id, r]),
  );
  const out = new Map<string, ImageRecord>();
  for (const id of imageIds) {
    const r = found.get(id);
    if (r) out.set(id, r);
  }
  return out;
}

/** A patient's images, ordered by instance number, then arrival, then id (a report's order). */
export function imagesOfPatient(db: Db, patientId: string): ImageRecord[] {
  return db.prepare(`${IMAGE_RECORD_SELECT} WHERE i.patient_id = ? ORDER BY i.instance_number, i.created_at, i.id`).all(patientId) as ImageRecord[];
}

/** A patient's studies, oldest study date first, then arrival, then id (a report's order). */
export function studiesOfPatient(db: Db, patientId: string): StudyRecord[] {
  return db
    .prepare(
      `SELECT id, patient_id AS patientId, study_uid AS studyUid, study_date AS studyDate, description, accession, created_at AS createdAt
         FROM studies WHERE patient_id = ? ORDER BY study_date, created_at, id`,
    )
    .all(patientId) as StudyRecord[];
}

/** The series of a patient's studies, by series number, then arrival, then id (a report's order). */
export function seriesOfPatient(db: Db, patientId: string): SeriesRecord[] {
  return db
    .prepare(
      `SELECT s.id, s.study_id AS studyId, s.series_uid AS seriesUid, s.modality, s.body_part AS bodyPart, s.manufacturer, s.description,
              s.series_number AS seriesNumber, s.created_at AS createdAt
         FROM series s JOIN studies st ON st.id = s.study_id WHERE st.patient_id = ? ORDER BY s.series_number, s.created_at, s.id`,
    )
    .all(patientId) as SeriesRecord[];
}

/** The patient of each image that exists (null: an unassigned image). */
export function patientIdsOfImages(db: Db, imageIds: readonly string[]): Map<string, string | null> {
  const rows = byIdChunks(imageIds, (part, marks) => db.prepare(`SELECT id, patient_id AS patientId FROM images WHERE id IN (${marks})`).all(...part) as { id: string; patientId: string | null }[]);
  return new Map(rows.map((r) => [r.id, r.patientId]));
}

/** The patient of each study that exists (null: a study filed without a patient). */
export function patientIdsOfStudies(db: Db, studyIds: readonly string[]): Map<string, string | null> {
  const rows = byIdChunks(studyIds, (part, marks) => db.prepare(`SELECT id, patient_id AS patientId FROM studies WHERE id IN (${marks})`).all(...part) as { id: string; patientId: string | null }[]);
  return new Map(rows.map((r) => [r.id, r.patientId]));
}

/** The patient of each series that exists, through its study. */
export function patientIdsOfSeries(db: Db, seriesIds: readonly string[]): Map<string, string | null> {
  const rows = byIdChunks(
    seriesIds,
    (part, marks) =>
      db.prepare(`SELECT se.id, st.patient_id AS patientId FROM series se JOIN studies st ON st.id = se.study_id WHERE se.id IN (${marks})`).all(...part) as {
        id: string;
        patientId: string | null;
      }[],
  );
  return new Map(rows.map((r) => [r.id, r.patientId]));
}

/** Which of these SOP Instance UIDs the store already holds (a PACS retrieve skips them before fetching). */
export function storedSopInstanceUids(db: Db, uids: readonly string[]): Set<string> {
  const rows = byIdChunks(uids, (part, marks) => db.prepare(`SELECT sop_instance_uid FROM images WHERE sop_instance_uid IN (${marks})`).pluck().all(...part) as string[]);
  return new Set(rows);
}

/** The stored studies with these Study Instance UIDs: CareLens study id and patient, by UID. */
export function studiesByUid(db: Db, studyUids: readonly string[]): Map<string, { studyId: string; patientId: string | null }> {
  const rows = byIdChunks(studyUids, (part, marks) => db.prepare(`SELECT study_uid AS uid, id AS studyId, patient_id AS patientId FROM studies WHERE study_uid IN (${marks})`).all(...part) as { uid: string; studyId: string; patientId: string | null }[]);
  return new Map(rows.map((r) => [r.uid, { studyId: r.studyId, patientId: r.patientId }]));
}

/**
 * Image ids in import order (arrival, then insertion): every image when `scope` is absent,
 * else the images of `scope.importIds` together with the images `scope.imageIds` names.
 */
export function imageIdsInImportOrder(db: Db, scope?: { importIds: readonly string[]; imageIds: readonly string[] }): string[] {
  if (!scope) return db.prepare('SELECT id FROM images ORDER BY created_at, rowid').pluck().all() as string[];
  type Row = { id: string; createdAt: string; rowid: number };
  const rows = [
    ...byIdChunks(scope.importIds, (part, marks) => db.prepare(`SELECT id, created_at AS createdAt, rowid FROM images WHERE import_id IN (${marks})`).all(...part) as Row[]),
    ...byIdChunks(scope.imageIds, (part, marks) => db.prepare(`SELECT id, created_at AS createdAt, rowid FROM images WHERE id IN (${marks})`).all(...part) as Row[]),
  ];
  const unique = [...new Map(rows.map((r) => [r.id, r])).values()];
  // created_at is ISO-8601 (ASCII), so code-unit order is SQLite's BINARY order.
  unique.sort((a, b) => (a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : a.rowid - b.rowid));
  return unique.map((r) => r.id);
}

/** The imports that created a label set (`--labels-from-folders`), ordered by import id. */
export function importIdsOfLabelSet(db: Db, labelSetId: string): string[] {
  return db.prepare('SELECT id FROM imports WHERE label_set_id = ? ORDER BY id').pluck().all(labelSetId) as string[];
}

/** Every import that holds images, with its image count and path range, ordered by its first image's arrival. */
export function importsWithImages(db: Db): ImportImages[] {
  return db
    .prepare(
      `SELECT import_id AS importId, COUNT(*) AS images, MIN(created_at) AS firstAt, MIN(original_path) AS firstPath, MAX(original_path) AS lastPath
         FROM images WHERE import_id IS NOT NULL GROUP BY import_id ORDER BY firstAt`,
    )
    .all() as ImportImages[];
}

/** A new study row; UIDs are unique. */
export interface NewStudy {
  id: string;
  patientId: string | null;
  studyUid: string | null;
  studyDate: string | null;
  description?: string;
  accession?: string;
  createdAt: string;
}

/** Files a study (the import, and test helpers that seed a case). */
export function insertStudy(db: Db, study: NewStudy): void {
  db.prepare('INSERT INTO studies (id, patient_id, study_uid, study_date, description, accession, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)').run(
    study.id,
    study.patientId,
    study.studyUid,
    study.studyDate,
    study.description ?? '',
    study.accession ?? '',
    study.createdAt,
  );
}

/** A new series row; UIDs are unique. */
export interface NewSeries {
  id: string;
  studyId: string;
  seriesUid: string | null;
  modality?: string;
  bodyPart?: string;
  manufacturer?: string;
  description?: string;
  seriesNumber?: number | null;
  createdAt: string;
}

/** Files a series under its study (the import, and test helpers that seed a case). */
export function insertSeries(db: Db, series: NewSeries): void {
  db.prepare('INSERT INTO series (id, study_id, series_uid, modality, body_part, manufacturer, description, series_number, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)').run(
    series.id,
    series.studyId,
    series.seriesUid,
    series.modality ?? '',
    series.bodyPart ?? '',
    series.manufacturer ?? '',
    series.description ?? '',
    series.seriesNumber ?? null,
    series.createdAt,
  );
}

/** A new image row: what is left out is unknown (NULL), or the column's default where it has one. */
export interface NewImage {
  id: string;
  patientId: string | null;
  seriesId: string | null;
  sopInstanceUid?: string | null;
  sha256: string;
  format: 'dicom' | 'png' | 'jpeg';
  originalPath?: string;
  sizeBytes: number;
  rows?: number | null;
  columns?: number | null;
  frames?: number;
  samplesPerPixel?: number | null;
  photometric?: string | null;
  bitsAllocated?: number | null;
  bitsStored?: number | null;
  pixelRepresentation?: number | null;
  pixelSpacing?: string | null;
  windowCenter?: number | null;
  windowWidth?: number | null;
  rescaleSlope?: number | null;
  rescaleIntercept?: number | null;
  transferSyntax?: string | null;
  modality?: string;
  instanceNumber?: number | null;
  predefinedSplit?: 'train' | 'val' | 'test' | null;
  importId?: string | null;
  createdAt: string;
}

/**
 * Adds an image row (the import's writer, and test helpers that seed images); returns whether
 * it was added. With `ignoreDuplicate` a row whose id, sha256 or SOP Instance UID is taken is
 * skipped (false) instead of throwing.
 */
export function insertImage(db: Db, image: NewImage, options: { ignoreDuplicate?: boolean } = {}): boolean {
  const info = db
    .prepare(
      `INSERT ${options.ignoreDuplicate ? 'OR IGNORE ' : ''}INTO images (id, patient_id, series_id, sop_instance_uid, sha256, format, original_path, size_bytes, rows, columns, frames,
       samples_per_pixel, photometric, bits_allocated, bits_stored, pixel_representation, pixel_spacing, window_center, window_width, rescale_slope, rescale_intercept,
       transfer_syntax, modality, instance_number, predefined_split, import_id, created_at)
       VALUES (@id, @patientId, @seriesId, @sopInstanceUid, @sha256, @format, @originalPath, @sizeBytes, @rows, @columns, @frames, @samplesPerPixel, @photometric,
       @bitsAllocated, @bitsStored, @pixelRepresentation, @pixelSpacing, @windowCenter, @windowWidth, @rescaleSlope, @rescaleIntercept, @transferSyntax, @modality,
       @instanceNumber, @predefinedSplit, @importId, @createdAt)`,
    )
    .run({
      id: image.id,
      patientId: image.patientId,
      seriesId: image.seriesId,
      sopInstanceUid: image.sopInstanceUid ?? null,
      sha256: image.sha256,
      format: image.format,
      originalPath: image.originalPath ?? '',
      sizeBytes: image.sizeBytes,
      rows: image.rows ?? null,
      columns: image.columns ?? null,
      frames: image.frames ?? 1,
      samplesPerPixel: image.samplesPerPixel ?? null,
      photometric: image.photometric ?? null,
      bitsAllocated: image.bitsAllocated ?? null,
      bitsStored: image.bitsStored ?? null,
      pixelRepresentation: image.pixelRepresentation ?? null,
      pixelSpacing: image.pixelSpacing ?? null,
      windowCenter: image.windowCenter ?? null,
      windowWidth: image.windowWidth ?? null,
      rescaleSlope: image.rescaleSlope ?? null,
      rescaleIntercept: image.rescaleIntercept ?? null,
      transferSyntax: image.transferSyntax ?? null,
      modality: image.modality ?? '',
      instanceNumber: image.instanceNumber ?? null,
      predefinedSplit: image.predefinedSplit ?? null,
      importId: image.importId ?? null,
      createdAt: image.createdAt,
    });
  return info.changes === 1;
}

/** The sha256 of every stored image (what the store holds; a key change renames each file by it). */
export function storedSha256s(db: Db): string[] {
  return db.prepare('SELECT sha256 FROM images').pluck().all() as string[];
}
