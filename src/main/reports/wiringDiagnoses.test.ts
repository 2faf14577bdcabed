import { afterEach, describe, expect, it } from 'vitest';
import { callAs } from '../app/testing';
import { CLINICIAN, findingsFixture, type FindingsFixture } from '../ml/testFindings';
import { mlReportProviders } from './wiring';

let f: FindingsFixture | null = null;
afterEach(async () => {
  await f?.app.close();
  f = null;
});

describe('the reports feature sees diagnoses for what they are', () => {
  it('a reviewed finding is not hidden by a later unreviewed rerun; unreviewed output is pending; output outside the model is uncertain', async () => {
    f = findingsFixture();
    f.addVersion({}, { active: true });
    const patientId = f.image.patientId!;
    const reviewed = f.addDiagnosis();
    const r = await callAs(f.app, 'ml:review', { diagnosisId: reviewed, decision: 'confirm', reason: 'lobar consolidation' }, CLINICIAN);
    expect(r.ok).toBe(true);
    // A rerun of the same model on the same image, a day later, nobody has looked at yet.
    f.app.core.db.prepare("UPDATE ml_diagnoses SET created_at = '2026-01-01T00:00:00.000Z' WHERE id = ?").run(reviewed);
    const rerun = f.addDiagnosis();
    const other = f.images.find((i) => i.patientId === patientId && i.id !== f!.image.id)!;
    const outside = f.addDiagnosis({ imageId: other.id, ood: { score: 4, threshold: 1, flagged: true, method: 'test' } });

    const diagnoses = mlReportProviders(f.app.core).diagnoses!(patientId)!;
    const ids = diagnoses.map((d) => d.id);
    expect(ids).toContain(reviewed);
    expect(ids).not.toContain(rerun);
    expect(diagnoses.find((d) => d.id === reviewed)).toMatchObject({ finding: 'pneumonia', uncertain: false, review: { status: 'confirmed', finalClass: 'pneumonia', by: 'carol' } });
    expect(diagnoses.find((d) => d.id === outside)).toMatchObject({ uncertain: true, review: { status: 'pending', finalClass: null } });
  });
});
