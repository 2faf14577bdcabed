/**
 * Editing a "no ID" patient (registered from DICOM without a Patient ID; its MRN column holds
 * the import's NO-ID: key): an edit without an MRN keeps the key, so the patient keeps its
 * images and the next import of the same study still finds it; the key is never accepted as
 * a typed MRN. A real import of a file from the shared data (gdcm's CR has no Patient ID).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callAs, createTestApp, SHARED_DATA, tempDir } from '../app/testing';
import type { App } from '../app/createApp';
import type { ImagingPatient, ImportSummary } from '../../shared/domain/imaging';
import { hasNoId, type Patient } from '../../shared/domain/patient';
import type { Result } from '../../shared/ipc/envelope';
import type { Actor } from '../../shared/domain/actor';
import { hasTool } from '../imaging/fixtures/dicomBytes';

const CR = path.join(SHARED_DATA, 'dicom', 'ivmartel_dwv', 'gdcm-CR-MONO1-10-chest.dcm');
const CLINICIAN: Actor = { id: 'u-cleo', username: 'cleo', role: 'clinician' };

function value<T>(r: Result<unknown>): T {
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
  return r.value as T;
}

describe('editing a "no ID" patient', () => {
  let app: App & { dataDir: string };
  let folder: string;
  let patient: Patient;

  const imagingPatient = async (id: string) => value<ImagingPatient[]>(await callAs(app, 'imaging:patients', {}, CLINICIAN)).find((p) => p.patientId === id);

  beforeAll(async () => {
    folder = tempDir('carelens-noid-');
    fs.copyFileSync(CR, path.join(folder, 'cr.dcm'));
    app = createTestApp({ onDisk: true });
    value<ImportSummary>(await callAs(app, 'imaging:import', { paths: [folder] }));
    const page = value<{ items: Patient[] }>(await callAs(app, 'patients:list', {}, CLINICIAN));
    patient = page.items.find((p) => hasNoId(p))!;
    expect(patient).toBeDefined();
  });
  afterAll(async () => {
    await app.close();
  });

  it('saves name, birth date and notes without an MRN and keeps the key and the images', async () => {
    const saved = value<Patient>(await callAs(app, 'patients:update', { id: patient.id, changes: { name: 'Roe Jane', birthDate: '1960-01-01', sex: 'F', notes: 'Identity checked against the request form.' } }, CLINICIAN));
    expect(saved).toMatchObject({ id: patient.id, mrn: patient.mrn, name: 'Roe Jane', birthDate: '1960-01-01' });
    expect(hasNoId(saved)).toBe(true);
    expect(await imagingPatient(patient.id)).toMatchObject({ mrn: patient.mrn, studies: 1, images: 1 });
  });

  it.skipIf(!hasTool('dcmodify'))('still receives the next image of the same study', async () => {
    const next = path.join(folder, 'next', 'cr2.dcm');
    fs.mkdirSync(path.dirname(next), { recursive: true });
    fs.copyFileSync(CR, next);
    execFileSync('dcmodify', ['-nb', '-q', '-i', '(0008,0018)=1.2.826.0.1.3680043.10.13.1', next]);
    const summary = value<ImportSummary>(await callAs(app, 'imaging:import', { paths: [path.dirname(next)] }));
    expect(summary).toMatchObject({ imported: 1, patients: 0 });
    expect(await imagingPatient(patient.id)).toMatchObject({ images: 2 });
  });

  it('refuses the key as a typed MRN (its own, another one, or on a new patient) and changes nothing', async () => {
    const before = value<Patient>(await callAs(app, 'patients:get', { id: patient.id }, CLINICIAN));
    const other = await callAs(app, 'patients:create', { name: 'Someone', mrn: 'NO-ID:00000000000000aa' }, CLINICIAN);
    expect(other).toMatchObject({ ok: false, error: { code: 'VALIDATION', issues: [{ path: 'mrn' }] } });
    const made = value<Patient>(await callAs(app, 'patients:create', { name: 'Real Patient', mrn: 'H-1' }, CLINICIAN));
    const onReal = await callAs(app, 'patients:update', { id: made.id, changes: { mrn: patient.mrn } }, CLINICIAN);
    expect(onReal).toMatchObject({ ok: false, error: { code: 'VALIDATION' } });
    const another = await callAs(app, 'patients:update', { id: patient.id, changes: { mrn: 'NO-ID:00000000000000bb' } }, CLINICIAN);
    expect(another).toMatchObject({ ok: false, error: { code: 'VALIDATION' } });
    // Sending its own key back is no change, not an error.
    expect(value<Patient>(await callAs(app, 'patients:update', { id: patient.id, changes: { mrn: patient.mrn } }, CLINICIAN)).mrn).toBe(patient.mrn);
    expect(value<Patient>(await callAs(app, 'patients:get', { id: made.id }, CLINICIAN)).mrn).toBe('H-1');
    expect(value<Patient>(await callAs(app, 'patients:get', { id: patient.id }, CLINICIAN))).toMatchObject({ mrn: before.mrn, name: before.name });
  });

  it('takes a real MRN when the clinician types one, and the images stay with the patient', async () => {
    const saved = value<Patient>(await callAs(app, 'patients:update', { id: patient.id, changes: { mrn: 'H-2' } }, CLINICIAN));
    expect(hasNoId(saved)).toBe(false);
    expect(await imagingPatient(patient.id)).toMatchObject({ mrn: 'H-2', images: hasTool('dcmodify') ? 2 : 1 });
  });
});
