import type { Db } from '../db/types';
import type { LabelSource } from '../../shared/domain/labels';

/**
 * The labels feature's port: what other features (imaging's import, ML's training and
 * review, reports) may ask of label sets and label history. Plain functions of a database
 * handle, so the imaging worker's own connection can use them too. SQL over the labels
 * feature's own tables only; the rule "an image's current label in a set is its newest
 * row there, NULL meaning cleared" lives here and nowhere else.
 */

/** One change to an image's label in a set: a new row of the append-only history. */
export interface LabelChange {
  imageId: string;
  labelSetId: string;
  /** null clears the label. */
  className: string | null;
  source: LabelSource;
  author: string;
  createdAt: string;
  note?: string;
}

/** Appends a label row (the only way label history grows); returns the row's id. */
export function appendLabel(db: Db, change: LabelChange): number {
  const info = db
    .prepare('INSERT INTO labels (image_id, label_set_id, class_name, source, author, created_at, note) VALUES (?, ?, ?, ?, ?, ?, ?)')
    .run(change.imageId, change.labelSetId, change.className, change.source, change.author, change.createdAt, change.note ?? '');
  return Number(info.lastInsertRowid);
}

/** The images of a set that have a current (not cleared) label, with it, ordered by image id. */
export function currentLabels(db: Db, labelSetId: string): { imageId: string; className: string }[] {
  return db
    .prepare(
      `SELECT l.image_id AS imageId, l.class_name AS className
         FROM (SELECT MAX(id) AS id FROM labels WHERE label_set_id = ? GROUP BY image_id) cur
         JOIN labels l ON l.id = cur.id
        WHERE l.class_name IS NOT NULL
        ORDER BY l.image_id`,
    )
    .all(labelSetId) as { imageId: string; className: string }[];
}

/** An image's current label in one set, with its provenance. */
export interface CurrentLabel {
  imageId: string;
  labelSetId: string;
  labelSet: string;
  className: string;
  source: LabelSource;
  author: string;
  createdAt: string;
}

const CHUNK = 500;

/**
 * The current labels of these images in every set (or only the set named `labelSetName`),
 * cleared labels left out; ordered by set name, then image.
 */
export function currentLabelsOfImages(db: Db, imageIds: readonly string[], labelSetName?: string): CurrentLabel[] {
  const out: CurrentLabel[] = [];
  for (let i = 0; i < imageIds.length; i += CHUNK) {
    const part = imageIds.slice(i, i + CHUNK);
    const rows = db
      .prepare(
        `SELECT l.image_id AS imageId, l.label_set_id AS labelSetId, s.name AS labelSet, l.class_name AS className,
                l.source, l.author, l.created_at AS createdAt
           FROM labels l JOIN label_sets s ON s.id = l.label_set_id
          WHERE l.id IN (SELECT MAX(id) FROM labels WHERE image_id IN (${part.map(() => '?').join(',')}) GROUP BY image_id, label_set_id)
            AND l.class_name IS NOT NULL ${labelSetName !== undefined ? 'AND s.name = ?' : ''}`,
      )
      .all(...part, ...(labelSetName !== undefined ? [labelSetName] : [])) as CurrentLabel[];
    out.push(...rows);
  }
  return out.sort((a, b) => (a.labelSet < b.labelSet ? -1 : a.labelSet > b.labelSet ? 1 : a.imageId < b.imageId ? -1 : a.imageId > b.imageId ? 1 : 0));
}

/** A label set and its classes in key order. */
export interface LabelSetRef {
  id: string;
  name: string;
  classes: string[];
}

/** A label set by id, else by exact name, else by name ignoring case; null when there is none. */
export function findLabelSet(db: Db, idOrName: string): LabelSetRef | null {
  const row = (db.prepare('SELECT id, name FROM label_sets WHERE id = ?').get(idOrName) ??
    db.prepare('SELECT id, name FROM label_sets WHERE name = ?').get(idOrName) ??
    db.prepare('SELECT id, name FROM label_sets WHERE name = ? COLLATE NOCASE').get(idOrName)) as { id: string; name: string } | undefined;
  if (!row) return null;
  const classes = db.prepare('SELECT name FROM label_classes WHERE label_set_id = ? ORDER BY idx').pluck().all(row.id) as string[];
  return { ...row, classes };
}

/** A label set's name, or null when the id names none. */
export function labelSetName(db: Db, labelSetId: string): string | null {
  return (db.prepare('SELECT name FROM label_sets WHERE id = ?').pluck().get(labelSetId) as string | undefined) ?? null;
}

/** The id of the set with this exact name, creating it (without classes) when there is none. */
export function ensureLabelSet(db: Db, set: { id: string; name: string; description: string; createdBy: string; createdAt: string }): string {
  const existing = db.prepare('SELECT id FROM label_sets WHERE name = ?').pluck().get(set.name) as string | undefined;
  if (existing) return existing;
  db.prepare('INSERT INTO label_sets (id, name, description, created_at, created_by) VALUES (?, ?, ?, ?, ?)').run(set.id, set.name, set.description, set.createdAt, set.createdBy);
  return set.id;
}

/**
 * Adds a class to a set unless it has it: at key position `wanted` when that is free, else
 * after the last class (import from folder names asks for the folder's class index).
 */
export function ensureLabelClass(db: Db, labelSetId: string, name: string, wanted: number | null): void {
  if (db.prepare('SELECT 1 FROM label_classes WHERE label_set_id = ? AND name = ?').pluck().get(labelSetId, name)) return;
  const taken = wanted !== null && db.prepare('SELECT 1 FROM label_classes WHERE label_set_id = ? AND idx = ?').pluck().get(labelSetId, wanted);
  const idx = wanted !== null && !taken ? wanted : ((db.prepare('SELECT COALESCE(MAX(idx) + 1, 0) FROM label_classes WHERE label_set_id = ?').pluck().get(labelSetId) as number) ?? 0);
  db.prepare('INSERT INTO label_classes (label_set_id, idx, name) VALUES (?, ?, ?)').run(labelSetId, idx, name);
}

/** The names of these label sets by id (ids that name no set are left out). */
export function labelSetNames(db: Db, labelSetIds: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (let i = 0; i < labelSetIds.length; i += CHUNK) {
    const part = labelSetIds.slice(i, i + CHUNK);
    for (const r of db.prepare(`SELECT id, name FROM label_sets WHERE id IN (${part.map(() => '?').join(',')})`).all(...part) as { id: string; name: string }[]) out.set(r.id, r.name);
  }
  return out;
}

/** Every image's current (not cleared) label in one set, with its provenance, ordered by image id. */
export function currentLabelsOfSet(db: Db, labelSetId: string): CurrentLabel[] {
  return db
    .prepare(
      `SELECT l.image_id AS imageId, l.label_set_id AS labelSetId, s.name AS labelSet, l.class_name AS className,
              l.source, l.author, l.created_at AS createdAt
         FROM labels l JOIN label_sets s ON s.id = l.label_set_id
        WHERE l.id IN (SELECT MAX(id) FROM labels WHERE label_set_id = ? GROUP BY image_id)
          AND l.class_name IS NOT NULL
        ORDER BY l.image_id`,
    )
    .all(labelSetId) as CurrentLabel[];
}
