import { afterEach, describe, expect, it } from 'vitest';
import { callAs, createTestApp, ok } from '../app/testing';
import type { App } from '../app/createApp';
import { RECOMMEND_MODES, type CarePlan, type PlanAssignment, type RecommendationList } from '../../shared/domain/careplans';
import { alternativeTo } from './RecommendationService';

let app: App;
afterEach(async () => {
  await app?.close();
});


async function patient(mrn: string, birthDate: string, conditions: [string, string][]): Promise<string> {
  const id = (await ok<{ id: string }>(callAs(app, 'patients:create', { name: `Patient ${mrn}`, mrn, birthDate, sex: 'F' }))).id;
  for (const [code, words] of conditions) await ok(callAs(app, 'careplans:addCondition', { patientId: id, condition: { code, words } }));
  return id;
}

async function accept(patientId: string, planId: string): Promise<PlanAssignment> {
  return (await ok<{ assignment: PlanAssignment }>(callAs(app, 'careplans:decide', { patientId, planId, decision: 'accept', mode: 'hybrid' }))).assignment;
}

async function recommend(patientId: string, mode = 'hybrid'): Promise<RecommendationList> {
  return ok<RecommendationList>(callAs(app, 'careplans:recommend', { patientId, mode, k: 10 }));
}

const ids = (l: RecommendationList) => l.items.map((i) => i.planId).sort();

describe('once a plan is accepted for a condition, the other plans for it wait as alternatives', () => {
  it('drops the other plans for that condition from the suggestions in every mode, lists them as alternatives to the accepted plan, and keeps other conditions’ plans', async () => {
    app = createTestApp();
    await ok(callAs(app, 'careplans:loadDemo', {}));
    // 76, pneumonia and hypertension: doxycycline and the inpatient plan are both for her pneumonia.
    const id = await patient('P1', '1950-03-01', [
      ['J18.9', 'pneumonia'],
      ['I10', 'hypertension'],
    ]);
    const before = await recommend(id);
    expect(ids(before)).toEqual(['demo-cap-inpatient-older', 'demo-cap-outpatient-doxycycline', 'demo-hypertension-ccb']);
    expect(before.alternatives).toEqual([]);

    await accept(id, 'demo-cap-outpatient-doxycycline');
    for (const mode of RECOMMEND_MODES) {
      const after = await recommend(id, mode);
      expect(ids(after), mode).toEqual(['demo-hypertension-ccb']);
      expect(after.alternatives, mode).toEqual([
        {
          planId: 'demo-cap-inpatient-older',
          name: expect.stringContaining('admission and IV antibiotics'),
          acceptedPlanId: 'demo-cap-outpatient-doxycycline',
          acceptedPlan: expect.stringContaining('doxycycline'),
          conditions: [{ code: 'J18.9', words: 'pneumonia' }],
        },
      ]);
      // The safety filters still come first: a plan not for her age stays "not offered" with its reason.
      expect(after.withheld.map((w) => w.planId)).toContain('demo-cap-outpatient-amoxicillin');
      expect(after.alternatives.map((a) => a.planId)).not.toContain('demo-cap-outpatient-amoxicillin');
    }
  });

  it('offers them again once the accepted plan’s outcome is recorded', async () => {
    app = createTestApp();
    await ok(callAs(app, 'careplans:loadDemo', {}));
    const id = await patient('P2', '1950-03-01', [['J18.9', 'pneumonia']]);
    const a = await accept(id, 'demo-cap-outpatient-doxycycline');
    expect(ids(await recommend(id))).toEqual([]);
    await ok(callAs(app, 'careplans:recordOutcome', { assignmentId: a.id, improved: false, note: 'no better at 72 h' }));
    const later = await recommend(id);
    expect(ids(later)).toContain('demo-cap-inpatient-older');
    expect(later.alternatives).toEqual([]);
  });

  it('keeps offering a plan that also treats a condition nothing under way covers; a declined plan stays declined', async () => {
    app = createTestApp();
    await ok(callAs(app, 'careplans:loadDemo', {}));
    // Short-interval follow-up covers the breast lump (N63); triple assessment is also for the abnormal imaging (R92).
    const both = await patient('B1', '1970-01-01', [
      ['N63', 'breast lump'],
      ['R92', 'abnormal breast imaging finding'],
    ]);
    await accept(both, 'demo-breast-finding-short-interval');
    const l1 = await recommend(both);
    expect(ids(l1)).toEqual(['demo-breast-finding-triple-assessment']);
    expect(l1.alternatives).toEqual([]);

    // With the lump alone, triple assessment is an alternative to the plan under way.
    const lump = await patient('B2', '1970-01-01', [['N63', 'breast lump']]);
    await accept(lump, 'demo-breast-finding-short-interval');
    const l2 = await recommend(lump);
    expect(ids(l2)).toEqual([]);
    expect(l2.alternatives.map((a) => [a.planId, a.acceptedPlanId])).toEqual([['demo-breast-finding-triple-assessment', 'demo-breast-finding-short-interval']]);

    // Declined: not offered again, and not listed as an alternative either.
    await ok(callAs(app, 'careplans:decide', { patientId: lump, planId: 'demo-breast-finding-triple-assessment', decision: 'decline' }));
    const l3 = await recommend(lump);
    expect(l3.alternatives).toEqual([]);
    expect(l3.declined).toEqual([expect.stringContaining('triple assessment')]);
  });

  it('alternativeTo: covered only when every condition the plan is for (that the patient has) is covered by another plan under way', () => {
    const plan = (id: string, codes: string[]): CarePlan =>
      ({ id, name: id, conditions: codes.map((code) => ({ code, words: code.toLowerCase() })) }) as unknown as CarePlan;
    const has = [
      { code: 'J18.9', words: 'pneumonia' },
      { code: 'I10', words: 'hypertension' },
    ];
    const doxy = plan('doxy', ['J18']);
    expect(alternativeTo(plan('inpatient', ['J18']), has, [doxy])).toEqual({ accepted: doxy, conditions: [has[0]] });
    expect(alternativeTo(plan('combined', ['J18', 'I10']), has, [doxy])).toBeNull();
    // A condition the patient does not have does not keep a plan on offer.
    expect(alternativeTo(plan('inpatient', ['J18', 'J45']), has, [doxy])).toMatchObject({ accepted: doxy });
    expect(alternativeTo(plan('inpatient', ['J18']), has, [])).toBeNull();
    // A plan is not an alternative to itself.
    expect(alternativeTo(doxy, has, [doxy])).toBeNull();
  });
});
