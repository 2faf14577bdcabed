import type { Db } from '../db/connection';
import type { LabelImageInfo, LabelImportOption, LabelSource } from '../../shared/domain/labels';

/** SQL for the labels feature, as plain functions of a database handle. */

export interface LabelSetRow {
  id: string;
  name: string;
  description: string;
  created_at: string;
  created_by: string;
}

export interface LabelRow {
  id: number;
  image_id: string;
  label_set_id: string;
  class_name: string | null;
  source: LabelSource;
  author: string;
  created_at: string;
  note: string;
}

export interface ReviewRow {
  id: number;
  label_set_id: string;
  image_id: string;
  label_id: number;
  reviewed_label_id: number;
  reviewed_class: string;
  reviewed_author: string;
  review_class: string;
  verdict: 'confirm' | 'correct';
  reviewer: string;
  created_at: string;
}

export interface UndoRow {
  undo_label_id: number;
  undone_label_id: number;
}

const SET_COLUMNS = 'id, name, description, created_at, created_by';

export function listSetRows(db: Db): LabelSetRow[] {
  return db.prepare(`SELECT ${SET_COLUMNS} FROM label_sets ORDER BY name COLLATE NOCASE`).all() as LabelSetRow[];
}

export function findSetRow(db: Db, idOrName: string): LabelSetRow | null {
  const byId = db.prepare(`SELECT ${SET_COLUMNS} FROM label_sets WHERE id = ?`).get(idOrName) as LabelSetRow | undefined;
  if (byId) return byId;
  const byName = db.prepare(`SELECT ${SET_COLUMNS} FROM label_sets WHERE name = ? COLLATE NOCASE`).get(idOrName) as LabelSetRow | undefined;
  return byName ?? null;
}

export function insertSetRow(db: Db, row: LabelSetRow): void {
  db.prepare(`INSERT INTO label_sets (${SET_COLUMNS}) VALUES (@id, @name, @description, @created_at, @created_by)`).run(row);
}

export function updateSetRow(db: Db, id: string, name: string, description: string): void {
  db.prepare('UPDATE label_sets SET name = ?, description = ? WHERE id = ?').run(name, description, id);
}

export function classNames(db: Db, labelSetId: string): string[] {
  return (db.prepare('SELECT name FROM label_classes WHERE label_set_id = ? ORDER BY idx').all(labelSetId) as { name: string }[]).map((r) => r.name);
}

/** Replaces a set's class list (order = keys 1-9); the label history is not touched. */
export function replaceClasses(db: Db, labelSetId: string, names: string[]): void {
  db.prepare('DELETE FROM label_classes WHERE label_set_id = ?').run(labelSetId);
  const insert = db.prepare('INSERT INTO label_classes (label_set_id, idx, name) VALUES (?, ?, ?)');
  names.forEach((name, idx) => insert.run(labelSetId, idx, name));
}

/**
 * The SQL for a set's import ids: its own scope rows, plus any import that created the set
 * (`carelens import --labels-from-folders`), so such a set does not silently take in the
 * images of every later import. The imaging feature's `imports` table is read only when present.
 */
function scopeQuery(db: Db): string {
  const own = 'SELECT import_id FROM label_set_scopes WHERE label_set_id = @set';
  const importsTable = db.prepare("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'imports'").pluck().get() as string | undefined;
  return importsTable && /\blabel_set_id\b/.test(importsTable) ? `${own} UNION SELECT id FROM imports WHERE label_set_id = @set` : own;
}

export function scopeOf(db: Db, labelSetId: string): string[] {
  return (db.prepare(`SELECT import_id FROM (${scopeQuery(db)}) ORDER BY import_id`).all({ set: labelSetId }) as { import_id: string }[]).map((r) => r.import_id);
}

