import type { Db } from '../db/types';
import { createHash } from 'node:crypto';
import { newId } from '../core/ids';
import { isPlaceholderName, NO_ID_MRN_PREFIX, type Patient, type PatientAllergies } from '../../shared/domain/patient';
import { insertPatient as insertPatientRow } from './patientRepository';
import { searchKey } from './patientRepository';
import { standingAllergies } from './allergyRepository';

/**
 * The patients feature's port: what other features may ask of the tables patients owns. Plain
 * functions of a database handle, SQL over patients's own tables only; this module imports
 * nothing from other features, so ports never form import circles.
 */

/** A patient's recorded sex and birth date (what subgroup and age-band analyses need). */
export interface PatientDemographics {
  id: string;
  /** 'F' | 'M' | 'O' | 'U' as registered ('U' = unknown). */
  sex: string;
  birthDate: string | null;
}

const DEMOGRAPHICS_CHUNK = 500;

/** Sex and birth date of these patients (ids that name no patient are left out), ordered by id. */
export function patientDemographics(db: Db, patientIds: readonly string[]): PatientDemographics[] {
  const out: PatientDemographics[] = [];
  for (let i = 0; i < patientIds.length; i += DEMOGRAPHICS_CHUNK) {
    const part = patientIds.slice(i, i + DEMOGRAPHICS_CHUNK);
    out.push(...(db.prepare(`SELECT id, sex, birth_date AS birthDate FROM patients WHERE id IN (${part.map(() => '?').join(',')})`).all(...part) as PatientDemographics[]));
  }
  return out.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

// ---------------------------------------------------------------- patients: lookups and registration (imaging import, browsing)

interface PortPatientRow {
  id: string;
  mrn: string;
  name: string;
  name_search: string;
  birth_date: string | null;
  sex: Patient['sex'];
  notes: string;
  created_at: string;
  updated_at: string;
}

const PORT_PATIENT_COLUMNS = 'id, mrn, name, name_search, birth_date, sex, notes, created_at, updated_at';
const PATIENT_ID_CHUNK = 500;

function portPatient(row: PortPatientRow): Patient {
  return { id: row.id, mrn: row.mrn, name: row.name, birthDate: row.birth_date, sex: row.sex, notes: row.notes, createdAt: row.created_at, updatedAt: row.updated_at };
}

/** SQLite's BINARY collation (UTF-8 byte order), so in-memory merges order exactly as ORDER BY does. */
function compareBinary(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/** A patient by CareLens id, else by MRN; null when neither names one. */
export function findPatient(db: Db, idOrMrn: string): Patient | null {
  const row = (db.prepare(`SELECT ${PORT_PATIENT_COLUMNS} FROM patients WHERE id = ?`).get(idOrMrn) ??
    db.prepare(`SELECT ${PORT_PATIENT_COLUMNS} FROM patients WHERE mrn = ?`).get(idOrMrn)) as PortPatientRow | undefined;
  return row ? portPatient(row) : null;
}

/** The id of the patient with exactly this MRN, or null. */
export function patientIdByMrn(db: Db, mrn: string): string | null {
  return (db.prepare('SELECT id FROM patients WHERE mrn = ?').pluck().get(mrn) as string | undefined) ?? null;
}

/** Registers a patient row as the registry does (search name included); a taken MRN throws SQLite's UNIQUE error. */
export function insertPatient(db: Db, patient: Patient): void {
  insertPatientRow(db, patient);
}

/**
 * The "no ID" patient of DICOM files without a Patient ID, found or registered. With a real
 * name and a birth date, both together are the key (name compared without case, spacing or
 * empty trailing components), so one person's studies meet in one record. With less — no birth
 * date, or a placeholder name such as "Anonymized" (`isPlaceholderName`) — the key also holds
 * the Study Instance UID: each study is its own record, because merging strangers into one
 * chart is the wrong-patient error, while a person split over two records is only incomplete.
 * The MRN is `NO-ID:` and a hash of the key (`hasNoId` in shared/domain/patient.ts), never a
 * number that could pass for a real one. Two different people with the same real name and
 * birth date still land in one record: the interface says so.
 */
export function noIdPatient(
  db: Db,
  input: { name: string; birthDate: string | null; studyKey: string; sex: Patient['sex']; notes: string; now: string },
): { id: string; created: boolean } {
  const strong = Boolean(input.birthDate) && !isPlaceholderName(input.name);
  const key = strong ? `${noIdNameKey(input.name)}\n${input.birthDate}` : `${noIdNameKey(input.name)}\n${input.birthDate ?? ''}\nstudy:${input.studyKey}`;
  const mrn = NO_ID_MRN_PREFIX + createHash('sha256').update(key).digest('hex').slice(0, 16);
  const existing = patientIdByMrn(db, mrn);
  if (existing) return { id: existing, created: false };
  const id = newId();
  insertPatientRow(db, { id, mrn, name: input.name.trim(), birthDate: input.birthDate, sex: input.sex, notes: input.notes, createdAt: input.now, updatedAt: input.now });
  return { id, created: true };
}

/** "Doe^John^^" and "DOE JOHN" group together: components split on ^ or spaces, empty ones dropped, case folded. */
function noIdNameKey(name: string): string {
  return searchKey(name.replace(/=.*/, '')).split(/[\s^]+/).filter(Boolean).join(' ');
}

/**
 * These patients (ids that name none are left out), in the patient list's order: search
 * name, then MRN. `matching` keeps those whose search name or lower-cased MRN contains its
 * trimmed, lower-cased text (a SQL LIKE: % and _ act as wildcards), as the imaging browser filters.
 */
export function patientsByIds(db: Db, ids: readonly string[], options: { matching?: string } = {}): Patient[] {
  const unique = [...new Set(ids)];
  const like = options.matching !== undefined ? `%${options.matching.trim().toLowerCase()}%` : null;
  const rows: PortPatientRow[] = [];
  for (let i = 0; i < unique.length; i += PATIENT_ID_CHUNK) {
    const part = unique.slice(i, i + PATIENT_ID_CHUNK);
    const sql = `SELECT ${PORT_PATIENT_COLUMNS} FROM patients WHERE id IN (${part.map(() => '?').join(',')})${like !== null ? ' AND (name_search LIKE ? OR lower(mrn) LIKE ?)' : ''}`;
    rows.push(...(db.prepare(sql).all(...part, ...(like !== null ? [like, like] : [])) as PortPatientRow[]));
  }
  rows.sort((a, b) => compareBinary(a.name_search, b.name_search) || compareBinary(a.mrn, b.mrn));
  return rows.map(portPatient);
}

// ---------------------------------------------------------------- patients: references, search and change stamps (audit, care plans)

const PATIENT_REF_CHUNK = 500;

/**
 * The patient each reference names, by CareLens id or else by MRN, keyed by the reference;
 * references that name nobody are left out.
 */
export function patientIdsByIdOrMrn(db: Db, refs: readonly string[]): Map<string, string> {
  const unique = [...new Set(refs)];
  const ids = new Set<string>();
  const byMrn = new Map<string, string>();
  for (let i = 0; i < unique.length; i += PATIENT_REF_CHUNK) {
    const part = unique.slice(i, i + PATIENT_REF_CHUNK);
    const marks = part.map(() => '?').join(',');
    const rows = db.prepare(`SELECT id, mrn FROM patients WHERE id IN (${marks}) OR mrn IN (${marks})`).all(...part, ...part) as { id: string; mrn: string }[];
    for (const r of rows) {
      ids.add(r.id);
      byMrn.set(r.mrn, r.id);
    }
  }
  const out = new Map<string, string>();
  for (const ref of unique) {
    const id = ids.has(ref) ? ref : byMrn.get(ref);
    if (id !== undefined) out.set(ref, id);
  }
  return out;
}

/**
 * Ids of the patients whose id or MRN is exactly `query` or whose name contains it (accent-
 * and case-insensitive, as the registry searches names); at most `limit`, in no set order.
 */
export function patientIdsMatching(db: Db, query: string, limit: number): string[] {
  const q = query.trim();
  return db
    .prepare("SELECT id FROM patients WHERE id = ? OR mrn = ? OR name_search LIKE ? ESCAPE '\\' LIMIT ?")
    .pluck()
    .all(q, q, '%' + searchKey(q).replace(/[\\%_]/g, (c) => '\\' + c) + '%', limit) as string[];
}

/** Sex and birth date of every patient, ordered by id. */
export function allPatientDemographics(db: Db): PatientDemographics[] {
  return db.prepare('SELECT id, sex, birth_date AS birthDate FROM patients ORDER BY id').all() as PatientDemographics[];
}

/**
 * A stamp that changes whenever a patient is registered or edited (their count and newest
 * update), cheap enough to ask before reusing anything derived from the registry.
 */
export function patientsVersion(db: Db): string {
  return db.prepare("SELECT COUNT(*) || ':' || IFNULL(MAX(updated_at), '') FROM patients").pluck().get() as string;
}

// ---------------------------------------------------------------- patients: allergies (care-plan safety filters, reports)

/**
 * The standing allergy record of each patient asked for, keyed by CareLens id: the allergies
 * that stand (oldest first) and the status they add up to ('recorded', 'none-known' after a
 * clinician's statement, else 'not-recorded'). Every id asked gets an entry, so "nothing
 * recorded" is an answer, never a missing key.
 */
export function allergiesOfPatients(db: Db, patientIds: readonly string[]): Map<string, PatientAllergies> {
  return standingAllergies(db, patientIds);
}
