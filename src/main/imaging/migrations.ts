import type { Migration } from '../db/migrations';

/** The imaging feature's schema changes (numbers in its range; see db/migrations.ts). */
export const imagingMigrations: Migration[] = [
  {
    id: 200,
    name: 'imports, import failures, thumbnails',
    up: `
      -- One batch import. Counts are updated in the same transaction as the rows they count,
      -- so a killed import leaves counts that match what is stored.
      CREATE TABLE imports (
        id TEXT PRIMARY KEY,
        paths TEXT NOT NULL,
        options TEXT NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('running', 'done', 'cancelled', 'failed', 'interrupted')),
        label_set_id TEXT REFERENCES label_sets (id),
        found INTEGER NOT NULL DEFAULT 0,
        processed INTEGER NOT NULL DEFAULT 0,
        imported INTEGER NOT NULL DEFAULT 0,
        duplicates INTEGER NOT NULL DEFAULT 0,
        failed INTEGER NOT NULL DEFAULT 0,
        bytes INTEGER NOT NULL DEFAULT 0,
        created_patients INTEGER NOT NULL DEFAULT 0,
        created_studies INTEGER NOT NULL DEFAULT 0,
        created_series INTEGER NOT NULL DEFAULT 0,
        error TEXT,
        started_by TEXT NOT NULL,
        started_at TEXT NOT NULL,
        finished_at TEXT
      );
      CREATE INDEX imports_started ON imports (started_at);
      -- The import's report: one line per file that was not imported.
      CREATE TABLE import_failures (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        import_id TEXT NOT NULL REFERENCES imports (id),
        path TEXT NOT NULL,
        reason TEXT NOT NULL
      );
      CREATE INDEX import_failures_import ON import_failures (import_id, id);
      -- A grid thumbnail exists for the image (file: thumbnails/<sha[0:2]>/<sha>.png).
      CREATE TABLE thumbnails (
        image_id TEXT PRIMARY KEY REFERENCES images (id),
        width INTEGER NOT NULL,
        height INTEGER NOT NULL
      );
      CREATE INDEX images_import ON images (import_id);
    `,
  },
];
