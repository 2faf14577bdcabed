import { afterEach, describe, expect, it } from 'vitest';
import { callAs, createTestApp, ok } from '../app/testing';
import type { App } from '../app/createApp';
import { ageBandInWords, RECOMMEND_MODES, type PlanAssignment, type RecommendationList } from '../../shared/domain/careplans';
import { outcomeState, recordInWords, sharesInWords, sharesOf, weightsInWords } from './reasons';

let app: App;
afterEach(async () => {
  await app?.close();
});


async function patient(mrn: string, birthDate: string, sex: string, conditions: [string, string][]): Promise<string> {
  const id = (await ok<{ id: string }>(callAs(app, 'patients:create', { name: `Patient ${mrn}`, mrn, birthDate, sex }))).id;
  for (const [code, words] of conditions) await ok(callAs(app, 'careplans:addCondition', { patientId: id, condition: { code, words } }));
  return id;
}

/** Accepts a plan for a patient and, when given, records how it went. */
async function had(patientId: string, planId: string, outcome?: { grade?: number; improved?: boolean }): Promise<void> {
  const { assignment } = await ok<{ assignment: PlanAssignment }>(callAs(app, 'careplans:decide', { patientId, planId, decision: 'accept' }));
  if (outcome) await ok(callAs(app, 'careplans:recordOutcome', { assignmentId: assignment.id, ...outcome }));
}

async function recommend(patientId: string, mode: string, k = 5): Promise<RecommendationList> {
  return ok<RecommendationList>(callAs(app, 'careplans:recommend', { patientId, mode, k }));
}

/**
 * The engine's own names and numbers, which a clinician never reads in a reason: method
 * names, similarity and weight vocabulary, raw decimals, brackets, internal keys.
 */
const INTERNAL = /cosine|similarity|weight|strength|score|hybrid|\bmode\b|\busers?\b|\bitems?\b|content|popular|ageBand|profile|fallback|blend|validat|\[|\]|\d\.\d|\bNaN\b|undefined/i;

/**
 * A clinic with history: seven older pneumonia patients on the inpatient plan (six improved,
 * one did not); three of them also had the calcium-channel blocker plan for hypertension and
 * the metformin plan for diabetes (all improved), so those two plans go together.
 */
async function clinic(): Promise<void> {
  await ok(callAs(app, 'careplans:loadDemo', {}));
  for (let n = 0; n < 7; n++) {
    const id = await patient(`H${n}`, '1948-01-01', n % 2 ? 'M' : 'F', [
      ['J18', 'pneumonia'],
      ...(n < 3 ? ([['I10', 'hypertension'], ['E11', 'type 2 diabetes']] as [string, string][]) : []),
    ]);
    await had(id, 'demo-cap-inpatient-older', { improved: n !== 6 });
    if (n < 3) {
      await had(id, 'demo-hypertension-ccb', { grade: 5 });
      await had(id, 'demo-diabetes-metformin', { grade: 4 });
    }
  }
}

