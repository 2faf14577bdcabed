import type { Migration } from './migrations';

/**
 * The clinical records every feature shares: patients, the DICOM hierarchy
 * (study -> series -> image), label sets with their label history, and settings.
 * Imaging fills studies/series/images, labels and ML read them, reports join them all.
 */
export const coreMigrations: Migration[] = [
  {
    id: 1,
    name: 'patients and settings',
    up: `
      CREATE TABLE patients (
        id TEXT PRIMARY KEY,
        mrn TEXT NOT NULL UNIQUE,
        name TEXT NOT NULL,
        -- lower-cased, accent-folded name for search
        name_search TEXT NOT NULL,
        birth_date TEXT,
        sex TEXT NOT NULL DEFAULT 'U' CHECK (sex IN ('F', 'M', 'O', 'U')),
        notes TEXT NOT NULL DEFAULT '',
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
      );
      CREATE INDEX patients_name_search ON patients (name_search);
      CREATE INDEX patients_birth_date ON patients (birth_date);
      CREATE TABLE settings (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
      );
    `,
  },
  {
    id: 2,
    name: 'studies, series, images, label sets and labels',
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
      CREATE TABLE label_sets (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        description TEXT NOT NULL DEFAULT '',
        created_at TEXT NOT NULL,
        created_by TEXT NOT NULL
      );
      CREATE TABLE label_classes (
        label_set_id TEXT NOT NULL REFERENCES label_sets (id),
        idx INTEGER NOT NULL,
        name TEXT NOT NULL,
        PRIMARY KEY (label_set_id, idx),
        UNIQUE (label_set_id, name)
      );
      -- Label history: rows are only ever added. An image's current label in a set is
      -- its newest row there; class_name NULL means the label was cleared.
      CREATE TABLE labels (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        image_id TEXT NOT NULL REFERENCES images (id),
        label_set_id TEXT NOT NULL REFERENCES label_sets (id),
        class_name TEXT,
        source TEXT NOT NULL CHECK (source IN ('hand', 'imported', 'model', 'review', 'override')),
        author TEXT NOT NULL,
        created_at TEXT NOT NULL,
        note TEXT NOT NULL DEFAULT ''
      );
      CREATE INDEX labels_image_set ON labels (image_id, label_set_id, id);
      CREATE INDEX labels_set ON labels (label_set_id, id);
    `,
  },
];
