import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { callAs, createTestApp, value } from '../app/testing';
import type { App } from '../app/createApp';
import type { Diagnosis, ModelVersion, TrainingProgress, TrainingRun } from '../../shared/domain/ml';
import { labelledImages } from './dataset';
import { assignSplits } from './splits';
import { seedMedMnist } from './testData';

let app: (App & { dataDir: string }) | null = null;
afterEach(async () => {
  await app?.close();
  app = null;
});

describe('data set and split', () => {
  it('splits by patient: no patient on two sides, stratified, the same for the same seed', () => {
    app = createTestApp();
    seedMedMnist(app, { perClassPerSplit: 12, patients: 25 });
    // Plus images without a patient: each is its own subject.
    const images = labelledImages(app.core.db, 'set-pneumoniamnist', new Date());
    expect(images.length).toBe(72);
    const a = assignSplits(images, 'patient', 42);
    const b = assignSplits(images, 'patient', 42);
    expect([...a]).toEqual([...b]);
    const sideOf = new Map<string, string>();
    for (const img of images) {
      const s = a.get(img.imageId)!;
      if (sideOf.has(img.subject)) expect(sideOf.get(img.subject)).toBe(s);
      sideOf.set(img.subject, s);
    }
    const sides = new Set(a.values());
    expect(sides).toEqual(new Set(['train', 'val', 'test']));
    const c = assignSplits(images, 'patient', 7);
    expect([...c]).not.toEqual([...a]);
  });

  it('the current label is the newest row; a cleared label drops the image', () => {
    app = createTestApp();
    const seeded = seedMedMnist(app, { perClassPerSplit: 2 });
    const db = app.core.db;
    const first = seeded[0]!;
    const other = first.className === 'normal' ? 'pneumonia' : 'normal';
    db.prepare("INSERT INTO labels (image_id, label_set_id, class_name, source, author, created_at) VALUES (?, 'set-pneumoniamnist', ?, 'hand', 'dr', 'x')").run(first.id, other);
    db.prepare("INSERT INTO labels (image_id, label_set_id, class_name, source, author, created_at) VALUES (?, 'set-pneumoniamnist', NULL, 'hand', 'dr', 'x')").run(seeded[1]!.id);
    const images = labelledImages(db, 'set-pneumoniamnist', new Date());
    expect(images.find((i) => i.imageId === first.id)!.className).toBe(other);
    expect(images.find((i) => i.imageId === seeded[1]!.id)).toBeUndefined();
  });

  it('the predefined split needs every image to have one', () => {
    app = createTestApp();
    const seeded = seedMedMnist(app, { perClassPerSplit: 2 });
    app.core.db.prepare('UPDATE images SET predefined_split = NULL WHERE id = ?').run(seeded[0]!.id);
    const images = labelledImages(app.core.db, 'set-pneumoniamnist', new Date());
    expect(() => assignSplits(images, 'predefined', 1)).toThrow(/no predefined split/);
  });
});

