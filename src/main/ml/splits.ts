/**
 * The train / validation / test split of a training data set: by patient (no patient's
 * images on two sides), stratified by class, seeded; or the split recorded at import.
 */
import { AppError } from '../../shared/ipc/envelope';
import { seededRandom } from '../../shared/random';
import type { SplitMode, SplitName, SplitSummary } from '../../shared/domain/ml';
import type { ValidationCarve } from '../../shared/domain/mlInput';
import type { LabelledImage } from './dataset';

/** A seeded Fisher-Yates shuffle (a copy; the input is left as it is). */
export function shuffle<T>(items: T[], random: () => number): T[] {
  const a = [...items];
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a;
}

/** The share of subjects each side of a patient split gets, per class. */
export const SPLIT_FRACTIONS: Record<SplitName, number> = { train: 0.7, val: 0.15, test: 0.15 };

/**
 * Assigns every image a split. 'patient': subjects (patients; an image without a patient
 * is its own subject) are stratified by their majority class and shuffled with `seed`,
 * then dealt 70 / 15 / 15 per class, so one patient's images never sit on two sides.
 * 'predefined': the split recorded at import, which every image must have.
 */
export function assignSplits(images: LabelledImage[], mode: SplitMode, seed: number): Map<string, SplitName> {
  const out = new Map<string, SplitName>();
  if (mode === 'predefined') {
    const missing = images.filter((i) => !i.predefinedSplit);
    if (missing.length) {
      throw new AppError('VALIDATION', `${missing.length} of ${images.length} labelled images have no predefined split recorded at import; use the patient split instead.`, { key: 'errors.ml.labelledImagesHaveNo', params: { missingCount: missing.length, imagesCount: images.length } });
    }
    for (const i of images) out.set(i.imageId, i.predefinedSplit!);
    return out;
  }
  const { bySubject, byClass } = subjectsByClass(images);
  const random = seededRandom(seed);
  for (const cls of [...byClass.keys()].sort()) {
    const subjects = shuffle(byClass.get(cls)!, random);
    const n = subjects.length;
    let nTest = Math.round(n * SPLIT_FRACTIONS.test);
    let nVal = Math.round(n * SPLIT_FRACTIONS.val);
    // Keep at least one subject of each class in validation and test when there are three or more.
    if (n >= 3) {
      nTest = Math.max(1, nTest);
      nVal = Math.max(1, nVal);
    }
    subjects.forEach((s, idx) => {
      const split: SplitName = idx < nTest ? 'test' : idx < nTest + nVal ? 'val' : 'train';
      for (const i of bySubject.get(s)!) out.set(i.imageId, split);
    });
  }
  return out;
}

/** The share of training subjects carved into validation when a predefined split has none. */
export const VAL_FROM_TRAIN_FRACTION = 0.1;

/** Subjects grouped by their majority class (ties: the first class name), subjects and classes sorted. */
function subjectsByClass(images: LabelledImage[]): { bySubject: Map<string, LabelledImage[]>; byClass: Map<string, string[]> } {
  const bySubject = new Map<string, LabelledImage[]>();
  for (const i of images) bySubject.set(i.subject, [...(bySubject.get(i.subject) ?? []), i]);
  const byClass = new Map<string, string[]>();
  for (const [subject, imgs] of [...bySubject].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
    const counts = new Map<string, number>();
    for (const i of imgs) counts.set(i.className, (counts.get(i.className) ?? 0) + 1);
    const major = [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))[0]![0];
    byClass.set(major, [...(byClass.get(major) ?? []), subject]);
  }
  return { bySubject, byClass };
}

/**
 * When a predefined split has train and test images but no validation images: moves a
 * stratified, seeded `fraction` of the training subjects (at least one per class that has
 * two or more) to validation, in place. Test images are never touched. Returns what it moved
 * (null when there was nothing to do or nothing could be moved).
 */
export function carveValidation(images: LabelledImage[], splits: Map<string, SplitName>, seed: number, fraction = VAL_FROM_TRAIN_FRACTION): ValidationCarve | null {
  const sides = new Set(splits.values());
  if (sides.has('val') || !sides.has('train') || !sides.has('test')) return null;
  const train = images.filter((i) => splits.get(i.imageId) === 'train');
  const { bySubject, byClass } = subjectsByClass(train);
  // Its own stream, so the carve does not depend on anything drawn before it.
  const random = seededRandom(seed);
  const moved: LabelledImage[] = [];
  for (const cls of [...byClass.keys()].sort()) {
    const subjects = shuffle(byClass.get(cls)!, random);
    const take = subjects.length >= 2 ? Math.max(1, Math.round(subjects.length * fraction)) : 0;
    for (const s of subjects.slice(0, take)) moved.push(...bySubject.get(s)!);
  }
  if (!moved.length) return null;
  const classCounts: Record<string, number> = {};
  for (const i of moved) {
    splits.set(i.imageId, 'val');
    classCounts[i.className] = (classCounts[i.className] ?? 0) + 1;
  }
  return { fraction, seed, classCounts, imageIds: moved.map((i) => i.imageId).sort() };
}

/** Image, class and subject counts per side, as stored with a model version. */
export function summariseSplit(images: LabelledImage[], splits: Map<string, SplitName>, mode: SplitMode, seed: number, valFromTrain: ValidationCarve | null = null): SplitSummary {
  const counts: Record<SplitName, number> = { train: 0, val: 0, test: 0 };
  const classCounts: Record<SplitName, Record<string, number>> = { train: {}, val: {}, test: {} };
  const subjects: Record<SplitName, Set<string>> = { train: new Set(), val: new Set(), test: new Set() };
  for (const i of images) {
    const s = splits.get(i.imageId)!;
    counts[s]++;
    classCounts[s][i.className] = (classCounts[s][i.className] ?? 0) + 1;
    subjects[s].add(i.subject);
  }
  return { mode, seed, counts, classCounts, subjects: { train: subjects.train.size, val: subjects.val.size, test: subjects.test.size }, ...(valFromTrain ? { valFromTrain } : {}) };
}
