import { afterEach, describe, expect, it } from 'vitest';
import { callAs, createTestApp, ok } from '../app/testing';
import type { App } from '../app/createApp';
import type { AuditPage } from '../../shared/domain/trust';
import type { PatientAllergyRecord, PatientSummary } from '../../shared/domain/patient';
import { patientsChannels } from '../../shared/ipc/patients';
import { allergiesOfPatients } from './ports';

let app: App;
afterEach(async () => {
  await app?.close();
});


const clinician = { id: 'u-c', username: 'casey', role: 'clinician' as const };

async function patient(a: App, mrn: string, name = `Patient ${mrn}`): Promise<string> {
  return (await ok<{ id: string }>(callAs(a, 'patients:create', { name, mrn, birthDate: '1957-03-12', sex: 'F' }))).id;
}

describe('patient allergies', () => {
  it('starts "not recorded", records coded and free-text allergies with who and when, and removes one into the history', async () => {
    app = createTestApp();
    const id = await patient(app, 'A1');
    expect(await ok<PatientAllergyRecord>(callAs(app, 'patients:allergies', { patientId: id }))).toEqual({ patientId: id, status: 'not-recorded', allergies: [], noneKnown: null, history: [] });

    const coded = await ok<PatientAllergyRecord>(
      callAs(app, 'patients:addAllergy', { patientId: 'A1', allergy: { substance: '  Penicillin ', code: '764146007', codeSystem: 'SNOMED CT', reaction: 'anaphylaxis', severity: 'severe' } }, clinician),
    );
    expect(coded.status).toBe('recorded');
    expect(coded.allergies).toEqual([
      expect.objectContaining({ patientId: id, substance: 'Penicillin', code: '764146007', codeSystem: 'SNOMED CT', reaction: 'anaphylaxis', severity: 'severe', recordedBy: 'casey', recordedAt: '2026-01-01T00:00:00.000Z', removedAt: null }),
    ]);
    const both = await ok<PatientAllergyRecord>(callAs(app, 'patients:addAllergy', { patientId: id, allergy: { substance: 'peanut' } }, clinician));
    expect(both.allergies.map((a) => [a.substance, a.code, a.codeSystem, a.severity])).toEqual([
      ['Penicillin', '764146007', 'SNOMED CT', 'severe'],
      ['peanut', null, null, null],
    ]);

    const penicillin = both.allergies[0]!;
    const after = await ok<PatientAllergyRecord>(callAs(app, 'patients:removeAllergy', { patientId: id, entryId: penicillin.id, reason: 'entered in error' }, clinician));
    expect(after.allergies.map((a) => a.substance)).toEqual(['peanut']);
    expect(after.history.find((h) => h.id === penicillin.id)).toMatchObject({ kind: 'allergy', removedBy: 'casey', removedReason: 'entered in error', removedAt: '2026-01-01T00:00:00.000Z' });
    expect(after.history).toHaveLength(2);
    // Removing it again, or another patient's entry, changes nothing.
    expect(await callAs(app, 'patients:removeAllergy', { patientId: id, entryId: penicillin.id })).toMatchObject({ ok: false, error: { code: 'CONFLICT' } });
    const other = await patient(app, 'B1');
    expect(await callAs(app, 'patients:removeAllergy', { patientId: other, entryId: after.allergies[0]!.id })).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    expect((await ok<PatientAllergyRecord>(callAs(app, 'patients:allergies', { patientId: id }))).allergies).toHaveLength(1);
  });

  it('keeps "no known allergies" apart from "not recorded", and never beside a standing allergy', async () => {
    app = createTestApp();
    const id = await patient(app, 'N1');
    const nka = await ok<PatientAllergyRecord>(callAs(app, 'patients:noKnownAllergies', { patientId: id }, clinician));
    expect(nka).toMatchObject({ status: 'none-known', allergies: [], noneKnown: { recordedBy: 'casey' } });

    // Recording an allergy withdraws the statement (kept in the history, with why).
    const rec = await ok<PatientAllergyRecord>(callAs(app, 'patients:addAllergy', { patientId: id, allergy: { substance: 'sulfa drugs' } }, clinician));
    expect(rec).toMatchObject({ status: 'recorded', noneKnown: null });
    expect(rec.history.find((h) => h.kind === 'none-known')).toMatchObject({ removedReason: 'allergy to sulfa drugs recorded' });

    // The statement is refused while an allergy stands, and nothing changes.
    expect(await callAs(app, 'patients:noKnownAllergies', { patientId: id }, clinician)).toMatchObject({ ok: false, error: { code: 'CONFLICT', message: expect.stringContaining('sulfa drugs') } });
    // The same substance twice (any case) is a conflict too.
    expect(await callAs(app, 'patients:addAllergy', { patientId: id, allergy: { substance: 'SULFA  drugs' } })).toMatchObject({ ok: false, error: { code: 'CONFLICT', issues: [{ path: 'substance' }] } });
    expect((await ok<PatientAllergyRecord>(callAs(app, 'patients:allergies', { patientId: id }))).history).toHaveLength(2);

    // Removing the last allergy leaves "not recorded", not "no known allergies".
    const removed = await ok<PatientAllergyRecord>(callAs(app, 'patients:removeAllergy', { patientId: id, entryId: rec.allergies[0]!.id }));
    expect(removed.status).toBe('not-recorded');
    const again = await ok<PatientAllergyRecord>(callAs(app, 'patients:noKnownAllergies', { patientId: id }));
    expect(again.status).toBe('none-known');
  });

  it('answers banners in one call and the port for many patients, "not recorded" included', async () => {
    app = createTestApp();
    const a = await patient(app, 'S1', 'Ada Lovelace');
    const b = await patient(app, 'S2', 'Grace Hopper');
    const c = await patient(app, 'S3', 'Alan Turing');
    await ok(callAs(app, 'patients:addAllergy', { patientId: a, allergy: { substance: 'aspirin', reaction: 'wheeze' } }));
    await ok(callAs(app, 'patients:noKnownAllergies', { patientId: b }));
    const summaries = await ok<PatientSummary[]>(callAs(app, 'patients:summaries', { ids: [b, 'S1', c] }));
    expect(summaries.map((s) => [s.patient.name, s.allergies.status])).toEqual([
      ['Grace Hopper', 'none-known'],
      ['Ada Lovelace', 'recorded'],
      ['Alan Turing', 'not-recorded'],
    ]);
    expect(await callAs(app, 'patients:summaries', { ids: [a, 'nobody'] })).toMatchObject({ ok: false, error: { code: 'NOT_FOUND', message: expect.stringContaining('nobody') } });

    const port = allergiesOfPatients(app.core.db, [c, a, b, 'missing']);
    expect([...port.keys()]).toEqual([c, a, b, 'missing']);
    expect(port.get(a)).toMatchObject({ status: 'recorded', allergies: [{ substance: 'aspirin', reaction: 'wheeze' }] });
    expect(port.get(b)).toMatchObject({ status: 'none-known', allergies: [] });
    expect(port.get(c)).toEqual({ patientId: c, status: 'not-recorded', allergies: [], noneKnown: null });
    expect(port.get('missing')?.status).toBe('not-recorded');
  });

  it('validates input: field issues, codes that fit their system, unknown fields and patients', async () => {
    app = createTestApp();
    const id = await patient(app, 'V1');
    const bad = async (allergy: unknown) => {
      const r = await callAs(app, 'patients:addAllergy', { patientId: id, allergy });
      expect(r.ok).toBe(false);
      return r.ok ? [] : (r.error.issues ?? []).map((i) => i.path);
    };
    expect(await bad({ substance: '   ' })).toEqual(['allergy.substance']);
    expect(await bad({ substance: 'x', code: '123456' })).toEqual(['allergy.codeSystem']);
    expect(await bad({ substance: 'x', codeSystem: 'RxNorm' })).toEqual(['allergy.code']);
    expect(await bad({ substance: 'x', code: 'J45', codeSystem: 'SNOMED CT' })).toEqual(['allergy.code']);
    expect(await bad({ substance: 'x', severity: 'deadly' })).toEqual(['allergy.severity']);
    expect(await bad({ substance: 'x', codeSystem: 'ICD-10', code: 'Z88.0' })).toEqual(['allergy.codeSystem']);
    expect(await bad({ substance: 'x', extra: 1 })).toEqual(['allergy']);
    expect(await callAs(app, 'patients:addAllergy', { patientId: 'nobody', allergy: { substance: 'latex' } })).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    expect(await callAs(app, 'patients:summaries', { ids: [] })).toMatchObject({ ok: false, error: { code: 'VALIDATION' } });
    for (const name of ['patients:allergies', 'patients:addAllergy', 'patients:removeAllergy', 'patients:noKnownAllergies', 'patients:summaries']) {
      expect(await callAs(app, name, { patientId: id, bogus: 1 }), name).toMatchObject({ ok: false, error: { code: 'VALIDATION' } });
    }
    expect((await ok<PatientAllergyRecord>(callAs(app, 'patients:allergies', { patientId: id }))).history).toEqual([]);
    // RxNorm codes are accepted as digits.
    expect(await ok<PatientAllergyRecord>(callAs(app, 'patients:addAllergy', { patientId: id, allergy: { substance: 'amoxicillin', code: '723', codeSystem: 'RxNorm' } }))).toMatchObject({
      allergies: [{ code: '723', codeSystem: 'RxNorm' }],
    });
  });

  it('is for clinicians, and every change is audited as a change to that patient', async () => {
    app = createTestApp();
    for (const name of ['patients:summaries', 'patients:allergies', 'patients:addAllergy', 'patients:removeAllergy', 'patients:noKnownAllergies'] as const) {
      expect(patientsChannels[name].access).toBe('clinician');
      expect(patientsChannels[name].audit).toBe(name === 'patients:summaries' || name === 'patients:allergies' ? 'read' : 'change');
    }
    const id = await patient(app, 'U1');
    const rec = await ok<PatientAllergyRecord>(callAs(app, 'patients:addAllergy', { patientId: id, allergy: { substance: 'latex' } }, clinician));
    await ok(callAs(app, 'patients:removeAllergy', { patientId: id, entryId: rec.allergies[0]!.id }, clinician));
    await ok(callAs(app, 'patients:noKnownAllergies', { patientId: id }, clinician));
    const page = await ok<AuditPage>(callAs(app, 'audit:list', { action: 'patients:' }));
    const changes = page.items.filter((e) => /Allerg/.test(e.channel) && e.outcome === 'ok');
    expect(changes.map((e) => [e.channel, e.kind, e.actorName, e.patientIds])).toEqual([
      ['patients:noKnownAllergies', 'change', 'casey', [id]],
      ['patients:removeAllergy', 'change', 'casey', [id]],
      ['patients:addAllergy', 'change', 'casey', [id]],
    ]);
  });
});
