import type { Migration } from '../db/migrations';

/**
 * The labels feature's schema changes (numbers 300-349; see db/migrations.ts).
 * label_sets, label_classes and labels live in coreMigrations; these tables add what the
 * labelling workflow needs around them. Like labels, undo links, skips and reviews are
 * only ever added to, so the history of who decided what is never rewritten.
 */
export const labelsMigrations: Migration[] = [
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
      -- The queue selects a set's images by import; imaging may add its own index later.
      CREATE INDEX IF NOT EXISTS labels_images_by_import ON images (import_id, created_at);
    `,
  },
];
