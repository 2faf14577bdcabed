/**
 * Test-only: a test app with real MedMNIST images of two patients, a registered model version
 * (no training: its metrics are given) and diagnoses stored as the diagnosis path stores them,
 * in or out of the model's scope, so the review and the actions on a reviewed finding can be
 * tested quickly through the real channels. Never used by the app.
 */
import { createTestApp } from '../app/testing';
import type { App } from '../app/createApp';
import { newId } from '../core/ids';
import type { Actor } from '../../shared/domain/actor';
import type { Applicability, ClassMetrics, HyperParameters, ModelMetrics, OodScore, SplitSummary } from '../../shared/domain/ml';
import { insertDiagnosis, insertVersion } from './mlRepository';
import { seedMedMnist, type SeededImage } from './testData';

export const CLINICIAN: Actor = { id: 'u-carol', username: 'carol', role: 'clinician' };
export const REVIEWER: Actor = { id: 'u-rita', username: 'rita', role: 'reviewer' };
export const ADMIN: Actor = { id: 'u-adam', username: 'adam', role: 'admin' };

export const IN_SCOPE: Applicability = { inScope: true, reasons: [] };
export const NOT_FLAGGED: OodScore = { score: 0.2, threshold: 1, flagged: false, method: 'test' };

export const HYPER: HyperParameters = { epochs: 1, batchSize: 32, learningRate: 0.001, optimizer: 'adam', inputSize: 28, channels: 1, augment: { horizontalFlip: true, maxShift: 2 }, earlyStoppingPatience: 4, seed: 42 };
export const SPLIT: SplitSummary = { mode: 'predefined', seed: 42, counts: { train: 4, val: 4, test: 100 }, classCounts: { train: {}, val: {}, test: {} }, subjects: { train: 4, val: 4, test: 100 } };

/** Test metrics of a normal / pneumonia model with the given recall per class (0.9 otherwise), 50 test images each. */
export function testMetrics(recall: Record<string, number>): ModelMetrics {
  const perClass: ClassMetrics[] = ['normal', 'pneumonia'].map((className) => ({ className, precision: 0.9, recall: recall[className] ?? 0.9, f1: 0.9, support: 50 }));
  return {
    test: { n: 100, accuracy: 0.85, perClass, confusion: [[45, 5], [10, 40]], rocAuc: 0.9, ece: 0.05, eceBeforeScaling: 0.06, reliability: [] },
    temperature: 1,
    subgroups: [],
    missingAttributes: [],
    history: [],
    bestEpoch: 1,
  };
}

export interface FindingsFixture {
  app: App & { dataDir: string };
  images: SeededImage[];
  /** An image of a patient (MRN0). */
  image: SeededImage;
  /** A model version on the seeded set with the given per-class recall. */
  addVersion(recall: Record<string, number>, options?: { active?: boolean }): string;
  /** A stored, unreviewed diagnosis of the image by the version. */
  addDiagnosis(options?: { imageId?: string; versionId?: string; predictedClass?: string; applicability?: Applicability; ood?: OodScore }): string;
}

export function findingsFixture(): FindingsFixture {
  const app = createTestApp();
  const images = seedMedMnist(app, { perClassPerSplit: 2, patients: 2 });
  const db = app.core.db;
  let versions = 0;
  let lastVersion = '';
  const addVersion: FindingsFixture['addVersion'] = (recall, options = {}) => {
    const id = newId();
    versions++;
    insertVersion(db, {
      id,
      version: versions,
      labelSetId: 'set-pneumoniamnist',
      architecture: 'default',
      classes: ['normal', 'pneumonia'],
      hyperParameters: HYPER,
      split: SPLIT,
      backend: 'wasm',
      durationSeconds: 1,
      createdAt: '2026-01-01T00:00:00.000Z',
      createdBy: 'test',
      active: options.active ?? false,
      status: 'complete',
      metrics: testMetrics(recall),
      temperature: 1,
      artifactsDir: id,
    });
    lastVersion = id;
    return id;
  };
  const image = images.find((i) => i.patientId !== null)!;
  const addDiagnosis: FindingsFixture['addDiagnosis'] = (options = {}) => {
    const id = newId();
    const predictedClass = options.predictedClass ?? 'pneumonia';
    insertDiagnosis(db, {
      id,
      imageId: options.imageId ?? image.id,
      modelVersionId: options.versionId ?? lastVersion,
      modelVersion: 1,
      classes: ['normal', 'pneumonia'],
      probabilities: predictedClass === 'pneumonia' ? [0.1, 0.9] : [0.9, 0.1],
      predictedClass,
      confidence: 0.9,
      threshold: 0.8,
      uncertain: false,
      applicability: options.applicability ?? IN_SCOPE,
      ood: options.ood ?? NOT_FLAGGED,
      heatmap: { width: 2, height: 2, values: [0, 0.5, 1, 0.2] },
      createdAt: '2026-01-02T09:00:00.000Z',
      createdBy: 'carol',
      review: null,
    });
    return id;
  };
  return { app, images, image, addVersion, addDiagnosis };
}

