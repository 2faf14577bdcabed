import type { Migration } from '../db/migrations';

/** The careplans feature's schema changes (numbers in its range; see db/migrations.ts). */
export const careplansMigrations: Migration[] = [
  {
    id: 400,
    name: 'care plans, problem lists, assignments with outcomes, decisions',
    up: `
      CREATE TABLE care_plans (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        summary TEXT NOT NULL DEFAULT '',
        -- JSON arrays: the plan's structure is read whole, never queried by part
        conditions TEXT NOT NULL,
        interventions TEXT NOT NULL DEFAULT '[]',
        setting TEXT NOT NULL DEFAULT '',
        intensity TEXT NOT NULL DEFAULT 'moderate' CHECK (intensity IN ('low', 'moderate', 'high')),
        duration_weeks INTEGER,
        medication_classes TEXT NOT NULL DEFAULT '[]',
        age_bands TEXT NOT NULL DEFAULT '[]',
        contraindications TEXT NOT NULL DEFAULT '[]',
        evidence_note TEXT NOT NULL DEFAULT '',
        demo INTEGER NOT NULL DEFAULT 0,
        retired INTEGER NOT NULL DEFAULT 0,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        updated_by TEXT NOT NULL
      );
      CREATE TABLE patient_conditions (
        id TEXT PRIMARY KEY,
        patient_id TEXT NOT NULL REFERENCES patients (id),
        code TEXT NOT NULL,
        words TEXT NOT NULL,
        noted_at TEXT NOT NULL,
        noted_by TEXT NOT NULL,
        -- set when taken off the problem list: kept for the record
        removed_at TEXT,
        removed_by TEXT
      );
      CREATE INDEX patient_conditions_patient ON patient_conditions (patient_id);
      CREATE TABLE care_plan_assignments (
        id TEXT PRIMARY KEY,
        patient_id TEXT NOT NULL REFERENCES patients (id),
        plan_id TEXT NOT NULL REFERENCES care_plans (id),
        assigned_at TEXT NOT NULL,
        assigned_by TEXT NOT NULL,
        outcome_grade INTEGER CHECK (outcome_grade BETWEEN 1 AND 5),
        improved INTEGER CHECK (improved IN (0, 1)),
        outcome_note TEXT NOT NULL DEFAULT '',
        outcome_at TEXT,
        source TEXT NOT NULL CHECK (source IN ('accepted', 'imported', 'manual')),
        mode TEXT,
        reason TEXT NOT NULL DEFAULT ''
      );
      CREATE INDEX care_plan_assignments_patient ON care_plan_assignments (patient_id);
      CREATE INDEX care_plan_assignments_plan ON care_plan_assignments (plan_id);
      CREATE TABLE care_plan_decisions (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        patient_id TEXT NOT NULL REFERENCES patients (id),
        plan_id TEXT NOT NULL REFERENCES care_plans (id),
        decision TEXT NOT NULL CHECK (decision IN ('accept', 'decline')),
        reason TEXT NOT NULL DEFAULT '',
        mode TEXT,
        decided_at TEXT NOT NULL,
        decided_by TEXT NOT NULL
      );
      CREATE INDEX care_plan_decisions_patient ON care_plan_decisions (patient_id);
    `,
  },
  {
    id: 401,
    name: 'problem-list provenance: the reviewed diagnosis an entry was added from',
    up: `
      -- Set only when a clinician added the entry from a reviewed diagnosis (its own explicit action).
      ALTER TABLE patient_conditions ADD COLUMN from_diagnosis_id TEXT;
      ALTER TABLE patient_conditions ADD COLUMN review_decision TEXT CHECK (review_decision IN ('confirmed', 'overridden'));
      ALTER TABLE patient_conditions ADD COLUMN review_class TEXT;
      ALTER TABLE patient_conditions ADD COLUMN reviewed_by TEXT;
      ALTER TABLE patient_conditions ADD COLUMN reviewed_at TEXT;
    `,
  },
];
