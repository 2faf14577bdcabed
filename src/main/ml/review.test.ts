import { afterEach, describe, expect, it } from 'vitest';
import { callAs, value } from '../app/testing';
import type { App } from '../app/createApp';
import type { ActivationCheck, Diagnosis, LabelFromDiagnosis, ModelVersionSummary } from '../../shared/domain/ml';
import { ModelVersions } from './ModelVersions';
import { ADMIN, CLINICIAN, findingsFixture, HYPER, REVIEWER, SPLIT, testMetrics, type FindingsFixture } from './testFindings';

let f: FindingsFixture | null = null;
afterEach(async () => {
  await f?.app.close();
  f = null;
});

/** Every row of the tables a review must not touch. */
function recordTables(app: App): Record<string, unknown[]> {
  const db = app.core.db;
  return Object.fromEntries(
    ['labels', 'label_reviews', 'patient_conditions', 'care_plan_assignments', 'care_plan_decisions', 'ml_model_versions'].map((t) => [t, db.prepare(`SELECT * FROM ${t} ORDER BY rowid`).all()]),
  );
}

function diagnosisRow(app: App, id: string): Record<string, unknown> {
  return app.core.db.prepare('SELECT * FROM ml_diagnoses WHERE id = ?').get(id) as Record<string, unknown>;
}

const OUT_OF_SCOPE = { inScope: false, reasons: ['Modality CT: the model was trained on CR images only.'] };
const OOD_FLAGGED = { score: 3.2, threshold: 1.5, flagged: true, method: 'mahalanobis' };

describe('reviewing a diagnosis records the review and nothing else', () => {
  it('confirm and override change only the diagnosis row: no label, no condition, no plan', async () => {
    f = findingsFixture();
    f.addVersion({}, { active: true });
    const confirmId = f.addDiagnosis();
    const overrideId = f.addDiagnosis();
    const before = recordTables(f.app);
    const rowBefore = diagnosisRow(f.app, confirmId);

    const confirmed = value<Diagnosis>(await callAs(f.app, 'ml:review', { diagnosisId: confirmId, decision: 'confirm', reason: '' }, CLINICIAN));
    expect(confirmed.review).toMatchObject({ decision: 'confirmed', className: 'pneumonia', by: 'carol', labelId: null });
    const overridden = value<Diagnosis>(await callAs(f.app, 'ml:review', { diagnosisId: overrideId, decision: 'override', className: 'normal', reason: 'costophrenic angles clear' }, CLINICIAN));
    expect(overridden.review).toMatchObject({ decision: 'overridden', className: 'normal', reason: 'costophrenic angles clear' });

    expect(recordTables(f.app)).toEqual(before);
    // On the diagnosis itself only the review columns changed; no label row is linked.
    const rowAfter = diagnosisRow(f.app, confirmId);
    const changed = Object.keys(rowAfter).filter((k) => rowAfter[k] !== rowBefore[k]);
    expect(changed.sort()).toEqual(['review_at', 'review_by', 'review_class', 'review_decision', 'review_reason']);
    expect(rowAfter.review_label_id).toBeNull();
  });

  it('output outside the model\'s training cannot be confirmed, but can be overridden with a reason', async () => {
    f = findingsFixture();
    f.addVersion({}, { active: true });
    for (const opts of [{ applicability: OUT_OF_SCOPE }, { ood: OOD_FLAGGED }]) {
      const id = f.addDiagnosis(opts);
      const r = await callAs(f.app, 'ml:review', { diagnosisId: id, decision: 'confirm', reason: 'looks right' }, CLINICIAN);
      expect(r.ok).toBe(false);
      if (!r.ok) {
        expect(r.error.code).toBe('CONFLICT');
        expect(r.error.message).toContain("Outside this model's training — not for clinical use");
      }
      expect(diagnosisRow(f.app, id).review_decision).toBeNull();
      const noReason = await callAs(f.app, 'ml:review', { diagnosisId: id, decision: 'override', className: 'normal', reason: '' }, CLINICIAN);
      expect(!noReason.ok && noReason.error.code).toBe('VALIDATION');
      const o = value<Diagnosis>(await callAs(f.app, 'ml:review', { diagnosisId: id, decision: 'override', className: 'normal', reason: 'read the CT myself: no consolidation' }, CLINICIAN));
      expect(o.review?.decision).toBe('overridden');
    }
  });
});

