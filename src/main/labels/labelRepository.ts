import type { Db } from '../db/types';
import type { LabelSource } from '../../shared/domain/labels';

/**
 * SQL for the labels feature, as plain functions of a database handle, over its own tables
 * only (what it needs of images and imports it asks imaging's port: see labelImages.ts).
 */

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

/** Every label set, by name ignoring case. */
export function listSetRows(db: Db): LabelSetRow[] {
  return db.prepare(`SELECT ${SET_COLUMNS} FROM label_sets ORDER BY name COLLATE NOCASE`).all() as LabelSetRow[];
}

/** A set by id, else by name ignoring case; null when there is none. */
export function findSetRow(db: Db, idOrName: string): LabelSetRow | null {
  const byId = db.prepare(`SELECT ${SET_COLUMNS} FROM label_sets WHERE id = ?`).get(idOrName) as LabelSetRow | undefined;
  if (byId) return byId;
  const byName = db.prepare(`SELECT ${SET_COLUMNS} FROM label_sets WHERE name = ? COLLATE NOCASE`).get(idOrName) as LabelSetRow | undefined;
  return byName ?? null;
}

/** Adds a label set row (its classes come separately). */
export function insertSetRow(db: Db, row: LabelSetRow): void {
  db.prepare(`INSERT INTO label_sets (${SET_COLUMNS}) VALUES (@id, @name, @description, @created_at, @created_by)`).run(row);
}

/** Changes a set's name and description. */
export function updateSetRow(db: Db, id: string, name: string, description: string): void {
  db.prepare('UPDATE label_sets SET name = ?, description = ? WHERE id = ?').run(name, description, id);
}

/** A set's class names in key order. */
export function classNames(db: Db, labelSetId: string): string[] {
  return (db.prepare('SELECT name FROM label_classes WHERE label_set_id = ? ORDER BY idx').all(labelSetId) as { name: string }[]).map((r) => r.name);
}

/** Replaces a set's class list (order = keys 1-9); the label history is not touched. */
export function replaceClasses(db: Db, labelSetId: string, names: string[]): void {
  db.prepare('DELETE FROM label_classes WHERE label_set_id = ?').run(labelSetId);
  const insert = db.prepare('INSERT INTO label_classes (label_set_id, idx, name) VALUES (?, ?, ?)');
  names.forEach((name, idx) => insert.run(labelSetId, idx, name));
}

/** The imports a clinician ticked for a set (its own scope rows), in no particular order. */
export function ownScope(db: Db, labelSetId: string): string[] {
  return db.prepare('SELECT import_id FROM label_set_scopes WHERE label_set_id = ?').pluck().all(labelSetId) as string[];
}

/** Replaces the imports a clinician ticked for a set. */
export function replaceScope(db: Db, labelSetId: string, importIds: string[]): void {
  db.prepare('DELETE FROM label_set_scopes WHERE label_set_id = ?').run(labelSetId);
  const insert = db.prepare('INSERT INTO label_set_scopes (label_set_id, import_id) VALUES (?, ?)');
  for (const id of new Set(importIds)) insert.run(labelSetId, id);
}

/** The images with at least one label row in a set (labelled once, even if cleared since). */
export function labelledImageIds(db: Db, labelSetId: string): string[] {
  return db.prepare('SELECT DISTINCT image_id FROM labels WHERE label_set_id = ?').pluck().all(labelSetId) as string[];
}

/** Whether the image has any label row in the set. */
export function hasLabelRow(db: Db, labelSetId: string, imageId: string): boolean {
  return db.prepare('SELECT 1 FROM labels WHERE label_set_id = ? AND image_id = ? LIMIT 1').pluck().get(labelSetId, imageId) !== undefined;
}

/**
 * A version of a set's history: the newest row id and the row count. Undo links and reviews
 * are always written with a labels row, so any change to the history changes it.
 */
export function historyVersion(db: Db, labelSetId: string): string {
  const v = db.prepare('SELECT MAX(id) AS last, COUNT(*) AS n FROM labels WHERE label_set_id = ?').get(labelSetId) as { last: number | null; n: number };
  return `${v.last ?? 0}:${v.n}`;
}

/** Every label row of a set, oldest first. */
export function labelRowsOfSet(db: Db, labelSetId: string): LabelRow[] {
  return db.prepare('SELECT id, image_id, label_set_id, class_name, source, author, created_at, note FROM labels WHERE label_set_id = ? ORDER BY id').all(labelSetId) as LabelRow[];
}

/** One image's label rows in a set, oldest first. */
export function labelRowsOfImage(db: Db, labelSetId: string, imageId: string): LabelRow[] {
  return db
    .prepare('SELECT id, image_id, label_set_id, class_name, source, author, created_at, note FROM labels WHERE label_set_id = ? AND image_id = ? ORDER BY id')
    .all(labelSetId, imageId) as LabelRow[];
}

/** These label rows of a set, by id (ids of another set or of no row are left out). */
export function labelRowsByIds(db: Db, labelSetId: string, ids: readonly number[]): Map<number, LabelRow> {
  const out = new Map<number, LabelRow>();
  for (let i = 0; i < ids.length; i += 500) {
    const part = ids.slice(i, i + 500);
    const rows = db
      .prepare(`SELECT id, image_id, label_set_id, class_name, source, author, created_at, note FROM labels WHERE label_set_id = ? AND id IN (${part.map(() => '?').join(',')})`)
      .all(labelSetId, ...part) as LabelRow[];
    for (const r of rows) out.set(r.id, r);
  }
  return out;
}

/** The undo links of a set's rows (of one image's rows when `imageId` is given). */
export function undoRowsOfSet(db: Db, labelSetId: string, imageId?: string): UndoRow[] {
  const sql = `SELECT u.undo_label_id, u.undone_label_id FROM label_undos u JOIN labels l ON l.id = u.undo_label_id WHERE l.label_set_id = ?${imageId ? ' AND l.image_id = ?' : ''}`;
  return (imageId ? db.prepare(sql).all(labelSetId, imageId) : db.prepare(sql).all(labelSetId)) as UndoRow[];
}

/** A set's reviews (of one image when `imageId` is given), oldest first. */
export function reviewRowsOfSet(db: Db, labelSetId: string, imageId?: string): ReviewRow[] {
  const sql = `SELECT * FROM label_reviews WHERE label_set_id = ?${imageId ? ' AND image_id = ?' : ''} ORDER BY id`;
  return (imageId ? db.prepare(sql).all(labelSetId, imageId) : db.prepare(sql).all(labelSetId)) as ReviewRow[];
}

/** Links an undo row to the row it undoes. */
export function insertUndoLink(db: Db, undoLabelId: number, undoneLabelId: number): void {
  db.prepare('INSERT INTO label_undos (undo_label_id, undone_label_id) VALUES (?, ?)').run(undoLabelId, undoneLabelId);
}

/** Adds a review row (its labels row is written first); returns its id. */
export function insertReviewRow(db: Db, row: Omit<ReviewRow, 'id'>): number {
  const info = db
    .prepare(
      `INSERT INTO label_reviews (label_set_id, image_id, label_id, reviewed_label_id, reviewed_class, reviewed_author, review_class, verdict, reviewer, created_at)
       VALUES (@label_set_id, @image_id, @label_id, @reviewed_label_id, @reviewed_class, @reviewed_author, @review_class, @verdict, @reviewer, @created_at)`,
    )
    .run(row);
  return Number(info.lastInsertRowid);
}

/** Records that a clinician set an image aside, or brought it back. */
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
