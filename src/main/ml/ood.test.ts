import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { callAs, createTestApp, SHARED_DATA, value } from '../app/testing';
import type { App } from '../app/createApp';
import type { Diagnosis, IntendedUse, ModelVersion, TrainingRun } from '../../shared/domain/ml';
import type { FilePrediction } from '../../shared/ipc/ml';
import { assessApplicability } from './applicability';
import type { ImageTraits } from './imageTraits';
import { intendedUseOf } from './intendedUse';
import { intendedUseText } from '../../shared/domain/ml';
import { rocAuc } from './metrics';
import { calibrateOod, fitMahalanobis, invertSpd, mahalanobisScores, OOD_NOT_AVAILABLE, oodScoreOf, percentile } from './ood';
import { seedMedMnist } from './testData';
import * as tf from '@tensorflow/tfjs';
import { buildModel, foldForInference } from './models';
import { featureLayers, featuresOf } from './oodFeatures';

let app: (App & { dataDir: string }) | null = null;
afterEach(async () => {
  await app?.close();
  app = null;
});

describe('Mahalanobis OOD maths', () => {
  it('inverts a symmetric positive-definite matrix', () => {
    const a = [4, 1, 0.5, 1, 3, 0.2, 0.5, 0.2, 2];
    const inv = invertSpd(a, 3);
    for (let i = 0; i < 3; i++) {
      for (let j = 0; j < 3; j++) {
        let s = 0;
        for (let k = 0; k < 3; k++) s += a[i * 3 + k]! * inv[k * 3 + j]!;
        expect(s).toBeCloseTo(i === j ? 1 : 0, 10);
      }
    }
  });

  it('scores the squared distance to the nearest class mean under the shared covariance', () => {
    // Two classes in 2-D: class 0 around (0, 0), class 1 around (10, 0); spread 1 along x, 2 along y.
    const pts: number[] = [];
    const labels: number[] = [];
    for (const [cx, c] of [
      [0, 0],
      [10, 1],
    ] as const) {
      for (const [dx, dy] of [
        [1, 0],
        [-1, 0],
        [0, 2],
        [0, -2],
      ] as const) {
        pts.push(cx + dx, dy);
        labels.push(c);
      }
    }
    const stats = fitMahalanobis(pts, 8, 2, labels, 2, 'm', 'f', { shrinkage: 'none' });
    expect(stats.means).toEqual([
      [0, 0],
      [10, 0],
    ]);
    // Covariance diag(0.5, 2): (1, 0) is at 1 / 0.5 = 2, (0, 2) at 4 / 2 = 2, (5, 0) at 25 / 0.5 = 50, (10, 4) at 16 / 2 = 8.
    const s = mahalanobisScores(stats, [1, 0, 0, 2, 5, 0, 10, 4, 0, 0], 5);
    expect(s[0]).toBeCloseTo(2, 4);
    expect(s[1]).toBeCloseTo(2, 4);
    expect(s[2]).toBeCloseTo(50, 3);
    expect(s[3]).toBeCloseTo(8, 4);
    expect(s[4]).toBeCloseTo(0, 6);
  });

  it('shrinks the covariance (Ledoit-Wolf) so fewer images than features still give a finite, sensible precision', () => {
    // 5 points in 8 dimensions: the plain covariance is singular.
    const dim = 8;
    const pts = Array.from({ length: 5 * dim }, (_, i) => Math.sin(i * 1.7) * (1 + (i % dim)));
    const stats = fitMahalanobis(pts, 5, dim, [0, 0, 0, 0, 0], 1, 'm', 'f');
    expect(stats.shrinkage).toBeGreaterThan(0);
    expect(stats.shrinkage).toBeLessThanOrEqual(1);
    expect(stats.precision.every(Number.isFinite)).toBe(true);
    const [atMean, away] = mahalanobisScores(stats, [...stats.means[0]!, ...stats.means[0]!.map((m) => m + 10)], 2);
    expect(atMean).toBeCloseTo(0, 8);
    expect(away).toBeGreaterThan(0);
    // Many images whose two features differ in spread (the identity is a poor target): almost no shrinkage.
    const frac = (x: number) => x - Math.floor(x);
    const many = Array.from({ length: 2000 * 2 }, (_, i) => frac(Math.sin(i * 12.9898) * 43758.5453) * (i % 2 ? 10 : 1));
    expect(fitMahalanobis(many, 2000, 2, new Array<number>(2000).fill(0), 1, 'm', 'f').shrinkage).toBeLessThan(0.05);
  });

  it('fits the threshold at the 95th percentile of validation and reports the test false-alarm rate', () => {
    const val = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(val, 95)).toBe(95);
    const cal = calibrateOod('m', val, [10, 50, 96, 200])!;
    expect(cal).toMatchObject({ threshold: 95, percentile: 95, validationImages: 100, testFlaggedRate: 0.5 });
    expect(oodScoreOf(cal, 96)).toEqual({ score: 96, threshold: 95, flagged: true, method: 'm' });
    expect(oodScoreOf(cal, 95).flagged).toBe(false);
    expect(oodScoreOf(cal, Number.NaN).flagged).toBe(true);
    // A version saved before OOD scoring: said so, never flagged.
    expect(oodScoreOf(null, 1e9)).toEqual({ score: 0, threshold: 0, flagged: false, method: OOD_NOT_AVAILABLE });
    expect(calibrateOod('m', [], [])).toBeNull();
  });
});

