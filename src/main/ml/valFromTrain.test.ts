import { afterEach, describe, expect, it } from 'vitest';
import { createTestApp } from '../app/testing';
import type { App } from '../app/createApp';
import type { SplitName } from '../../shared/domain/ml';
import type { LabelledImage } from './dataset';
import { assignSplits, carveValidation, VAL_FROM_TRAIN_FRACTION } from './splits';
import { planTraining, proposeForLabelSet } from './trainingPlan';
import { seedMedMnist } from './testData';

const image = (n: number, className: string, split: SplitName, subject?: string): LabelledImage => ({
  imageId: `img-${String(n).padStart(4, '0')}`,
  sha256: `${n}`,
  className,
  subject: subject ?? `image:${n}`,
  predefinedSplit: split,
  sex: null,
  ageBand: null,
  modality: null,
  manufacturer: null,
});

/** 200 train images (150 a, 50 b) and 40 test images, no validation. */
function noValidation(): LabelledImage[] {
  const out: LabelledImage[] = [];
  for (let n = 0; n < 240; n++) out.push(image(n, n < 150 || (n >= 200 && n < 220) ? 'a' : 'b', n < 200 ? 'train' : 'test'));
  return out;
}

describe('validation carved from train (predefined split without validation)', () => {
  it('is stratified, seeded (same images twice), and never touches test', () => {
    const images = noValidation();
    const first = assignSplits(images, 'predefined', 42);
    const carve = carveValidation(images, first, 42)!;
    expect(carve.fraction).toBe(VAL_FROM_TRAIN_FRACTION);
    // 10 % of each class's training subjects: 15 of 150 a, 5 of 50 b.
    expect(carve.classCounts).toEqual({ a: 15, b: 5 });
    expect(carve.imageIds).toHaveLength(20);
    for (const id of carve.imageIds) expect(first.get(id)).toBe('val');
    const val = images.filter((i) => first.get(i.imageId) === 'val');
    expect(val.every((i) => i.predefinedSplit === 'train')).toBe(true);
    expect(images.filter((i) => first.get(i.imageId) === 'test')).toHaveLength(40);
    // Same seed, same images; another seed, others.
    const again = assignSplits(images, 'predefined', 42);
    expect(carveValidation(images, again, 42)!.imageIds).toEqual(carve.imageIds);
    const other = assignSplits(images, 'predefined', 7);
    expect(carveValidation(images, other, 7)!.imageIds).not.toEqual(carve.imageIds);
  });

  it('moves whole subjects, and does nothing when validation exists or train/test is missing', () => {
    const images = noValidation().map((i, n) => ({ ...i, subject: i.predefinedSplit === 'train' ? `patient:${n >> 1}` : i.subject }));
    const splits = assignSplits(images, 'predefined', 1);
    carveValidation(images, splits, 1);
    const sideOf = new Map<string, SplitName>();
    for (const i of images) {
      const s = splits.get(i.imageId)!;
      if (sideOf.has(i.subject)) expect(sideOf.get(i.subject)).toBe(s);
      sideOf.set(i.subject, s);
    }
    const withVal = [...noValidation(), image(999, 'a', 'val')];
    expect(carveValidation(withVal, assignSplits(withVal, 'predefined', 1), 1)).toBeNull();
    const noTest = noValidation().filter((i) => i.predefinedSplit === 'train');
    expect(carveValidation(noTest, assignSplits(noTest, 'predefined', 1), 1)).toBeNull();
  });
});

let app: (App & { dataDir: string }) | null = null;
afterEach(async () => {
  await app?.close();
  app = null;
});

describe('planTraining with a predefined split that has no validation images', () => {
  it('carves validation from train instead of refusing, and records which images', () => {
    app = createTestApp();
    seedMedMnist(app, { perClassPerSplit: 20 });
    // Make it a train + test set: the validation images become training images.
    app.core.db.prepare("UPDATE images SET predefined_split = 'train' WHERE predefined_split = 'val'").run();
    const plan = planTraining(app.core, { labelSet: 'pneumoniamnist', split: 'predefined' });
    expect(plan.summary.counts).toEqual({ train: 72, val: 8, test: 40 });
    const carve = plan.summary.valFromTrain!;
    expect(carve.classCounts).toEqual({ normal: 4, pneumonia: 4 });
    expect(carve.imageIds.every((id) => plan.splits.get(id) === 'val')).toBe(true);
    // Test is the predefined test split, untouched.
    expect(plan.images.filter((i) => plan.splits.get(i.imageId) === 'test').every((i) => i.predefinedSplit === 'test')).toBe(true);
    expect(planTraining(app.core, { labelSet: 'pneumoniamnist', split: 'predefined' }).summary.valFromTrain!.imageIds).toEqual(carve.imageIds);
    // A set with its own validation split is left alone.
    app.core.db.prepare("UPDATE images SET predefined_split = 'val' WHERE id IN (SELECT id FROM images WHERE predefined_split = 'train' LIMIT 10)").run();
    expect(planTraining(app.core, { labelSet: 'pneumoniamnist', split: 'predefined' }).summary.valFromTrain).toBeUndefined();
  });

  it('records the proposal with letterboxing; explicit size and channels win and say so', () => {
    app = createTestApp();
    seedMedMnist(app, { perClassPerSplit: 10 });
    const proposal = proposeForLabelSet(app.core, { labelSet: 'pneumoniamnist' });
    expect([proposal.inputSize, proposal.channels, proposal.images]).toEqual([28, 1, 60]);
    const plan = planTraining(app.core, { labelSet: 'pneumoniamnist' });
    expect([plan.hyper.inputSize, plan.hyper.channels]).toEqual([28, 1]);
    expect(plan.hyper.input).toMatchObject({ resize: 'letterbox', source: 'proposed', proposal: { inputSize: 28, channels: 1 } });
    const chosen = planTraining(app.core, { labelSet: 'pneumoniamnist', inputSize: 64, channels: 3 });
    expect([chosen.hyper.inputSize, chosen.hyper.channels, chosen.hyper.input!.source, chosen.hyper.input!.proposal!.inputSize]).toEqual([64, 3, 'chosen', 28]);
  });
});
