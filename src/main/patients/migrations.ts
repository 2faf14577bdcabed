import type { Migration } from '../db/migrations';

/**
 * The patients feature's schema. Migration 1 once also created the settings table; since
 * each table has one owner, settings moved to the system feature (migration 3), so a fresh
 * database gets the same schema and an existing one keeps what it has.
 */
export const patientsMigrations: Migration[] = [
  {
    id: 1,
    name: 'patients',
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
    `,
  },
];