describe('care-plan reasons in the clinic’s words', () => {
  it('a plan with recorded outcomes says how many of the similar patients improved, and how many of the clinic’s', async () => {
    app = createTestApp();
    await clinic();
    const id = await patient('NEW', '1945-06-01', 'M', [['J18.9', 'pneumonia']]);
    const user = await recommend(id, 'user');
    const inpatient = user.items.find((i) => i.planId === 'demo-cap-inpatient-older')!;
    expect(inpatient.reason).toBe('7 patients of similar age, sex and conditions had this plan; 6 improved, 1 did not.');
    // The same reason as a key and parameters, for the interface to word in its language.
    expect(inpatient.reasonParts).toEqual([{ key: 'similarPatients', params: { patients: 7, byProfile: true, improved: 6, notImproved: 1, pending: 0 } }]);
    expect(inpatient.clinicOutcomes).toEqual({ patients: 7, recorded: 7, improved: 6, text: 'In this clinic: 6 of 7 patients with a recorded outcome improved' });
    // The structured numbers the API returned before are still there, under the engine's names.
    expect(inpatient.numbers).toMatchObject({ similar: 7, good: 6 });
    expect(inpatient.strength).toBe(1);
  });

  it('a plan with no recorded outcomes says so, even when it ranks first (a score is not an outcome)', async () => {
    app = createTestApp();
    await ok(callAs(app, 'careplans:loadDemo', {}));
    const id = await patient('P1', '1950-03-01', 'F', [
      ['J18.9', 'pneumonia'],
      ['Z88.0', 'penicillin allergy'],
    ]);
    for (const mode of RECOMMEND_MODES) {
      const list = await recommend(id, mode);
      expect(list.items.map((i) => i.planId), mode).toEqual(['demo-cap-outpatient-doxycycline']);
      const top = list.items[0]!;
      expect(top.strength).toBe(1);
      expect(top.clinicOutcomes).toEqual({ patients: 0, recorded: 0, improved: 0, text: 'No recorded outcomes yet in this clinic' });
      expect(top.reason, mode).not.toMatch(/%|improved/);
    }
    // A plan under way elsewhere but with no outcome yet is still "no recorded outcomes".
    const other = await patient('P2', '1951-01-01', 'M', [['J18', 'pneumonia']]);
    await had(other, 'demo-cap-outpatient-doxycycline');
    const again = await recommend(id, 'content');
    expect(again.items[0]!.clinicOutcomes).toMatchObject({ patients: 1, recorded: 0, text: 'No recorded outcomes yet in this clinic (1 patient has it under way)' });
  });

  it('says which of the patient’s plans a similar plan goes with, and what fits in the plan’s attributes', async () => {
    app = createTestApp();
    await clinic();
    const id = await patient('NEW', '1946-02-02', 'F', [
      ['I10', 'hypertension'],
      ['E11', 'type 2 diabetes'],
    ]);
    await had(id, 'demo-hypertension-ccb', { grade: 5 });
    const item = await recommend(id, 'item');
    const metformin = item.items.find((i) => i.planId === 'demo-diabetes-metformin')!;
    expect(metformin.reason).toBe(
      'This patient had “Hypertension: lifestyle and calcium-channel blocker” (improved); patients who had that plan often had this one too.',
    );
    expect(metformin.clinicOutcomes.text).toBe('In this clinic: 3 of 3 patients with a recorded outcome improved');
    const content = await recommend(id, 'content');
    const diabetes = content.items.find((i) => i.planId === 'demo-diabetes-metformin')!;
    expect(diabetes.reason).toMatch(/^A plan for type 2 diabetes/);
    // A plan the patient finished before says how it went for them.
    const ccb = content.items.find((i) => i.planId === 'demo-hypertension-ccb')!;
    expect(ccb.reason).toContain('This patient had this plan before: improved.');
    expect(ccb.reason).toMatch(/^A plan for hypertension, meant for patients 65 years or older, as this patient is/);
  });

  it('with all methods, gives the two strongest reasons and each method’s share in words; a patient with no history is told what it rests on', async () => {
    app = createTestApp();
    await clinic();
    const id = await patient('NEW', '1945-06-01', 'M', [['J18.9', 'pneumonia']]);
    const list = await recommend(id, 'hybrid');
    const top = list.items[0]!;
    expect(top.planId).toBe('demo-cap-inpatient-older');
    const said = {
      'similar patients': '7 patients of similar age, sex and conditions had this plan; 6 improved, 1 did not.',
      'plan attributes': 'A plan for pneumonia, meant for patients 65 years or older, as this patient is.',
    } as Record<string, string>;
    // The stronger reason first: the order of the shares.
    expect(top.shares.map((s) => s.source).sort()).toEqual(['plan attributes', 'similar patients']);
    expect(top.shares.reduce((a, s) => a + s.percent, 0)).toBe(100);
    expect(top.reason).toBe(
      `${said[top.shares[0]!.source]} ${said[top.shares[1]!.source]} ` +
        'This patient has no plans on record yet, so this rests on patients of similar age, sex and conditions and on how well the plan fits.',
    );
    expect(list.model.weightsInWords).toBe(
      'similar patients 30 %, similar plans 30 %, plan attributes 30 %, how often chosen 10 % (a default mix: too little history in this clinic to tune it)',
    );
    // The engine's own description of the blend stays in the structured field.
    expect(list.model.weights).toBe('user 0.3, item 0.3, content 0.3, popular 0.1 (defaults (too little history to validate))');
  });

  it('no reason, in any mode, names a method, a similarity, a weight or a raw number', async () => {
    app = createTestApp();
    await clinic();
    const cold = await patient('COLD', '1945-06-01', 'M', [
      ['J18.9', 'pneumonia'],
      ['I10', 'hypertension'],
      ['E11', 'type 2 diabetes'],
    ]);
    const warm = await patient('WARM', '1946-02-02', 'F', [
      ['I10', 'hypertension'],
      ['E11', 'type 2 diabetes'],
      ['J45', 'asthma'],
    ]);
    await had(warm, 'demo-hypertension-ccb', { grade: 5 });
    const young = await patient('YOUNG', '1990-04-04', 'F', [['N63', 'breast lump']]);
    let seen = 0;
    for (const id of [cold, warm, young]) {
      for (const mode of RECOMMEND_MODES) {
        const list = await recommend(id, mode, 10);
        for (const r of list.items) {
          seen++;
          for (const text of [r.reason, r.clinicOutcomes.text, ...r.shares.map((s) => s.source)]) {
            expect(text, `${mode}: ${text}`).not.toMatch(INTERNAL);
            expect(text).not.toMatch(/^\s*$/);
          }
        }
        if (list.model.weightsInWords) expect(list.model.weightsInWords).not.toMatch(INTERNAL);
      }
    }
    expect(seen).toBeGreaterThan(20);
  });
});

