import type { Migration } from '../db/migrations';

/** The imaging feature's schema changes (numbers in its range; see db/migrations.ts). */
export const imagingMigrations: Migration[] = [
  // Migration 2 once also created label_sets, label_classes and labels; they moved to the
  // labels feature (migration 4) when each table got one owner. The imaging half is unchanged.
  {
    id: 2,
    name: 'studies, series, images',
    up: `
      CREATE TABLE studies (
        id TEXT PRIMARY KEY,
        patient_id TEXT REFERENCES patients (id),
        study_uid TEXT UNIQUE,
        study_date TEXT,
        description TEXT NOT NULL DEFAULT '',
        accession TEXT NOT NULL DEFAULT '',
        created_at TEXT NOT NULL
      );
      CREATE INDEX studies_patient ON studies (patient_id);
      CREATE TABLE series (
        id TEXT PRIMARY KEY,
        study_id TEXT NOT NULL REFERENCES studies (id),
        series_uid TEXT UNIQUE,
        modality TEXT NOT NULL DEFAULT '',
        body_part TEXT NOT NULL DEFAULT '',
        manufacturer TEXT NOT NULL DEFAULT '',
        description TEXT NOT NULL DEFAULT '',
        series_number INTEGER,
        created_at TEXT NOT NULL
      );
      CREATE INDEX series_study ON series (study_id);
      -- One stored file: a DICOM instance (possibly multi-frame), a PNG or a JPEG.
      -- patient_id is NULL for unassigned PNG/JPEG images (each is its own subject).
      CREATE TABLE images (
        id TEXT PRIMARY KEY,
        patient_id TEXT REFERENCES patients (id),
        series_id TEXT REFERENCES series (id),
        sop_instance_uid TEXT UNIQUE,
        sha256 TEXT NOT NULL UNIQUE,
        format TEXT NOT NULL CHECK (format IN ('dicom', 'png', 'jpeg')),
        original_path TEXT NOT NULL DEFAULT '',
        size_bytes INTEGER NOT NULL,
        rows INTEGER,
        columns INTEGER,
        frames INTEGER NOT NULL DEFAULT 1,
        samples_per_pixel INTEGER,
        photometric TEXT,
        bits_allocated INTEGER,
        bits_stored INTEGER,
        pixel_representation INTEGER,
        pixel_spacing TEXT,
        window_center REAL,
        window_width REAL,
        rescale_slope REAL,
        rescale_intercept REAL,
        transfer_syntax TEXT,
        modality TEXT NOT NULL DEFAULT '',
        instance_number INTEGER,
        predefined_split TEXT CHECK (predefined_split IN ('train', 'val', 'test')),
        import_id TEXT,
        created_at TEXT NOT NULL
      );
      CREATE INDEX images_patient ON images (patient_id);
      CREATE INDEX images_series ON images (series_id);
    `,
  },
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
  {
    // Labels' migration 300 created this index on images until each table got one owner;
    // IF NOT EXISTS keeps databases that ran the old 300 as they are.
    id: 201,
    name: 'images by import and date (for the labelling queue)',
    up: `
      CREATE INDEX IF NOT EXISTS labels_images_by_import ON images (import_id, created_at);
    `,
  },
  {
    // The report lists duplicates beside failures: which file duplicated which stored image.
    id: 202,
    name: 'import duplicates',
    up: `
      -- One line per file an import did not store because CareLens already held it: the same
      -- bytes ('same-file') or another file with the same SOP Instance UID ('same-instance').
      -- original_* name the stored image as it was when the duplicate was met (the image row
      -- keeps its id; its path is copied so the report reads the same later).
      CREATE TABLE import_duplicates (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        import_id TEXT NOT NULL REFERENCES imports (id),
        path TEXT NOT NULL,
        match TEXT NOT NULL CHECK (match IN ('same-file', 'same-instance')),
        original_image_id TEXT,
        original_path TEXT,
        original_import_id TEXT
      );
      CREATE INDEX import_duplicates_import ON import_duplicates (import_id, id);
    `,
  },
];
