import { afterEach, describe, expect, it } from 'vitest';
import { callAs, createTestApp, ok } from '../app/testing';
import type { App } from '../app/createApp';
import type { CarePlan, RecommendationList } from '../../shared/domain/careplans';
import type { PatientAllergyRecord } from '../../shared/domain/patient';
import { allergenOfContraindication, allergyExclusion, allergyMatches } from './allergySafety';
import { RecommendationService } from './RecommendationService';
import { withheldInWords } from './reasons';

let app: App;
afterEach(async () => {
  await app?.close();
});


describe('allergy words against plan words', () => {
  it('matches the same word in any case or number, and members of one class with each other and the class', () => {
    expect(allergyMatches('Penicillin', 'penicillins')).toBe(true);
    expect(allergyMatches('statin', 'Statins')).toBe(true);
    expect(allergyMatches('penicillin', 'amoxicillin')).toBe(true);
    expect(allergyMatches('amoxicillin', 'penicillins')).toBe(true);
    expect(allergyMatches('penicillin', 'beta-lactam antibiotics')).toBe(true);
    expect(allergyMatches('beta-lactam', 'cephalosporins')).toBe(true);
    expect(allergyMatches('sulfa', 'sulfonamides')).toBe(true);
    expect(allergyMatches('Sulpha drugs', 'co-trimoxazole')).toBe(true);
    expect(allergyMatches('NSAID', 'aspirin')).toBe(true);
    expect(allergyMatches('aspirin', 'NSAIDs')).toBe(true);
    expect(allergyMatches('ibuprofen', 'aspirin')).toBe(true);
    expect(allergyMatches('penicillin V potassium', 'penicillins')).toBe(true);
  });

  it('does not match sibling classes, other classes or unrelated words', () => {
    expect(allergyMatches('penicillin', 'cephalosporins')).toBe(false);
    expect(allergyMatches('cefalexin', 'amoxicillin')).toBe(false);
    expect(allergyMatches('penicillin', 'tetracyclines')).toBe(false);
    expect(allergyMatches('penicillin', 'macrolides')).toBe(false);
    expect(allergyMatches('peanut', 'penicillins')).toBe(false);
    expect(allergyMatches('sulfa', 'sulfasalazine-free regimen')).toBe(false);
    expect(allergyMatches('aspirin', 'paracetamol')).toBe(false);
    expect(allergyMatches('', 'penicillins')).toBe(false);
  });

  it('reads allergy contraindications and the ICD-10 allergy-status codes', () => {
    expect(allergenOfContraindication('penicillin allergy')).toBe('penicillin');
    expect(allergenOfContraindication('Allergy to aspirin')).toBe('aspirin');
    expect(allergenOfContraindication('pregnancy')).toBe('pregnancy');
    expect(allergyMatches('amoxicillin', 'Z88.0')).toBe(true);
    expect(allergyMatches('sulfonamides', 'Z88.2')).toBe(true);
    expect(allergyMatches('sulfonamides', 'Z88.0')).toBe(false);
  });

  it('gives the reason, from the medication classes first, then the contraindications (codes included)', () => {
    const plan = { medicationClasses: ['penicillins', 'macrolides'], contraindications: ['Z88.0', 'penicillin allergy', 'age:0-17'] };
    expect(allergyExclusion(plan, [{ substance: 'penicillin', code: null }])).toBe('excluded: the patient is allergic to penicillin (the plan uses penicillins)');
    expect(allergyExclusion(plan, [{ substance: 'peanut', code: null }, { substance: 'Clarithromycin', code: null }])).toBe(
      'excluded: the patient is allergic to Clarithromycin (the plan uses macrolides)',
    );
    const contra = { medicationClasses: [], contraindications: ['latex allergy', '91936005'] };
    expect(allergyExclusion(contra, [{ substance: 'Latex', code: null }])).toBe('excluded: the patient is allergic to Latex (the plan lists latex allergy as a contraindication)');
    expect(allergyExclusion(contra, [{ substance: 'something coded', code: '91936005' }])).toBe(
      'excluded: the patient is allergic to something coded (the plan lists 91936005 as a contraindication)',
    );
    expect(allergyExclusion(plan, [{ substance: 'peanut', code: null }])).toBeNull();
    expect(allergyExclusion(plan, [])).toBeNull();
  });

  it('runs before the other safety checks in safetyCheck, and leaves them as they were without allergies', () => {
    const plan = { medicationClasses: ['NSAIDs'], contraindications: ['age:65+'], ageBands: [] } as unknown as CarePlan;
    const why = RecommendationService.safetyCheck(plan, [], '65+', 'F');
    expect(why).toEqual({ key: 'age', params: { band: '65+' } });
    expect(withheldInWords(why!)).toBe('contraindicated: not for age 65+');
    const allergic = RecommendationService.safetyCheck(plan, [], '65+', 'F', [{ substance: 'ibuprofen', code: null }]);
    expect(allergic).toEqual({ key: 'allergyMedication', params: { substance: 'ibuprofen', medication: 'NSAIDs' } });
    expect(withheldInWords(allergic!)).toBe('excluded: the patient is allergic to ibuprofen (the plan uses NSAIDs)');
    expect(RecommendationService.safetyCheck(plan, [], '18-64', 'F', [{ substance: 'peanut', code: null }])).toBeNull();
  });
});

