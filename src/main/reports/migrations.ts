import type { Migration } from '../db/migrations';

/** The reports feature's schema changes (numbers in its range; see db/migrations.ts). */
export const reportsMigrations: Migration[] = [
  {
    id: 500,
    name: 'export jobs',
    up: `
      -- One row per export: who, when, which patients, which format, identified or not, and
      -- what was written. The audit trail records the call; this keeps the files' list and hashes.
      CREATE TABLE report_exports (
        id TEXT PRIMARY KEY,
        format TEXT NOT NULL CHECK (format IN ('pdf', 'csv', 'fhir')),
        deidentified INTEGER NOT NULL CHECK (deidentified IN (0, 1)),
        include_dicom INTEGER NOT NULL DEFAULT 0 CHECK (include_dicom IN (0, 1)),
        state TEXT NOT NULL CHECK (state IN ('running', 'done', 'cancelled', 'failed')),
        out_dir TEXT NOT NULL,
        patient_ids TEXT NOT NULL,
        total INTEGER NOT NULL,
        done INTEGER NOT NULL DEFAULT 0,
        files TEXT NOT NULL DEFAULT '[]',
        failures TEXT NOT NULL DEFAULT '[]',
        warnings TEXT NOT NULL DEFAULT '[]',
        started_at TEXT NOT NULL,
        started_by TEXT NOT NULL,
        finished_at TEXT,
        duration_ms INTEGER
      );
      CREATE INDEX report_exports_started ON report_exports (started_at);
    `,
  },
];
