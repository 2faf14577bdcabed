import { describe, expect, it } from 'vitest';
import { callAs, createTestApp } from '../app/testing';
import { conditionForClass, confirmedFindingsFromDiagnoses } from './findingsFromDiagnoses';

describe('confirmed diagnoses as care-plan conditions', () => {
  it('maps finding classes to catalog codes and normal classes to nothing', () => {
    expect(conditionForClass('pneumonia')).toEqual({ code: 'J18', words: 'pneumonia' });
    expect(conditionForClass('normal')).toBeNull();
    expect(conditionForClass('normal_or_benign')).toBeNull();
    expect(conditionForClass('effusion')?.code).toBe('CL-EFFUSION');
  });

  it('takes only reviewed diagnoses: the confirmed class, or the override', async () => {
    const app = createTestApp();
    const p = await callAs(app, 'patients:create', { name: 'A', mrn: 'A1' });
    if (!p.ok) throw new Error('patient');
    const pid = (p.value as { id: string }).id;
    const db = app.core.db;
    const now = '2026-01-01T00:00:00Z';
    db.prepare("INSERT INTO images (id, patient_id, sha256, format, size_bytes, created_at) VALUES ('i1', ?, 's1', 'png', 1, ?), ('i2', ?, 's2', 'png', 1, ?), ('i3', ?, 's3', 'png', 1, ?)").run(pid, now, pid, now, pid, now);
    // Foreign keys off for this fixture: the diagnoses need a model version row we do not train here.
    db.pragma('foreign_keys = OFF');
    const insert = db.prepare(
      "INSERT INTO ml_diagnoses (id, image_id, model_version_id, probabilities, predicted_class, confidence, threshold, uncertain, heatmap, created_at, created_by, review_decision, review_class) VALUES (?, ?, 'v1', '[]', ?, 0.9, 0.6, 0, '{}', ?, 'x', ?, ?)",
    );
    insert.run('d1', 'i1', 'pneumonia', now, null, null); // not reviewed: ignored
    expect(confirmedFindingsFromDiagnoses(db, pid)).toEqual([]);
    insert.run('d2', 'i2', 'normal', now, 'overridden', 'pneumonia');
    insert.run('d3', 'i3', 'normal', now, 'confirmed', null);
    expect(confirmedFindingsFromDiagnoses(db, pid)).toEqual([{ code: 'J18', words: 'pneumonia' }]);
    await app.close();
  });
});