const png = (w = 28, h = 28): ImageTraits => ({ format: 'png', modality: null, bodyPart: null, photometric: null, colour: 'grey', width: w, height: h });

describe('OOD features', () => {
  it.each(['default', 'seed-cnn'] as const)('%s: the trained model and the folded one that diagnoses give the same pooled features', async (arch) => {
    await tf.setBackend('cpu');
    const model = buildModel(tf, arch, { size: 28, channels: 1, classes: 2 });
    model.setWeights(model.getWeights().map((w, i) => tf.randomNormal(w.shape, i % 4 === 3 ? 1 : 0, 0.3, 'float32', 7 + i).abs()));
    const folded = await foldForInference(tf, model);
    expect(featureLayers(model, 'all').length).toBe(arch === 'default' ? 6 : 2);
    expect(featureLayers(folded, 'all').length).toBe(featureLayers(model, 'all').length);
    const pixels = new Float32Array(3 * 784).map((_, i) => (i % 89) / 89);
    for (const set of ['all', 'last'] as const) {
      const a = featuresOf(tf, model, pixels, [0, 1, 2], 28, 1, set);
      const b = featuresOf(tf, folded, pixels, [0, 1, 2], 28, 1, set);
      expect(a.dim).toBe(set === 'last' ? 64 : arch === 'default' ? 224 : 96);
      expect(b.dim).toBe(a.dim);
      const scale = Math.max(...a.data.map(Math.abs));
      expect(scale).toBeGreaterThan(0);
      expect(Math.max(...a.data.map((v, i) => Math.abs(v - b.data[i]!))) / scale).toBeLessThan(1e-4);
    }
    if (folded !== model) folded.dispose();
    model.dispose();
  });
});

describe('intended use and applicability', () => {
  const set = { id: 's', name: 'breast', classes: ['malignant', 'normal_or_benign'] };
  const pngUse = intendedUseOf([png(), png()], set)!;

  it('records what the training images were, PNG without a modality said honestly', () => {
    expect(pngUse).toMatchObject({ images: 2, modalities: [], imagesWithoutModality: 2, bodyParts: [], colour: ['grey'], formats: ['png'], size: { minWidth: 28, maxWidth: 28, minHeight: 28, maxHeight: 28 }, classes: set.classes });
    expect(intendedUseText(pngUse)).toMatch(/Modality: none recorded \(PNG\)/);
    expect(intendedUseText(null)).toMatch(/not recorded/);
    expect(intendedUseOf([], set)).toBeNull();
  });

  it('puts a DICOM CR out of scope of a PNG-trained model (the tester\'s case) and says why in plain words', () => {
    const cr: ImageTraits = { format: 'dicom', modality: 'CR', bodyPart: 'CHEST', photometric: 'MONOCHROME1', colour: 'grey', width: 440, height: 440 };
    const a = assessApplicability(pngUse, cr);
    expect(a.inScope).toBe(false);
    expect(a.reasons[0]).toBe('The model was trained on PNG images without a modality; this image is a DICOM CR.');
    expect(a.reasons.some((r) => /28 x 28 pixels; this one is 440 x 440/.test(r))).toBe(true);
    expect(assessApplicability(pngUse, png()).inScope).toBe(true);
    expect(assessApplicability(pngUse, png()).reasons).toEqual([]);
  });

  it('colour, another body part and another modality are out of scope; CR for DX, photometric and size are only noted', () => {
    const dx: ImageTraits = { format: 'dicom', modality: 'DX', bodyPart: 'CHEST', photometric: 'MONOCHROME2', colour: 'grey', width: 2000, height: 2500 };
    const use: IntendedUse = intendedUseOf([dx, { ...dx, width: 1800 }], set)!;
    expect(assessApplicability(use, { ...png(), colour: 'colour' }).reasons).toContain('The model was trained on grey images; this one is colour.');
    const cr = assessApplicability(use, { ...dx, modality: 'CR', photometric: 'MONOCHROME1', width: 500 });
    expect(cr.inScope).toBe(true);
    expect(cr.reasons.join(' ')).toMatch(/this image is CR \(also projection radiography\).*MONOCHROME1/);
    const ct = assessApplicability(use, { ...dx, modality: 'CT' });
    expect(ct).toEqual({
      inScope: false,
      reasons: ['The model was trained on DX images; this image is a DICOM CT.'],
      // The same reason as a key and parameters, for the renderer to word in the user's language.
      notes: [{ key: 'modalityOther', params: { format: 'DICOM', modality: 'CT' }, lists: { trainedModalities: ['DX'], trainedFormats: [] } }],
    });
    expect(cr.notes?.map((n) => n.key)).toEqual(cr.reasons.map(() => expect.any(String)));
    expect(cr.notes?.[0]).toMatchObject({ key: 'modalityNear', params: { modality: 'CR' }, lists: { trained: ['DX'] } });
    expect(assessApplicability(use, { ...dx, bodyPart: 'ABDOMEN' }).reasons).toEqual(['The model was trained on images of the CHEST; this image is of the ABDOMEN.']);
    expect(assessApplicability(use, png(1900, 2200)).inScope).toBe(false);
  });
});

