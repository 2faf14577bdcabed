import type { Db } from '../db/connection';
import type { Patient, Sex } from '../../shared/domain/patient';

interface PatientRow {
  id: string;
  mrn: string;
  name: string;
  birth_date: string | null;
  sex: Sex;
  notes: string;
  created_at: string;
  updated_at: string;
}

const COLUMNS = 'id, mrn, name, birth_date, sex, notes, created_at, updated_at';

function toPatient(row: PatientRow): Patient {
  return {
    id: row.id,
    mrn: row.mrn,
    name: row.name,
    birthDate: row.birth_date,
    sex: row.sex,
    notes: row.notes,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** Lower-cased, accent-free form of a name, for search. */
export function searchKey(text: string): string {
  return text.normalize('NFKD').replace(/\p{M}/gu, '').toLowerCase().replace(/\s+/g, ' ').trim();
}

export function insertPatient(db: Db, p: Patient): void {
  db.prepare(
    `INSERT INTO patients (${COLUMNS}, name_search) VALUES (@id, @mrn, @name, @birthDate, @sex, @notes, @createdAt, @updatedAt, @nameSearch)`,
  ).run({ ...p, nameSearch: searchKey(p.name) });
}

export function updatePatientRow(db: Db, p: Patient): void {
  db.prepare(
    'UPDATE patients SET mrn = @mrn, name = @name, name_search = @nameSearch, birth_date = @birthDate, sex = @sex, notes = @notes, updated_at = @updatedAt WHERE id = @id',
  ).run({ ...p, nameSearch: searchKey(p.name) });
}

export function findPatientById(db: Db, id: string): Patient | null {
  const row = db.prepare(`SELECT ${COLUMNS} FROM patients WHERE id = ?`).get(id) as PatientRow | undefined;
  return row ? toPatient(row) : null;
}

export function findPatientByMrn(db: Db, mrn: string): Patient | null {
  const row = db.prepare(`SELECT ${COLUMNS} FROM patients WHERE mrn = ?`).get(mrn) as PatientRow | undefined;
  return row ? toPatient(row) : null;
}

/**
 * Searches by name (any part, accent- and case-insensitive), MRN (prefix) or birth date
 * (a full YYYY-MM-DD, or a year or year-month prefix).
 */
export function searchPatients(db: Db, query: string | undefined, limit: number, offset: number): { items: Patient[]; total: number } {
  const q = (query ?? '').trim();
  let where = '';
  const params: Record<string, string | number> = { limit, offset };
  if (q) {
    const escaped = (s: string) => s.replace(/[\\%_]/g, (c) => '\\' + c);
    params.name = `%${escaped(searchKey(q))}%`;
    params.mrn = `${escaped(q)}%`;
    params.date = `${escaped(q)}%`;
    where = "WHERE name_search LIKE @name ESCAPE '\\' OR mrn LIKE @mrn ESCAPE '\\' OR birth_date LIKE @date ESCAPE '\\'";
  }
  const total = (db.prepare(`SELECT COUNT(*) AS n FROM patients ${where}`).get(params) as { n: number }).n;
  const rows = db.prepare(`SELECT ${COLUMNS} FROM patients ${where} ORDER BY name_search, mrn LIMIT @limit OFFSET @offset`).all(params) as PatientRow[];
  return { items: rows.map(toPatient), total };
}