describe('adding a reviewed finding\'s image to a label set', () => {
  it('refuses unreviewed output, and output out of scope or OOD-flagged even after an override', async () => {
    f = findingsFixture();
    f.addVersion({}, { active: true });
    const unreviewed = f.addDiagnosis();
    const labelsBefore = recordTables(f.app).labels;
    for (const channel of ['ml:labelPreview', 'ml:addToLabelSet'] as const) {
      const r = await callAs(f.app, channel, { diagnosisId: unreviewed, labelSet: 'pneumoniamnist', className: 'pneumonia' }, CLINICIAN);
      expect(r.ok, channel).toBe(false);
      if (!r.ok) expect(r.error.message, channel).toMatch(/not been reviewed/);
    }
    for (const opts of [{ applicability: OUT_OF_SCOPE }, { ood: OOD_FLAGGED }]) {
      const id = f.addDiagnosis(opts);
      value(await callAs(f.app, 'ml:review', { diagnosisId: id, decision: 'override', className: 'normal', reason: 'read it myself' }, CLINICIAN));
      const r = await callAs(f.app, 'ml:addToLabelSet', { diagnosisId: id, labelSet: 'pneumoniamnist', className: 'normal' }, CLINICIAN);
      expect(!r.ok && r.error.code).toBe('CONFLICT');
      if (!r.ok) expect(r.error.message).toContain('Outside this model');
    }
    expect(recordTables(f.app).labels).toEqual(labelsBefore);
  });

  it('writes exactly the previewed label row (source review for a confirmation, override for an override) and only once', async () => {
    f = findingsFixture();
    f.addVersion({}, { active: true });
    const id = f.addDiagnosis();
    value(await callAs(f.app, 'ml:review', { diagnosisId: id, decision: 'confirm', reason: 'lobar consolidation' }, CLINICIAN));
    const preview = value<LabelFromDiagnosis>(await callAs(f.app, 'ml:labelPreview', { diagnosisId: id }, CLINICIAN));
    expect(preview).toMatchObject({ diagnosisId: id, imageId: f.image.id, labelSetName: 'pneumoniamnist', className: 'pneumonia', source: 'review', author: 'carol', classes: ['normal', 'pneumonia'] });
    expect(preview.note).toContain(`from diagnosis ${id}`);
    expect(preview.note).toContain('confirmed by carol');
    const written = value<LabelFromDiagnosis & { labelId: number }>(await callAs(f.app, 'ml:addToLabelSet', { diagnosisId: id, labelSet: preview.labelSetId, className: preview.className }, CLINICIAN));
    expect(written).toEqual({ ...preview, labelId: written.labelId });
    const row = f.app.core.db.prepare('SELECT image_id, label_set_id, class_name, source, author, note FROM labels WHERE id = ?').get(written.labelId);
    expect(row).toEqual({ image_id: preview.imageId, label_set_id: preview.labelSetId, class_name: preview.className, source: preview.source, author: preview.author, note: preview.note });
    expect(value<Diagnosis[]>(await callAs(f.app, 'ml:diagnoses', { imageId: f.image.id }, CLINICIAN)).find((d) => d.id === id)!.review!.labelId).toBe(written.labelId);
    const again = await callAs(f.app, 'ml:addToLabelSet', { diagnosisId: id, labelSet: preview.labelSetId, className: preview.className }, CLINICIAN);
    expect(!again.ok && again.error.code).toBe('CONFLICT');

    const overridden = f.addDiagnosis({ imageId: f.images[1]!.id });
    value(await callAs(f.app, 'ml:review', { diagnosisId: overridden, decision: 'override', className: 'normal', reason: 'artefact' }, CLINICIAN));
    const p2 = value<LabelFromDiagnosis>(await callAs(f.app, 'ml:labelPreview', { diagnosisId: overridden }, CLINICIAN));
    expect(p2).toMatchObject({ className: 'normal', source: 'override' });
    expect(p2.note).toContain('overridden by carol');
    const bad = await callAs(f.app, 'ml:addToLabelSet', { diagnosisId: overridden, labelSet: 'pneumoniamnist', className: 'effusion' }, CLINICIAN);
    expect(!bad.ok && bad.error.code).toBe('VALIDATION');
    const noSet = await callAs(f.app, 'ml:addToLabelSet', { diagnosisId: overridden, labelSet: 'no such set', className: 'normal' }, CLINICIAN);
    expect(!noSet.ok && noSet.error.code).toBe('NOT_FOUND');
  });
});

