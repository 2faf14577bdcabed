import type { Db } from '../db/types';
import type { AllergyCodeSystem, AllergyHistoryEntry, AllergySeverity, NoKnownAllergies, PatientAllergies, PatientAllergy } from '../../shared/domain/patient';

/**
 * SQL on patient_allergies. A row is an allergy or a "no known allergies" statement; rows are
 * never deleted, a removal stamps removed_at/removed_by/removed_reason so the history stays.
 */

interface AllergyRow {
  id: string;
  patient_id: string;
  kind: 'allergy' | 'none-known';
  substance: string;
  code: string | null;
  code_system: AllergyCodeSystem | null;
  reaction: string;
  severity: AllergySeverity | null;
  recorded_at: string;
  recorded_by: string;
  removed_at: string | null;
  removed_by: string | null;
  removed_reason: string;
}

const COLUMNS = 'id, patient_id, kind, substance, code, code_system, reaction, severity, recorded_at, recorded_by, removed_at, removed_by, removed_reason';
const CHUNK = 500;

function toAllergy(r: AllergyRow): PatientAllergy {
  return {
    id: r.id,
    patientId: r.patient_id,
    substance: r.substance,
    code: r.code,
    codeSystem: r.code_system,
    reaction: r.reaction,
    severity: r.severity,
    recordedAt: r.recorded_at,
    recordedBy: r.recorded_by,
    removedAt: r.removed_at,
    removedBy: r.removed_by,
    removedReason: r.removed_reason,
  };
}

function toHistory(r: AllergyRow): AllergyHistoryEntry {
  const { id, patientId: _p, ...rest } = toAllergy(r);
  return { id, kind: r.kind, ...rest };
}

/** The record that standing rows (oldest first) of one patient add up to. */
function summarise(patientId: string, rows: AllergyRow[]): PatientAllergies {
  const allergies = rows.filter((r) => r.kind === 'allergy').map(toAllergy);
  const statement = rows.find((r) => r.kind === 'none-known');
  const noneKnown: NoKnownAllergies | null = statement ? { id: statement.id, recordedAt: statement.recorded_at, recordedBy: statement.recorded_by } : null;
  // A standing allergy outranks a statement (the service never lets both stand; a database edited by hand might).
  const status = allergies.length > 0 ? 'recorded' : noneKnown ? 'none-known' : 'not-recorded';
  return { patientId, status, allergies, noneKnown: status === 'none-known' ? noneKnown : null };
}

/** Standing allergy records of these patients, one per id asked (patients with none: 'not-recorded'). */
export function standingAllergies(db: Db, patientIds: readonly string[]): Map<string, PatientAllergies> {
  const unique = [...new Set(patientIds)];
  const byPatient = new Map<string, AllergyRow[]>(unique.map((id) => [id, []]));
  for (let i = 0; i < unique.length; i += CHUNK) {
    const part = unique.slice(i, i + CHUNK);
    const rows = db
      .prepare(`SELECT ${COLUMNS} FROM patient_allergies WHERE removed_at IS NULL AND patient_id IN (${part.map(() => '?').join(',')}) ORDER BY recorded_at, rowid`)
      .all(...part) as AllergyRow[];
    for (const r of rows) byPatient.get(r.patient_id)!.push(r);
  }
  return new Map([...byPatient].map(([id, rows]) => [id, summarise(id, rows)]));
}

/** Every entry of a patient's allergy history, standing or removed, newest first. */
export function allergyHistory(db: Db, patientId: string): AllergyHistoryEntry[] {
  const rows = db.prepare(`SELECT ${COLUMNS} FROM patient_allergies WHERE patient_id = ? ORDER BY recorded_at DESC, rowid DESC`).all(patientId) as AllergyRow[];
  return rows.map(toHistory);
}

/** One entry of this patient's, standing or removed; null when the patient has no such entry. */
export function findAllergyEntry(db: Db, patientId: string, id: string): AllergyHistoryEntry | null {
  const row = db.prepare(`SELECT ${COLUMNS} FROM patient_allergies WHERE id = ? AND patient_id = ?`).get(id, patientId) as AllergyRow | undefined;
  return row ? toHistory(row) : null;
}

/** A new entry: what a history entry holds before anyone removes it, and whose it is. */
export interface NewAllergyRow extends Omit<AllergyHistoryEntry, 'removedAt' | 'removedBy' | 'removedReason'> {
  patientId: string;
}

export function insertAllergyRow(db: Db, row: NewAllergyRow): void {
  db.prepare(
    `INSERT INTO patient_allergies (id, patient_id, kind, substance, code, code_system, reaction, severity, recorded_at, recorded_by)
     VALUES (@id, @patientId, @kind, @substance, @code, @codeSystem, @reaction, @severity, @recordedAt, @recordedBy)`,
  ).run(row);
}

/** Stamps a standing entry as removed; returns whether one was. */
export function markAllergyRemoved(db: Db, id: string, at: string, by: string, reason: string): boolean {
  return db.prepare('UPDATE patient_allergies SET removed_at = ?, removed_by = ?, removed_reason = ? WHERE id = ? AND removed_at IS NULL').run(at, by, reason, id).changes === 1;
}
