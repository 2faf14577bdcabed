import type { Migration } from '../db/migrations';

/**
 * The patients feature's schema (migration 1, then the range 600-649). Migration 1 once also
 * created the settings table; since each table has one owner, settings moved to the system
 * feature (migration 3), so a fresh database gets the same schema and an existing one keeps
 * what it has.
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
  {
    id: 600,
    name: 'patient allergies',
    // One row per allergy (or "no known allergies" statement) rather than a JSON column on
    // patients: each entry keeps who recorded it and when, removal is a stamp (history stays),
    // the port reads many patients' standing entries in one indexed query, and a row maps to
    // one FHIR AllergyIntolerance. The partial unique index keeps one standing statement.
    up: `
      CREATE TABLE patient_allergies (
        id TEXT PRIMARY KEY,
        patient_id TEXT NOT NULL REFERENCES patients (id),
        kind TEXT NOT NULL CHECK (kind IN ('allergy', 'none-known')),
        substance TEXT NOT NULL DEFAULT '',
        code TEXT,
        code_system TEXT CHECK (code_system IN ('SNOMED CT', 'RxNorm')),
        reaction TEXT NOT NULL DEFAULT '',
        severity TEXT CHECK (severity IN ('mild', 'moderate', 'severe')),
        recorded_at TEXT NOT NULL,
        recorded_by TEXT NOT NULL,
        removed_at TEXT,
        removed_by TEXT,
        removed_reason TEXT NOT NULL DEFAULT '',
        CHECK ((code IS NULL) = (code_system IS NULL)),
        CHECK ((kind = 'allergy') = (substance <> ''))
      );
      CREATE INDEX patient_allergies_patient ON patient_allergies (patient_id, removed_at);
      CREATE UNIQUE INDEX patient_allergies_one_statement ON patient_allergies (patient_id) WHERE kind = 'none-known' AND removed_at IS NULL;
    `,
  },
];