describe('activating a model version is a decision', () => {
  it('a new version is never made active on its own, not even the first', () => {
    f = findingsFixture();
    const registry = new ModelVersions(f.app.core);
    const base = { set: { id: 'set-pneumoniamnist', name: 'pneumoniamnist', classes: ['normal', 'pneumonia'] }, arch: 'default' as const, hyper: HYPER, summary: SPLIT, images: [], splits: new Map(), durationSeconds: 1, backend: { name: 'wasm' as const, detail: '' }, who: 'carol' };
    expect(f.app.core.db.prepare('SELECT COUNT(*) FROM ml_model_versions').pluck().get()).toBe(0);
    registry.record({ ...base, versionId: 'v-first', metrics: testMetrics({ normal: 0.95, pneumonia: 0.95 }), outDir: '/tmp/v-first' });
    registry.record({ ...base, versionId: 'v-second', metrics: testMetrics({}), outDir: '/tmp/v-second' });
    expect(registry.get('v-first').active).toBe(false);
    expect(registry.get('v-second').active).toBe(false);
    expect(() => registry.active()).toThrow(/No model is active/);
  });

  it('clinicians are refused; below the minimum recall a reason is required; the reason is in the audit trail', async () => {
    f = findingsFixture();
    const low = f.addVersion({ normal: 0.6, pneumonia: 0.95 });
    const good = f.addVersion({ normal: 0.85, pneumonia: 0.9 });

    const check = value<ActivationCheck>(await callAs(f.app, 'ml:activationCheck', { id: low }, CLINICIAN));
    expect(check).toMatchObject({ minClassRecall: 0.8, reasonRequired: true, test: { n: 100, accuracy: 0.85 } });
    expect(check.perClass).toEqual([
      { className: 'normal', recall: 0.6, support: 50, belowMinimum: true },
      { className: 'pneumonia', recall: 0.95, support: 50, belowMinimum: false },
    ]);

    const byClinician = await callAs(f.app, 'ml:activate', { id: good }, CLINICIAN);
    expect(!byClinician.ok && byClinician.error.code).toBe('FORBIDDEN');
    expect(f.app.core.db.prepare('SELECT COUNT(*) FROM ml_model_versions WHERE active = 1').pluck().get()).toBe(0);

    const noReason = await callAs(f.app, 'ml:activate', { id: low }, REVIEWER);
    expect(noReason.ok).toBe(false);
    if (!noReason.ok) {
      expect(noReason.error.code).toBe('VALIDATION');
      expect(noReason.error.issues?.[0]?.path).toBe('reason');
      expect(noReason.error.message).toContain('normal 60.0%');
    }
    const tooShort = await callAs(f.app, 'ml:activate', { id: low, reason: 'ok' }, REVIEWER);
    expect(!tooShort.ok && tooShort.error.code).toBe('VALIDATION');
    expect(f.app.core.db.prepare('SELECT COUNT(*) FROM ml_model_versions WHERE active = 1').pluck().get()).toBe(0);

    const reason = 'Pilot on the night shift only, every output double-read';
    const activated = value<ModelVersionSummary>(await callAs(f.app, 'ml:activate', { id: low, reason }, REVIEWER));
    expect(activated.active).toBe(true);
    // An admin activates a version at or above the minimum without a reason.
    expect(value<ModelVersionSummary>(await callAs(f.app, 'ml:activate', { id: good }, ADMIN)).active).toBe(true);
    expect(value<ModelVersionSummary[]>(await callAs(f.app, 'ml:versions', {}, CLINICIAN)).filter((v) => v.active).map((v) => v.id)).toEqual([good]);

    const audit = f.app.core.db.prepare("SELECT actor_name, actor_role, kind, outcome, detail FROM audit_log WHERE channel = 'ml:activate' ORDER BY seq").all() as Record<string, string>[];
    expect(audit.map((a) => [a.actor_name, a.outcome])).toEqual([
      ['carol', 'FORBIDDEN'],
      ['rita', 'VALIDATION'],
      ['rita', 'VALIDATION'],
      ['rita', 'ok'],
      ['adam', 'ok'],
    ]);
    expect(audit[3]!.kind).toBe('change');
    expect(JSON.parse(audit[3]!.detail!).input).toEqual({ id: low, reason });
  });

  it('only an admin sets the clinic minimum; it decides when a reason is needed', async () => {
    f = findingsFixture();
    const v = f.addVersion({ normal: 0.75, pneumonia: 0.9 });
    expect(value<{ minClassRecall: number }>(await callAs(f.app, 'ml:minRecall', {}, CLINICIAN))).toEqual({ minClassRecall: 0.8 });
    const byReviewer = await callAs(f.app, 'ml:setMinRecall', { minClassRecall: 0.7 }, REVIEWER);
    expect(!byReviewer.ok && byReviewer.error.code).toBe('FORBIDDEN');
    const bad = await callAs(f.app, 'ml:setMinRecall', { minClassRecall: 1.5 }, ADMIN);
    expect(!bad.ok && bad.error.code).toBe('VALIDATION');
    expect(value<{ minClassRecall: number }>(await callAs(f.app, 'ml:setMinRecall', { minClassRecall: 0.7 }, ADMIN))).toEqual({ minClassRecall: 0.7 });
    expect(value<ActivationCheck>(await callAs(f.app, 'ml:activationCheck', { id: v }, REVIEWER)).reasonRequired).toBe(false);
    expect(value<ModelVersionSummary>(await callAs(f.app, 'ml:activate', { id: v }, REVIEWER)).active).toBe(true);
  });
});

