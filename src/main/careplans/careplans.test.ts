import { afterEach, describe, expect, it } from 'vitest';
import { callAs, createTestApp, ok } from '../app/testing';
import type { App } from '../app/createApp';
import { silentLogger } from '../core/logger';
import { fixedClock } from '../core/clock';
import { createCareplansFeature } from './index';
import type { Core } from '../core/Core';
import type { PlanAssignment, RecommendationList } from '../../shared/domain/careplans';
import { careplansChannels } from '../../shared/ipc/careplans';

let app: App;
afterEach(async () => {
  await app?.close();
});


async function patient(a: App, mrn: string, birthDate: string, sex = 'F'): Promise<string> {
  return (await ok<{ id: string }>(callAs(a, 'patients:create', { name: `Patient ${mrn}`, mrn, birthDate, sex }))).id;
}

describe('care plans: catalog, problem list, recommendations with safety filters', () => {
  it('recommends pneumonia plans for a patient with pneumonia, with reasons, and withholds the contraindicated one', async () => {
    app = createTestApp();
    expect(await ok(callAs(app, 'careplans:loadDemo', {}))).toEqual({ created: 10, updated: 0 });
    const id = await patient(app, 'P1', '1950-03-01');
    await ok(callAs(app, 'careplans:addCondition', { patientId: id, condition: { code: 'J18.9', words: 'pneumonia, unspecified' } }));
    await ok(callAs(app, 'careplans:addCondition', { patientId: id, condition: { code: 'Z88.0', words: 'penicillin allergy' } }));
    const list = await ok<RecommendationList>(callAs(app, 'careplans:recommend', { patientId: 'P1', mode: 'content' }));
    expect(list.basis.ageBand).toBe('65+');
    expect(list.items.map((i) => i.planId)).toEqual(['demo-cap-outpatient-doxycycline']);
    expect(list.items[0]!.reason).toMatch(/^A plan for pneumonia, unspecified, meant for patients 65 years or older/);
    expect(list.items[0]!.demo).toBe(true);
    const withheld = Object.fromEntries(list.withheld.map((w) => [w.planId, w.reason]));
    expect(withheld['demo-cap-inpatient-older']).toBe('contraindicated: the patient has penicillin allergy (Z88.0)');
    expect(withheld['demo-cap-outpatient-amoxicillin']).toMatch(/contraindicated: the patient has penicillin allergy/);
    // Plans for conditions the patient does not have are never offered, nor listed.
    const all = [...list.items.map((i) => i.planId), ...list.withheld.map((w) => w.planId)];
    expect(all.some((p) => p.includes('breast') || p.includes('hypertension'))).toBe(false);
  });

  it('learns from accepted plans and outcomes: user mode finds similar patients who improved', async () => {
    app = createTestApp();
    await ok(callAs(app, 'careplans:loadDemo', {}));
    // Five older pneumonia patients did well on the inpatient plan.
    for (let n = 0; n < 5; n++) {
      const id = await patient(app, `H${n}`, '1948-01-01');
      await ok(callAs(app, 'careplans:addCondition', { patientId: id, condition: { code: 'J18', words: 'pneumonia' } }));
      const { assignment } = await ok<{ assignment: PlanAssignment }>(callAs(app, 'careplans:decide', { patientId: id, planId: 'demo-cap-inpatient-older', decision: 'accept' }));
      await ok(callAs(app, 'careplans:recordOutcome', { assignmentId: assignment.id, grade: 5, improved: true }));
    }
    const id = await patient(app, 'NEW', '1945-06-01');
    await ok(callAs(app, 'careplans:addCondition', { patientId: id, condition: { code: 'J18', words: 'pneumonia' } }));
    const user = await ok<RecommendationList>(callAs(app, 'careplans:recommend', { patientId: id, mode: 'user' }));
    expect(user.items[0]).toMatchObject({ planId: 'demo-cap-inpatient-older', strength: 1 });
    expect(user.items[0]!.reason).toMatch(/^5 patients of similar age, sex and conditions had this plan; 5 improved\./);
    const hybrid = await ok<RecommendationList>(callAs(app, 'careplans:recommend', { patientId: id, k: 3 }));
    expect(hybrid.items[0]!.planId).toBe('demo-cap-inpatient-older');
    expect(hybrid.items[0]!.mode).toBe('hybrid');
    // Accept then decline: the accepted plan appears as an assignment; a declined plan is not offered again.
    const acc = await ok<{ assignment: PlanAssignment }>(callAs(app, 'careplans:decide', { patientId: id, planId: 'demo-cap-inpatient-older', decision: 'accept', mode: 'hybrid' }));
    expect(acc.assignment).toMatchObject({ planName: expect.stringContaining('65+'), source: 'accepted', outcomeGrade: null });
    await ok(callAs(app, 'careplans:decide', { patientId: id, planId: 'demo-cap-outpatient-doxycycline', decision: 'decline', reason: 'prefers admission' }));
    const after = await ok<RecommendationList>(callAs(app, 'careplans:recommend', { patientId: id, mode: 'content' }));
    expect(after.items.map((i) => i.planId)).not.toContain('demo-cap-outpatient-doxycycline');
    expect(after.items.map((i) => i.planId)).not.toContain('demo-cap-inpatient-older');
    expect(after.declined).toHaveLength(1);
    expect(await ok<PlanAssignment[]>(callAs(app, 'careplans:assignments', { patientId: id }))).toHaveLength(1);
  });

  it('recommends from the problem list only: a finding counts once a clinician has put it there', async () => {
    app = createTestApp();
    const id = await patient(app, 'B1', '1980-01-01');
    const core: Core = { ...app.core, clock: fixedClock(), logger: silentLogger };
    const feature = createCareplansFeature(core);
    feature.plans.loadDemo('test');
    expect(feature.recommender.recommend(id, 'hybrid', 5).items).toEqual([]);
    feature.plans.addCondition(id, { code: 'N63', words: 'breast lump' }, 'dr.b');
    const list = feature.recommender.recommend(id, 'hybrid', 5);
    expect(list.items.map((i) => i.planId).sort()).toEqual(['demo-breast-finding-short-interval', 'demo-breast-finding-triple-assessment']);
    expect(list.items[0]!.reason).toContain('This patient has no plans on record yet, so this rests on patients of similar age, sex and conditions');
    expect(feature.plans.conditions(id)).toMatchObject([{ code: 'N63', source: 'hand', fromDiagnosis: null }]);
  });

  it('explains bad input: unknown patient, empty catalog, bad channel input', async () => {
    app = createTestApp();
    const id = await patient(app, 'E1', '1990-01-01');
    expect(await callAs(app, 'careplans:recommend', { patientId: id })).toMatchObject({ ok: false, error: { code: 'NOT_FOUND', message: expect.stringContaining('catalog is empty') } });
    await ok(callAs(app, 'careplans:loadDemo', {}));
    expect(await callAs(app, 'careplans:recommend', { patientId: 'nobody' })).toMatchObject({ ok: false, error: { code: 'NOT_FOUND', message: 'No patient with id or MRN "nobody".' } });
    expect(await callAs(app, 'careplans:recommend', { patientId: id, k: 0 })).toMatchObject({ ok: false, error: { code: 'VALIDATION', issues: [{ path: 'k' }] } });
    expect(await callAs(app, 'careplans:recommend', { patientId: id, mode: 'psychic' })).toMatchObject({ ok: false, error: { code: 'VALIDATION' } });
    expect(await callAs(app, 'careplans:savePlan', { fields: { name: 'X', conditions: [] } })).toMatchObject({ ok: false, error: { code: 'VALIDATION', issues: [{ path: 'fields.conditions' }] } });
    expect(await callAs(app, 'careplans:recordOutcome', { assignmentId: 'a' })).toMatchObject({ ok: false, error: { code: 'VALIDATION', issues: [{ path: 'grade' }] } });
    expect(await callAs(app, 'careplans:recordOutcome', { assignmentId: 'a', grade: 9 })).toMatchObject({ ok: false, error: { code: 'VALIDATION' } });
    expect(await callAs(app, 'careplans:addCondition', { patientId: id, condition: { code: '', words: 'x' } })).toMatchObject({ ok: false, error: { code: 'VALIDATION' } });
    expect(await callAs(app, 'careplans:removeCondition', { patientId: id, conditionId: 'nope' })).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    expect(await callAs(app, 'careplans:decide', { patientId: id, planId: 'nope', decision: 'accept' })).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
  });

  it('imports and exports the catalog and assignments as CSV; a bad row names row and column and stores nothing', async () => {
    app = createTestApp();
    await ok(callAs(app, 'careplans:loadDemo', {}));
    const id = await patient(app, 'C1', '1970-01-01');
    await ok(callAs(app, 'careplans:decide', { patientId: id, planId: 'demo-asthma-ics', decision: 'accept' }));
    const plansCsv = (await ok<{ csv: string }>(callAs(app, 'careplans:exportPlans', {}))).csv;
    expect(plansCsv.split('\n')[0]).toBe('id,name,summary,conditions,interventions,setting,intensity,duration_weeks,medication_classes,age_bands,contraindications,evidence_note,retired');
    // Round trip: importing the export updates every plan and creates none.
    expect(await ok(callAs(app, 'careplans:importPlans', { csv: plansCsv }))).toEqual({ created: 0, updated: 10 });
    const before = await ok(callAs(app, 'careplans:listPlans', {}));

    const missing = await callAs(app, 'careplans:importPlans', { csv: 'id,name,summary\nx,Plan X,\n' });
    expect(missing).toMatchObject({ ok: false, error: { code: 'VALIDATION', issues: [{ path: 'row 1, column conditions', message: 'missing column' }] } });
    const badRow = await callAs(app, 'careplans:importPlans', {
      csv: 'name,conditions,intensity,duration_weeks\nGood plan,J45:asthma,low,4\nBad plan,J45 asthma,extreme,four\n',
    });
    expect(badRow.ok).toBe(false);
    if (!badRow.ok) {
      expect(badRow.error.issues?.map((i) => i.path)).toEqual(['row 3, column conditions', 'row 3, column duration_weeks']);
      expect(badRow.error.message).toContain('nothing was imported');
    }
    expect(await ok(callAs(app, 'careplans:listPlans', {}))).toEqual(before);

    const assignmentsCsv = (await ok<{ csv: string }>(callAs(app, 'careplans:exportAssignments', {}))).csv;
    expect(assignmentsCsv).toMatch(/^id,patient,plan,assigned_at,outcome_grade,improved,outcome_note\n.*,C1,demo-asthma-ics,/);
    const bad = await callAs(app, 'careplans:importAssignments', { csv: 'patient,plan,outcome_grade,improved\nC1,demo-asthma-ics,4,yes\nC1,demo-asthma-ics,good,maybe\nZZ,demo-asthma-ics,3,\n' });
    expect(bad).toMatchObject({ ok: false, error: { code: 'VALIDATION' } });
    if (!bad.ok) {
      expect(bad.error.issues).toEqual([
        { path: 'row 3, column outcome_grade', message: '"good" is not a whole number from 1 to 5' },
        { path: 'row 3, column improved', message: '"maybe" is not yes or no' },
        { path: 'row 4, column patient', message: 'no patient with id or MRN "ZZ"' },
      ]);
    }
    expect(await ok<PlanAssignment[]>(callAs(app, 'careplans:assignments', { patientId: id }))).toHaveLength(1);
    expect(await ok(callAs(app, 'careplans:importAssignments', { csv: 'patient,plan,assigned_at,outcome_grade,improved\nC1,demo-asthma-ics,2025-06-01,4,yes\n' }))).toEqual({ created: 1, updated: 0 });
    expect(await ok<PlanAssignment[]>(callAs(app, 'careplans:assignments', { patientId: 'C1' }))).toHaveLength(2);
  });

  it('lets an admin edit and retire plans; retired plans are not recommended', async () => {
    app = createTestApp();
    const plan = await ok<{ id: string }>(callAs(app, 'careplans:savePlan', { fields: { name: 'Asthma review', conditions: [{ code: 'j45', words: 'asthma' }], evidenceNote: 'local pathway' } }));
    const id = await patient(app, 'A1', '2000-01-01');
    await ok(callAs(app, 'careplans:addCondition', { patientId: id, condition: { code: 'J45.0', words: 'asthma' } }));
    expect((await ok<RecommendationList>(callAs(app, 'careplans:recommend', { patientId: id }))).items).toHaveLength(1);
    await ok(callAs(app, 'careplans:savePlan', { id: plan.id, fields: { name: 'Asthma review (v2)', conditions: [{ code: 'J45', words: 'asthma' }] } }));
    await ok(callAs(app, 'careplans:retirePlan', { id: plan.id, retired: true }));
    expect(await callAs(app, 'careplans:recommend', { patientId: id })).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    expect(await ok(callAs(app, 'careplans:listPlans', { includeRetired: true }))).toMatchObject([{ name: 'Asthma review (v2)', retired: true, conditions: [{ code: 'J45' }] }]);
  });

  it('refuses unknown fields on every channel, and keeps catalog changes for admins', async () => {
    app = createTestApp();
    for (const name of Object.keys(careplansChannels)) {
      const r = await callAs(app, name, { bogus: 1 });
      expect(r, name).toMatchObject({ ok: false, error: { code: 'VALIDATION' } });
    }
    const clinician = { id: 'u-c', username: 'casey', role: 'clinician' as const };
    expect(await callAs(app, 'careplans:loadDemo', {}, clinician)).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    expect(await callAs(app, 'careplans:savePlan', { fields: { name: 'X', conditions: [{ code: 'J45', words: 'asthma' }] } }, clinician)).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    expect(await callAs(app, 'careplans:importPlans', { csv: 'name,conditions\nX,J45:asthma\n' }, clinician)).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    expect(await ok(callAs(app, 'careplans:listPlans', {}, clinician))).toEqual([]);
    // Provenance: the admin's name is on what they changed.
    await ok(callAs(app, 'careplans:loadDemo', {}, { id: 'u-a', username: 'alex', role: 'admin' }));
    expect(await ok(callAs(app, 'careplans:listPlans', {}, clinician))).toEqual(expect.arrayContaining([expect.objectContaining({ updatedBy: 'alex', demo: true })]));
  });
});
