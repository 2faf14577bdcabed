import { afterEach, describe, expect, it } from 'vitest';
import { createTestApp } from '../app/testing';
import type { App } from '../app/createApp';
import { hasNoId, type Patient } from '../../shared/domain/patient';
import { findPatient, insertPatient, noIdPatient, patientIdByMrn, patientsByIds } from './ports';

let app: App;
afterEach(async () => {
  await app?.close();
});

const NOW = '2026-01-01T00:00:00.000Z';
const patient = (id: string, mrn: string, name: string): Patient => ({ id, mrn, name, birthDate: null, sex: 'U', notes: '', createdAt: NOW, updatedAt: NOW });

describe('the patients port', () => {
  it('registers patients and finds them by id, by MRN, or not at all', () => {
    app = createTestApp();
    const db = app.core.db;
    insertPatient(db, patient('p1', 'MRN-1', 'Ada Lovelace'));
    expect(findPatient(db, 'p1')).toEqual(patient('p1', 'MRN-1', 'Ada Lovelace'));
    expect(findPatient(db, 'MRN-1')?.id).toBe('p1');
    expect(findPatient(db, 'nobody')).toBeNull();
    expect(patientIdByMrn(db, 'MRN-1')).toBe('p1');
    expect(patientIdByMrn(db, 'p1')).toBeNull();
    expect(() => insertPatient(db, patient('p2', 'MRN-1', 'Someone Else'))).toThrow(/UNIQUE/);
  });

  it('lists patients by ids in the patient list order, in chunks, with the browser filter', () => {
    app = createTestApp();
    const db = app.core.db;
    insertPatient(db, patient('z', 'M2', 'Zoë Adams'));
    insertPatient(db, patient('a', 'M1', 'Álvaro Zed'));
    insertPatient(db, patient('b', 'M0', 'alvaro zed'));
    insertPatient(db, patient('c', 'XR-77', '王小明'));
    const many = [...Array.from({ length: 1200 }, (_, i) => `missing-${i}`), 'c', 'z', 'a', 'b', 'a'];
    // Search name (accent- and case-folded), then MRN; ids that name no patient are left out.
    expect(patientsByIds(db, many).map((p) => p.id)).toEqual(['b', 'a', 'z', 'c']);
    expect(patientsByIds(db, many, { matching: ' ZED ' }).map((p) => p.id)).toEqual(['b', 'a']);
    expect(patientsByIds(db, many, { matching: 'xr-7' }).map((p) => p.id)).toEqual(['c']);
    expect(patientsByIds(db, [])).toEqual([]);
  });

  it('registers a "no ID" patient once per name and birth date, with a key no one would take for an MRN', () => {
    app = createTestApp();
    const db = app.core.db;
    const jane = (name: string, birthDate: string | null, studyKey = 'study-1') => noIdPatient(db, { name, birthDate, studyKey, sex: 'F', notes: 'from DICOM without a Patient ID', now: NOW });
    const first = jane('Roe Jane', '1960-01-01');
    expect(first.created).toBe(true);
    // The same person as the files spell her: case, spacing and empty trailing components do not
    // matter, and neither does the study (name and birth date are her key).
    expect(jane('ROE  JANE', '1960-01-01', 'study-2')).toEqual({ id: first.id, created: false });
    expect(jane('roe^jane^^', '1960-01-01')).toEqual({ id: first.id, created: false });
    // Another birth date, or none, is another record.
    const other = jane('Roe Jane', '1961-01-01');
    const undated = jane('Roe Jane', null);
    expect(new Set([first.id, other.id, undated.id]).size).toBe(3);
    // Without a birth date, or with a placeholder name, each study is its own record: strangers
    // are never merged into one chart; the same study's images still meet.
    expect(jane('Roe Jane', null, 'study-2').id).not.toBe(undated.id);
    expect(jane('Roe Jane', null)).toEqual({ id: undated.id, created: false });
    const anon1 = jane('Anonymized', '1970-01-01', 'study-a');
    expect(jane('ANONYMOUS^PATIENT', '1970-01-01', 'study-b').id).not.toBe(anon1.id);
    expect(jane('Anonymized', '1970-01-01', 'study-b').id).not.toBe(anon1.id);
    expect(jane('Anonymized', '1970-01-01', 'study-a')).toEqual({ id: anon1.id, created: false });
    const record = findPatient(db, first.id)!;
    expect(record).toMatchObject({ name: 'Roe Jane', birthDate: '1960-01-01', sex: 'F' });
    expect(record.mrn).toMatch(/^NO-ID:[0-9a-f]{16}$/);
    expect(hasNoId(record)).toBe(true);
    insertPatient(db, patient('p9', 'A12345', 'Roe Jane'));
    expect(hasNoId(findPatient(db, 'p9')!)).toBe(false);
  });
});