describe('OOD score of a trained model (end to end through the app)', () => {
  it('separates the model\'s own test images from BreastMNIST (AUROC well above 0.5), flags a CT, records intended use and OOD calibration', async () => {
    app = createTestApp();
    const seeded = seedMedMnist(app, { perClassPerSplit: 60 });
    const run = value<TrainingRun>(await callAs(app, 'ml:train', { labelSet: 'pneumoniamnist', epochs: 3, split: 'predefined', wait: true }));
    const v = value<ModelVersion>(await callAs(app, 'ml:version', { id: run.modelVersionId }));
    expect(v.intendedUse).toMatchObject({ images: 120, modalities: [], imagesWithoutModality: 120, colour: ['grey'], formats: ['png'], classes: ['normal', 'pneumonia'] });
    expect(v.ood).toMatchObject({ percentile: 95, validationImages: 120 });
    expect(v.ood!.method).toMatch(/Mahalanobis/);
    value(await callAs(app, 'ml:activate', { id: v.id, reason: 'unit test of OOD scoring' }));

    const own = seeded.filter((s) => s.split === 'test').map((s) => app!.core.db.prepare('SELECT original_path FROM images WHERE id = ?').pluck().get(s.id) as string);
    const breastRoot = path.join(SHARED_DATA, 'images', 'breastmnist');
    const breast = fs
      .readFileSync(path.join(breastRoot, 'labels.csv'), 'utf8')
      .trim()
      .split(/\r?\n/)
      .slice(1)
      .filter((l) => l.includes(',test,'))
      .slice(0, 120)
      .map((l) => path.join(breastRoot, l.split(',')[0]!));
    const scoreOf = async (file: string) => value<FilePrediction>(await callAs(app!, 'ml:predictFile', { path: file }));
    const ownP = await Promise.all(own.map(scoreOf));
    const breastP = await Promise.all(breast.map(scoreOf));
    const all = [...ownP, ...breastP];
    expect(all.every((p) => p.ood.method === v.ood!.method && p.ood.threshold === v.ood!.threshold && p.applicability.inScope)).toBe(true);
    const auroc = rocAuc(
      all.map((p) => p.ood.score),
      all.map((_, i) => i >= ownP.length),
    )!;
    // A constant score gives 0.5 exactly; the score separates these sets almost perfectly (bench/ood.ts).
    expect(auroc).toBeGreaterThan(0.85);
    expect(breastP.filter((p) => p.ood.flagged).length / breastP.length).toBeGreaterThan(0.5);

    const ct = await scoreOf(path.join(SHARED_DATA, 'dicom', 'ivmartel_dwv', 'gdcm-CT-MONO2-8-abdo.dcm'));
    expect(ct.applicability.inScope).toBe(false);
    expect(ct.applicability.reasons[0]).toBe('The model was trained on PNG images without a modality; this image is a DICOM CT.');
    expect(ct.ood.flagged).toBe(true);

    // Stored diagnoses keep what was checked.
    const [d] = value<Diagnosis[]>(await callAs(app, 'ml:diagnose', { imageId: seeded[0]!.id }));
    const [stored] = value<Diagnosis[]>(await callAs(app, 'ml:diagnoses', { imageId: seeded[0]!.id }));
    expect(stored!.ood).toEqual(d!.ood);
    expect(stored!.applicability).toEqual(d!.applicability);
  }, 120_000);
});