describe('the wording helpers', () => {
  it('reads an outcome the way a clinician recorded it', () => {
    expect(outcomeState(null, null)).toBe('pending');
    expect(outcomeState(null, 1)).toBe('improved');
    expect(outcomeState(null, 0)).toBe('not improved');
    expect(outcomeState(5, null)).toBe('improved');
    expect(outcomeState(3, null)).toBe('not improved');
    // "Improved" marked by the clinician wins over a middling grade.
    expect(outcomeState(3, 1)).toBe('improved');
  });

  it('words a plan’s record: outcomes, or none yet', () => {
    expect(recordInWords({ patients: 0, recorded: 0, improved: 0 })).toBe('No recorded outcomes yet in this clinic');
    expect(recordInWords({ patients: 2, recorded: 0, improved: 0 })).toBe('No recorded outcomes yet in this clinic (2 patients have it under way)');
    expect(recordInWords({ patients: 9, recorded: 7, improved: 6 })).toBe('In this clinic: 6 of 7 patients with a recorded outcome improved (2 more without an outcome yet)');
    expect(recordInWords({ patients: 1, recorded: 1, improved: 0 })).toBe('In this clinic: 0 of 1 patient with a recorded outcome improved');
  });

  it('turns the contributions into whole-percent shares that add up to 100, and the blend into words', () => {
    const shares = sharesOf({ fallback: 0, userContribution: 0.4, itemContribution: 0, contentContribution: 0.2, popularContribution: 0.0667 });
    expect(shares).toEqual([
      { source: 'similar patients', method: 'user', percent: 60 },
      { source: 'plan attributes', method: 'content', percent: 30 },
      { source: 'how often chosen', method: 'popular', percent: 10 },
    ]);
    expect(sharesInWords(shares)).toBe('similar patients 60 %, plan attributes 30 %, how often chosen 10 %');
    expect(sharesOf({ userContribution: 1, itemContribution: 1, contentContribution: 1 }).reduce((a, s) => a + s.percent, 0)).toBe(100);
    expect(sharesOf({ userContribution: 0 })).toEqual([]);
    expect(weightsInWords({ user: 0.9, item: 0, content: 0.1, popular: 0 }, false)).toBe("similar patients 90 %, plan attributes 10 % (tuned on this clinic's recorded outcomes)");
  });

  it('says age bands in words', () => {
    expect(ageBandInWords('65+')).toBe('65 years or older');
    expect(ageBandInWords('18-64')).toBe('18 to 64 years');
    expect(ageBandInWords('0-17')).toBe('under 18 years');
    expect(ageBandInWords('unknown')).toBe('age unknown');
  });
});
