import { afterEach, describe, expect, it } from 'vitest';
import { createTestApp } from '../app/testing';
import type { App } from '../app/createApp';
import type { Patient } from '../../shared/domain/patient';
import { findPatient, insertPatient, patientIdByMrn, patientsByIds } from './ports';

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
});
