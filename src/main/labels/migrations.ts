import type { Migration } from '../db/migrations';

/**
 * The labels feature's schema changes (numbers 300-349; see db/migrations.ts).
 * Migration 4 holds label_sets, label_classes and labels, split out of the old shared
 * migration 2 (IF NOT EXISTS: a database that ran the old migration 2 already has them);
 * 300 adds what the labelling workflow needs around them. Like labels, undo links, skips and reviews are
 * only ever added to, so the history of who decided what is never rewritten.
 */
export const labelsMigrations: Migration[] = [
  {
    id: 4,
    name: 'label sets and labels',
    up: `
      CREATE TABLE IF NOT EXISTS label_sets (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        description TEXT NOT NULL DEFAULT '',
        created_at TEXT NOT NULL,
        created_by TEXT NOT NULL
      );
      CREATE TABLE IF NOT EXISTS label_classes (
        label_set_id TEXT NOT NULL REFERENCES label_sets (id),
        idx INTEGER NOT NULL,
        name TEXT NOT NULL,
        PRIMARY KEY (label_set_id, idx),
        UNIQUE (label_set_id, name)
      );
      -- Label history: rows are only ever added. An image's current label in a set is
      -- its newest row there; class_name NULL means the label was cleared.
      CREATE TABLE IF NOT EXISTS labels (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        image_id TEXT NOT NULL REFERENCES images (id),
        label_set_id TEXT NOT NULL REFERENCES label_sets (id),
        class_name TEXT,
        source TEXT NOT NULL CHECK (source IN ('hand', 'imported', 'model', 'review', 'override')),
        author TEXT NOT NULL,
        created_at TEXT NOT NULL,
        note TEXT NOT NULL DEFAULT ''
      );
      CREATE INDEX IF NOT EXISTS labels_image_set ON labels (image_id, label_set_id, id);
      CREATE INDEX IF NOT EXISTS labels_set ON labels (label_set_id, id);
    `,
  },
  {
    id: 300,
    name: 'label undo links, skips, reviews, label set scope',
    up: `
      -- An undo is a new labels row restoring the state before another row; this links them.
      CREATE TABLE label_undos (
        undo_label_id INTEGER PRIMARY KEY REFERENCES labels (id),
        undone_label_id INTEGER NOT NULL UNIQUE REFERENCES labels (id)
      );
      -- A clinician set an image aside in a set; the newest row per (set, image, author) wins.
      CREATE TABLE label_skips (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        label_set_id TEXT NOT NULL REFERENCES label_sets (id),
        image_id TEXT NOT NULL REFERENCES images (id),
        author TEXT NOT NULL,
        skipped INTEGER NOT NULL CHECK (skipped IN (0, 1)),
        created_at TEXT NOT NULL
      );
      CREATE INDEX label_skips_set_author ON label_skips (label_set_id, author, image_id, id);
      -- A second clinician's verdict on a label. label_id is the labels row the review wrote
      -- (source 'review'); undoing that row withdraws the review.
      CREATE TABLE label_reviews (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        label_set_id TEXT NOT NULL REFERENCES label_sets (id),
        image_id TEXT NOT NULL REFERENCES images (id),
        label_id INTEGER NOT NULL UNIQUE REFERENCES labels (id),
        reviewed_label_id INTEGER NOT NULL REFERENCES labels (id),
        reviewed_class TEXT NOT NULL,
        reviewed_author TEXT NOT NULL,
        review_class TEXT NOT NULL,
        verdict TEXT NOT NULL CHECK (verdict IN ('confirm', 'correct')),
        reviewer TEXT NOT NULL,
        created_at TEXT NOT NULL
      );
      CREATE INDEX label_reviews_set ON label_reviews (label_set_id, image_id, id);
      -- Which imports a label set covers; none means every image in the data folder.
      CREATE TABLE label_set_scopes (
        label_set_id TEXT NOT NULL REFERENCES label_sets (id),
        import_id TEXT NOT NULL,
        PRIMARY KEY (label_set_id, import_id)
      );
      -- The index on images (import_id, created_at) the queue uses was created here until
      -- each table got one owner; imaging's migration 201 creates it now.
    `,
  },
];