describe('recommendations never offer a plan the patient is allergic to', () => {
  it('withholds the penicillin plans with the reason while the allergy stands, and offers them again once it is removed', async () => {
    app = createTestApp();
    await ok(callAs(app, 'careplans:loadDemo', {}));
    const id = (await ok<{ id: string }>(callAs(app, 'patients:create', { name: 'Young Adult', mrn: 'YA1', birthDate: '1990-05-05', sex: 'M' }))).id;
    await ok(callAs(app, 'careplans:addCondition', { patientId: id, condition: { code: 'J18.9', words: 'pneumonia' } }));

    const before = await ok<RecommendationList>(callAs(app, 'careplans:recommend', { patientId: id, mode: 'content', k: 10 }));
    expect(before.items.map((i) => i.planId)).toContain('demo-cap-outpatient-amoxicillin');
    expect(before.withheld.map((w) => w.planId)).not.toContain('demo-cap-outpatient-amoxicillin');

    const rec = await ok<PatientAllergyRecord>(callAs(app, 'patients:addAllergy', { patientId: id, allergy: { substance: 'Penicillin', reaction: 'hives' } }));
    for (const mode of ['content', 'user', 'item', 'hybrid'] as const) {
      const list = await ok<RecommendationList>(callAs(app, 'careplans:recommend', { patientId: id, mode, k: 10 }));
      const offered = list.items.map((i) => i.planId);
      expect(offered, mode).not.toContain('demo-cap-outpatient-amoxicillin');
      expect(offered, mode).not.toContain('demo-cap-inpatient-older');
      expect(offered, mode).toContain('demo-cap-outpatient-doxycycline');
      const withheld = Object.fromEntries(list.withheld.map((w) => [w.planId, w.reason]));
      expect(withheld['demo-cap-outpatient-amoxicillin'], mode).toBe('excluded: the patient is allergic to Penicillin (the plan uses penicillins)');
      expect(withheld['demo-cap-inpatient-older'], mode).toBe('excluded: the patient is allergic to Penicillin (the plan uses penicillins)');
    }

    await ok(callAs(app, 'patients:removeAllergy', { patientId: id, entryId: rec.allergies[0]!.id, reason: 'entered in error' }));
    const after = await ok<RecommendationList>(callAs(app, 'careplans:recommend', { patientId: id, mode: 'content', k: 10 }));
    expect(after.items.map((i) => i.planId)).toContain('demo-cap-outpatient-amoxicillin');
    expect(after.withheld).toEqual(before.withheld);
  });

  it('rules out a plan through the synonym table: an amoxicillin allergy rules out the penicillin plans, a cefalexin one nothing more', async () => {
    app = createTestApp();
    await ok(callAs(app, 'careplans:loadDemo', {}));
    const id = (await ok<{ id: string }>(callAs(app, 'patients:create', { name: 'Older Adult', mrn: 'OA1', birthDate: '1950-05-05', sex: 'F' }))).id;
    await ok(callAs(app, 'careplans:addCondition', { patientId: id, condition: { code: 'J18', words: 'pneumonia' } }));
    await ok(callAs(app, 'patients:addAllergy', { patientId: id, allergy: { substance: 'amoxicillin', code: '723', codeSystem: 'RxNorm' } }));
    await ok(callAs(app, 'patients:addAllergy', { patientId: id, allergy: { substance: 'cefalexin' } }));
    const list = await ok<RecommendationList>(callAs(app, 'careplans:recommend', { patientId: id, mode: 'content' }));
    expect(list.items.map((i) => i.planId)).toEqual(['demo-cap-outpatient-doxycycline']);
    expect(list.withheld.find((w) => w.planId === 'demo-cap-inpatient-older')?.reason).toBe('excluded: the patient is allergic to amoxicillin (the plan uses penicillins)');
  });
});
