import type { Migration } from '../db/migrations';

/**
 * The ml feature's schema changes (numbers 350-399; see db/migrations.ts): the model
 * registry, the stored split of each version, and diagnoses with their review.
 */
export const mlMigrations: Migration[] = [
  {
    id: 350,
    name: 'model versions, splits, diagnoses',
    up: `
      CREATE TABLE ml_model_versions (
        id TEXT PRIMARY KEY,
        version INTEGER NOT NULL,
        label_set_id TEXT NOT NULL REFERENCES label_sets (id),
        architecture TEXT NOT NULL,
        classes TEXT NOT NULL,            -- JSON array, the model's output order
        hyper_parameters TEXT NOT NULL,   -- JSON
        split TEXT NOT NULL,              -- JSON summary (mode, seed, counts)
        backend TEXT NOT NULL,
        duration_seconds REAL NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('complete', 'cancelled')),
        metrics TEXT NOT NULL,            -- JSON, test split only
        temperature REAL NOT NULL,
        artifacts_dir TEXT NOT NULL,      -- relative to the models folder
        active INTEGER NOT NULL DEFAULT 0 CHECK (active IN (0, 1)),
        created_at TEXT NOT NULL,
        created_by TEXT NOT NULL,
        UNIQUE (version)
      );
      CREATE UNIQUE INDEX ml_one_active ON ml_model_versions (active) WHERE active = 1;
      -- Which images each version trained, tuned and was tested on.
      CREATE TABLE ml_split_assignments (
        model_version_id TEXT NOT NULL REFERENCES ml_model_versions (id),
        image_id TEXT NOT NULL REFERENCES images (id),
        split TEXT NOT NULL CHECK (split IN ('train', 'val', 'test')),
        class_name TEXT NOT NULL,
        PRIMARY KEY (model_version_id, image_id)
      );
      CREATE TABLE ml_diagnoses (
        id TEXT PRIMARY KEY,
        image_id TEXT NOT NULL REFERENCES images (id),
        model_version_id TEXT NOT NULL REFERENCES ml_model_versions (id),
        probabilities TEXT NOT NULL,      -- JSON, calibrated, in the version's class order
        predicted_class TEXT NOT NULL,
        confidence REAL NOT NULL,
        threshold REAL NOT NULL,
        uncertain INTEGER NOT NULL CHECK (uncertain IN (0, 1)),
        heatmap TEXT NOT NULL,            -- JSON {width, height, values}
        created_at TEXT NOT NULL,
        created_by TEXT NOT NULL,
        review_decision TEXT CHECK (review_decision IN ('confirmed', 'overridden')),
        review_class TEXT,
        review_reason TEXT,
        review_by TEXT,
        review_at TEXT,
        review_label_id INTEGER REFERENCES labels (id)
      );
      CREATE INDEX ml_diagnoses_image ON ml_diagnoses (image_id, created_at);
    `,
  },
  {
    // 360, not 351: leaves the next numbers to other ml changes made at the same time.
    id: 360,
    name: 'intended use and OOD calibration of model versions; applicability and OOD score of diagnoses',
    up: `
      ALTER TABLE ml_model_versions ADD COLUMN intended_use TEXT;  -- JSON IntendedUse; NULL: trained before it was recorded
      ALTER TABLE ml_model_versions ADD COLUMN ood TEXT;           -- JSON OodCalibration; NULL: trained before OOD scoring
      ALTER TABLE ml_diagnoses ADD COLUMN applicability TEXT;      -- JSON Applicability; NULL: diagnosed before it was checked
      ALTER TABLE ml_diagnoses ADD COLUMN ood TEXT;                -- JSON OodScore; NULL: diagnosed before OOD scoring
    `,
  },
  {
    id: 362,
    name: 'provenance of model versions: imported from a package, fine-tuned from another model',
    up: `
      ALTER TABLE ml_model_versions ADD COLUMN provenance TEXT;    -- JSON ModelProvenance; NULL: trained here from scratch
    `,
  },
];