export function replaceScope(db: Db, labelSetId: string, importIds: string[]): void {
  db.prepare('DELETE FROM label_set_scopes WHERE label_set_id = ?').run(labelSetId);
  const insert = db.prepare('INSERT INTO label_set_scopes (label_set_id, import_id) VALUES (?, ?)');
  for (const id of new Set(importIds)) insert.run(labelSetId, id);
}

/**
 * The images a set covers, in import order: every image when the set has no scope, else
 * the images of its imports plus any image that already has a label in the set.
 */
export function imageIdsInScope(db: Db, labelSetId: string): string[] {
  const rows = db
    .prepare(
      `WITH scope(import_id) AS (${scopeQuery(db)})
       SELECT id FROM images
       WHERE NOT EXISTS (SELECT 1 FROM scope)
          OR import_id IN (SELECT import_id FROM scope)
          OR id IN (SELECT image_id FROM labels l WHERE l.label_set_id = @set)
       ORDER BY created_at, rowid`,
    )
    .all({ set: labelSetId }) as { id: string }[];
  return rows.map((r) => r.id);
}

export function isImageInScope(db: Db, labelSetId: string, imageId: string): boolean {
  const row = db
    .prepare(
      `WITH scope(import_id) AS (${scopeQuery(db)})
       SELECT 1 AS x FROM images
       WHERE id = @image AND (
         NOT EXISTS (SELECT 1 FROM scope)
         OR import_id IN (SELECT import_id FROM scope)
         OR id IN (SELECT image_id FROM labels l WHERE l.label_set_id = @set AND l.image_id = @image))`,
    )
    .get({ set: labelSetId, image: imageId });
  return Boolean(row);
}

interface ImageRow {
  id: string;
  patient_id: string | null;
  format: string;
  rows: number | null;
  columns: number | null;
  frames: number;
  modality: string;
  original_path: string;
  import_id: string | null;
  predefined_split: string | null;
  created_at: string;
}

const IMAGE_COLUMNS = 'id, patient_id, format, rows, columns, frames, modality, original_path, import_id, predefined_split, created_at';

function toImageInfo(r: ImageRow): LabelImageInfo {
  return {
    id: r.id,
    patientId: r.patient_id,
    format: r.format,
    rows: r.rows,
    columns: r.columns,
    frames: r.frames,
    modality: r.modality,
    originalPath: r.original_path,
    importId: r.import_id,
    predefinedSplit: r.predefined_split,
    createdAt: r.created_at,
  };
}

export function findImage(db: Db, imageId: string): LabelImageInfo | null {
  const row = db.prepare(`SELECT ${IMAGE_COLUMNS} FROM images WHERE id = ?`).get(imageId) as ImageRow | undefined;
  return row ? toImageInfo(row) : null;
}

export function findImages(db: Db, imageIds: string[]): Map<string, LabelImageInfo> {
  const out = new Map<string, LabelImageInfo>();
  const stmt = db.prepare(`SELECT ${IMAGE_COLUMNS} FROM images WHERE id = ?`);
  for (const id of imageIds) {
    const row = stmt.get(id) as ImageRow | undefined;
    if (row) out.set(id, toImageInfo(row));
  }
  return out;
}

/** Every label row of a set, oldest first. */
export function labelRowsOfSet(db: Db, labelSetId: string): LabelRow[] {
  return db.prepare('SELECT id, image_id, label_set_id, class_name, source, author, created_at, note FROM labels WHERE label_set_id = ? ORDER BY id').all(labelSetId) as LabelRow[];
}

export function labelRowsOfImage(db: Db, labelSetId: string, imageId: string): LabelRow[] {
  return db
    .prepare('SELECT id, image_id, label_set_id, class_name, source, author, created_at, note FROM labels WHERE label_set_id = ? AND image_id = ? ORDER BY id')
    .all(labelSetId, imageId) as LabelRow[];
}

