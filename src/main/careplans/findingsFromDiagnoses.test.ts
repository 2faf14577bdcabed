import { afterEach, describe, expect, it } from 'vitest';
import { callAs, value } from '../app/testing';
import type { ConditionFromDiagnosis, PatientCondition, RecommendationList } from '../../shared/domain/careplans';
import { CLINICIAN, findingsFixture, type FindingsFixture } from '../ml/testFindings';
import { conditionForClass } from './findingsFromDiagnoses';

let f: FindingsFixture | null = null;
afterEach(async () => {
  await f?.app.close();
  f = null;
});

describe('reviewed diagnoses and the problem list', () => {
  it('maps finding classes to catalog codes and normal classes to nothing', () => {
    expect(conditionForClass('pneumonia')).toEqual({ code: 'J18', words: 'pneumonia' });
    expect(conditionForClass('normal')).toBeNull();
    expect(conditionForClass('normal_or_benign')).toBeNull();
    expect(conditionForClass('effusion')?.code).toBe('CL-EFFUSION');
  });

  it('a confirmed diagnosis is not a condition: the problem list and recommendations are unchanged until a clinician adds it', async () => {
    f = findingsFixture();
    f.addVersion({}, { active: true });
    const patientId = f.image.patientId!;
    value(await callAs(f.app, 'careplans:loadDemo', {}));
    const id = f.addDiagnosis();
    value(await callAs(f.app, 'ml:review', { diagnosisId: id, decision: 'confirm', reason: '' }, CLINICIAN));
    expect(value<PatientCondition[]>(await callAs(f.app, 'careplans:conditions', { patientId }, CLINICIAN))).toEqual([]);
    const recs = value<RecommendationList>(await callAs(f.app, 'careplans:recommend', { patientId }, CLINICIAN));
    expect(recs.basis.conditions).toEqual([]);
    expect(recs.items).toEqual([]);

    // The explicit action: exactly the previewed row, with provenance; then pneumonia plans are offered.
    const preview = value<ConditionFromDiagnosis>(await callAs(f.app, 'careplans:conditionFromDiagnosis', { diagnosisId: id }, CLINICIAN));
    expect(preview).toMatchObject({
      patientId,
      mrn: 'MRN0',
      condition: { code: 'J18', words: 'pneumonia' },
      source: 'diagnosis',
      notedBy: 'carol',
      fromDiagnosis: { diagnosisId: id, decision: 'confirmed', className: 'pneumonia', reviewedBy: 'carol', reviewedAt: '2026-01-01T00:00:00.000Z' },
      alreadyOnList: false,
    });
    const added = value<PatientCondition>(await callAs(f.app, 'careplans:addCondition', { patientId, condition: preview.condition, fromDiagnosisId: id }, CLINICIAN));
    expect(added).toEqual({ id: added.id, patientId, code: 'J18', words: 'pneumonia', source: 'diagnosis', notedAt: '2026-01-01T00:00:00.000Z', notedBy: 'carol', fromDiagnosis: preview.fromDiagnosis });
    expect(value<PatientCondition[]>(await callAs(f.app, 'careplans:conditions', { patientId }, CLINICIAN))).toEqual([added]);
    const row = f.app.core.db.prepare('SELECT code, words, noted_by, from_diagnosis_id, review_decision, review_class, reviewed_by, reviewed_at FROM patient_conditions WHERE id = ?').get(added.id);
    expect(row).toEqual({ code: 'J18', words: 'pneumonia', noted_by: 'carol', from_diagnosis_id: id, review_decision: 'confirmed', review_class: 'pneumonia', reviewed_by: 'carol', reviewed_at: '2026-01-01T00:00:00.000Z' });
    const after = value<RecommendationList>(await callAs(f.app, 'careplans:recommend', { patientId }, CLINICIAN));
    expect(after.basis.conditions).toEqual([{ code: 'J18', words: 'pneumonia' }]);
    expect(after.items.length).toBeGreaterThan(0);
    expect(value<ConditionFromDiagnosis>(await callAs(f.app, 'careplans:conditionFromDiagnosis', { diagnosisId: id }, CLINICIAN)).alreadyOnList).toBe(true);
    const twice = await callAs(f.app, 'careplans:addCondition', { patientId, condition: preview.condition, fromDiagnosisId: id }, CLINICIAN);
    expect(!twice.ok && twice.error.code).toBe('CONFLICT');
  });

  it('refuses unreviewed output, output out of scope or OOD-flagged, another patient, another condition and a normal finding', async () => {
    f = findingsFixture();
    f.addVersion({}, { active: true });
    const patientId = f.image.patientId!;
    const otherPatient = f.images.find((i) => i.patientId && i.patientId !== patientId)!.patientId!;
    const condition = { code: 'J18', words: 'pneumonia' };
    const refused = async (diagnosisId: string, input: object = {}) => {
      const r = await callAs(f!.app, 'careplans:addCondition', { patientId, condition, fromDiagnosisId: diagnosisId, ...input }, CLINICIAN);
      expect(r.ok).toBe(false);
      return r.ok ? '' : `${r.error.code}: ${r.error.message}`;
    };
    const unreviewed = f.addDiagnosis();
    expect(await refused(unreviewed)).toMatch(/^CONFLICT: .*not been reviewed/);
    const preview = await callAs(f.app, 'careplans:conditionFromDiagnosis', { diagnosisId: unreviewed }, CLINICIAN);
    expect(!preview.ok && preview.error.code).toBe('CONFLICT');

    for (const opts of [{ applicability: { inScope: false, reasons: ['Colour image: the model was trained on grey images.'] } }, { ood: { score: 9, threshold: 2, flagged: true, method: 'test' } }]) {
      // Overridden to pneumonia by a clinician who read the image: still not from this model's output.
      const id = f.addDiagnosis({ ...opts, predictedClass: 'normal' });
      value(await callAs(f.app, 'ml:review', { diagnosisId: id, decision: 'override', className: 'pneumonia', reason: 'I read it myself' }, CLINICIAN));
      expect(await refused(id)).toMatch(/^CONFLICT: Outside this model's training — not for clinical use/);
    }

    const confirmed = f.addDiagnosis();
    value(await callAs(f.app, 'ml:review', { diagnosisId: confirmed, decision: 'confirm', reason: '' }, CLINICIAN));
    expect(await refused(confirmed, { patientId: otherPatient })).toMatch(/^CONFLICT: That diagnosis is of another patient/);
    expect(await refused(confirmed, { condition: { code: 'I10', words: 'hypertension' } })).toMatch(/^VALIDATION: The reviewed diagnosis names J18 pneumonia/);
    const normal = f.addDiagnosis({ predictedClass: 'normal' });
    value(await callAs(f.app, 'ml:review', { diagnosisId: normal, decision: 'confirm', reason: '' }, CLINICIAN));
    expect(await refused(normal)).toMatch(/^CONFLICT: .*names no condition/);
    expect(f.app.core.db.prepare('SELECT COUNT(*) FROM patient_conditions').pluck().get()).toBe(0);
  });
});