describe('training, model versions, diagnosis', () => {
  it('every ml channel refuses malformed input with VALIDATION', async () => {
    app = createTestApp();
    const bad: [string, unknown][] = [
      ['ml:cancel', { runId: '' }],
      ['ml:runs', { x: 1 }],
      ['ml:versions', { labelSet: 5 }],
      ['ml:version', {}],
      ['ml:activate', { id: 3 }],
      ['ml:activate', { id: 'v', reason: 5 }],
      ['ml:activationCheck', {}],
      ['ml:minRecall', { minClassRecall: 0.5 }],
      ['ml:setMinRecall', { minClassRecall: 2 }],
      ['ml:labelPreview', { diagnosisId: '' }],
      ['ml:addToLabelSet', { diagnosisId: 'd', labelSet: 's' }],
      ['ml:diagnose', {}],
      ['ml:diagnoses', { limit: 0 }],
      ['ml:review', { diagnosisId: 'd', decision: 'maybe', reason: 'x' }],
      ['ml:threshold', { threshold: 0.5 }],
      ['ml:setThreshold', { threshold: 0.2 }],
      ['ml:image', { imageId: 'a', maxSize: 5000 }],
      ['ml:predictFile', { path: '' }],
      ['ml:train', { labelSet: '' }],
    ];
    for (const [channel, input] of bad) {
      const r = await callAs(app, channel, input);
      expect(r.ok, channel).toBe(false);
      if (!r.ok) expect(r.error.code, channel).toBe('VALIDATION');
    }
    const none = await callAs(app, 'ml:version', { id: 'nope' });
    expect(!none.ok && none.error.code).toBe('NOT_FOUND');
    const noModel = await callAs(app, 'ml:diagnose', { imageId: 'x' });
    expect(!noModel.ok && noModel.error.code).toBe('NOT_FOUND');
    const th = await callAs(app, 'ml:setThreshold', { threshold: 0.9 });
    expect(th.ok && th.value).toEqual({ threshold: 0.9 });
  });

  it('refuses bad input and unknown label sets', async () => {
    app = createTestApp();
    for (const bad of [{}, { labelSet: 'x', epochs: 0 }, { labelSet: 'x', architecture: 'resnet' }, { labelSet: 'x', extra: 1 }, { labelSet: 'x', inputSize: 4 }]) {
      const r = await callAs(app, 'ml:train', bad);
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.error.code).toBe('VALIDATION');
    }
    const r = await callAs(app, 'ml:train', { labelSet: 'nope' });
    expect(!r.ok && r.error.code).toBe('NOT_FOUND');
    const d = await callAs(app, 'ml:diagnose', { imageId: 'a', seriesId: 'b' });
    expect(!d.ok && d.error.code).toBe('VALIDATION');
    const rv = await callAs(app, 'ml:review', { diagnosisId: 'x', decision: 'override', reason: '' });
    expect(!rv.ok && rv.error.code).toBe('VALIDATION');
    const th = await callAs(app, 'ml:setThreshold', { threshold: 1.5 });
    expect(!th.ok && th.error.code).toBe('VALIDATION');
    const nd = await callAs(app, 'ml:predictFile', { path: '/nonexistent.png' });
    expect(!nd.ok && nd.error.code).toBe('NOT_FOUND');
  });

  it('trains in the worker, saves an inactive version with test metrics, diagnoses (once activated) with a heatmap, records an override on the diagnosis only', async () => {
    app = createTestApp();
    seedMedMnist(app, { perClassPerSplit: 40, patients: 60 });
    const events: TrainingProgress[] = [];
    app.core.events.subscribe((name, p) => {
      if (name === 'ml:progress') events.push(p as TrainingProgress);
    });
    const run = value<TrainingRun>(await callAs(app, 'ml:train', { labelSet: 'pneumoniamnist', epochs: 2, split: 'predefined', wait: true }));
    expect(run.state).toBe('done');
    expect(events.some((e) => e.kind === 'batch' && e.loss !== null && e.imagesPerSecond! > 0)).toBe(true);
    expect(events.filter((e) => e.kind === 'epoch').length).toBeGreaterThanOrEqual(1);
    const v = value<ModelVersion>(await callAs(app, 'ml:version', { id: run.modelVersionId }));
    // Never active on its own, not even the first version: no diagnosis until someone activates it.
    expect(v.active).toBe(false);
    const none = await callAs(app, 'ml:diagnose', { imageId: 'img-pneumoniamnist-5' });
    expect(!none.ok && none.error.code).toBe('NOT_FOUND');
    // Two epochs may leave a class below the clinic's minimum recall: the reason is given either way.
    expect(value<ModelVersion>(await callAs(app, 'ml:activate', { id: v.id, reason: 'unit test of the diagnosis path' })).active).toBe(true);
    expect(v.split.counts).toEqual({ train: 80, val: 80, test: 80 });
    expect(v.metrics.test.n).toBe(80);
    expect(v.metrics.test.confusion.flat().reduce((a, b) => a + b, 0)).toBe(80);
    expect(v.metrics.test.rocAuc).not.toBeNull();
    expect(v.metrics.test.reliability.reduce((a, b) => a + b.count, 0)).toBe(80);
    expect(v.metrics.temperature).toBeGreaterThan(0);
    expect(v.metrics.subgroups.map((s) => s.attribute)).toEqual(expect.arrayContaining(['sex', 'ageBand', 'modality']));
    expect(v.metrics.missingAttributes).toContain('manufacturer');
    expect(v.backend).toBe('wasm');
    expect(fs.existsSync(path.join(app.core.paths.models, run.modelVersionId!, 'model.json'))).toBe(true);
    const stored = app.core.db.prepare('SELECT split, COUNT(*) AS n FROM ml_split_assignments WHERE model_version_id = ? GROUP BY split ORDER BY split').all(v.id);
    expect(stored).toEqual([{ split: 'test', n: 80 }, { split: 'train', n: 80 }, { split: 'val', n: 80 }]);

    const imageId = 'img-pneumoniamnist-5';
    const [d] = value<Diagnosis[]>(await callAs(app, 'ml:diagnose', { imageId }));
    expect(d!.modelVersionId).toBe(v.id);
    expect(d!.probabilities.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
    expect(d!.uncertain).toBe(d!.confidence < d!.threshold);
    expect(d!.heatmap.width).toBe(28);
    expect(d!.heatmap.values.length).toBe(28 * 28);
    expect(Math.max(...d!.heatmap.values)).toBeCloseTo(1, 2);
    expect(new Set(d!.heatmap.values).size).toBeGreaterThan(10);

    const other = v.classes.find((c) => c !== d!.predictedClass)!;
    const labelsBefore = app.core.db.prepare('SELECT * FROM labels WHERE image_id = ? ORDER BY id').all(imageId);
    const reviewed = value<Diagnosis>(await callAs(app, 'ml:review', { diagnosisId: d!.id, decision: 'override', className: other, reason: 'consolidation visible on the lateral view' }));
    expect(reviewed.review).toMatchObject({ decision: 'overridden', className: other, by: 'system', labelId: null });
    // The review is not a label: the label history changes only through ml:addToLabelSet (review.test.ts).
    expect(app.core.db.prepare('SELECT * FROM labels WHERE image_id = ? ORDER BY id').all(imageId)).toEqual(labelsBefore);
    const again = await callAs(app, 'ml:review', { diagnosisId: d!.id, decision: 'confirm', reason: '' });
    expect(!again.ok && again.error.code).toBe('CONFLICT');

    const series = value<Diagnosis[]>(await callAs(app, 'ml:diagnose', { importId: 'import-pneumoniamnist' }));
    expect(series.length).toBe(240);
    const u = await app.features.ml.service.uncertainty('pneumoniamnist', ['img-pneumoniamnist-1', 'img-pneumoniamnist-2', 'missing']);
    expect([...u.keys()].sort()).toEqual(['img-pneumoniamnist-1', 'img-pneumoniamnist-2']);
    for (const x of u.values()) expect(x).toBeGreaterThanOrEqual(0);
    const img = value<{ width: number; gray8: string }>(await callAs(app, 'ml:image', { imageId }));
    expect(img.width).toBe(28);
  }, 240_000);

  it('cancels a run within about a second and saves nothing', async () => {
    app = createTestApp();
    seedMedMnist(app, { perClassPerSplit: 60 });
    let firstBatch: () => void = () => {};
    const started = new Promise<void>((r) => (firstBatch = r));
    app.core.events.subscribe((name, p) => {
      if (name === 'ml:progress' && (p as TrainingProgress).kind === 'batch') firstBatch();
    });
    const run = value<TrainingRun>(await callAs(app, 'ml:train', { labelSet: 'pneumoniamnist', architecture: 'seed-cnn', epochs: 50, batchSize: 8 }));
    expect(run.state).toBe('running');
    await started;
    const t0 = Date.now();
    const cancelled = value<TrainingRun>(await callAs(app, 'ml:cancel', { runId: run.runId }));
    expect(cancelled.state).toBe('cancelled');
    expect(Date.now() - t0).toBeLessThan(1500);
    expect(value<unknown[]>(await callAs(app, 'ml:versions', {}))).toEqual([]);
  }, 120_000);
});