export function undoRowsOfSet(db: Db, labelSetId: string, imageId?: string): UndoRow[] {
  const sql = `SELECT u.undo_label_id, u.undone_label_id FROM label_undos u JOIN labels l ON l.id = u.undo_label_id WHERE l.label_set_id = ?${imageId ? ' AND l.image_id = ?' : ''}`;
  return (imageId ? db.prepare(sql).all(labelSetId, imageId) : db.prepare(sql).all(labelSetId)) as UndoRow[];
}

export function reviewRowsOfSet(db: Db, labelSetId: string, imageId?: string): ReviewRow[] {
  const sql = `SELECT * FROM label_reviews WHERE label_set_id = ?${imageId ? ' AND image_id = ?' : ''} ORDER BY id`;
  return (imageId ? db.prepare(sql).all(labelSetId, imageId) : db.prepare(sql).all(labelSetId)) as ReviewRow[];
}

export function insertLabelRow(db: Db, row: Omit<LabelRow, 'id'>): number {
  const info = db
    .prepare('INSERT INTO labels (image_id, label_set_id, class_name, source, author, created_at, note) VALUES (@image_id, @label_set_id, @class_name, @source, @author, @created_at, @note)')
    .run(row);
  return Number(info.lastInsertRowid);
}

export function insertUndoLink(db: Db, undoLabelId: number, undoneLabelId: number): void {
  db.prepare('INSERT INTO label_undos (undo_label_id, undone_label_id) VALUES (?, ?)').run(undoLabelId, undoneLabelId);
}

export function insertReviewRow(db: Db, row: Omit<ReviewRow, 'id'>): number {
  const info = db
    .prepare(
      `INSERT INTO label_reviews (label_set_id, image_id, label_id, reviewed_label_id, reviewed_class, reviewed_author, review_class, verdict, reviewer, created_at)
       VALUES (@label_set_id, @image_id, @label_id, @reviewed_label_id, @reviewed_class, @reviewed_author, @review_class, @verdict, @reviewer, @created_at)`,
    )
    .run(row);
  return Number(info.lastInsertRowid);
}

export function insertSkipRow(db: Db, labelSetId: string, imageId: string, author: string, skipped: boolean, createdAt: string): void {
  db.prepare('INSERT INTO label_skips (label_set_id, image_id, author, skipped, created_at) VALUES (?, ?, ?, ?, ?)').run(labelSetId, imageId, author, skipped ? 1 : 0, createdAt);
}

/** The images `author` has set aside in a set (the newest skip row per image wins). */
export function skippedBy(db: Db, labelSetId: string, author: string): Set<string> {
  const rows = db
    .prepare(
      `SELECT image_id, skipped FROM label_skips k
       WHERE label_set_id = @set AND author = @author
         AND id = (SELECT MAX(id) FROM label_skips k2 WHERE k2.label_set_id = k.label_set_id AND k2.author = k.author AND k2.image_id = k.image_id)`,
    )
    .all({ set: labelSetId, author }) as { image_id: string; skipped: number }[];
  return new Set(rows.filter((r) => r.skipped === 1).map((r) => r.image_id));
}

/** Imports present in the database, for choosing a label set's scope. */
export function importOptions(db: Db): LabelImportOption[] {
  const rows = db
    .prepare(
      `SELECT import_id, COUNT(*) AS n, MIN(created_at) AS first_at, MIN(original_path) AS a, MAX(original_path) AS b
       FROM images WHERE import_id IS NOT NULL GROUP BY import_id ORDER BY first_at`,
    )
    .all() as { import_id: string; n: number; first_at: string; a: string; b: string }[];
  return rows.map((r) => ({ importId: r.import_id, images: r.n, firstAt: r.first_at, folder: commonFolder(r.a, r.b) }));
}

/** The common parent folder of two paths (the lexicographic extremes bound every path between them). */
function commonFolder(a: string, b: string): string {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  const prefix = a.slice(0, i);
  const cut = Math.max(prefix.lastIndexOf('/'), prefix.lastIndexOf('\\'));
  return cut > 0 ? prefix.slice(0, cut) : prefix;
}
