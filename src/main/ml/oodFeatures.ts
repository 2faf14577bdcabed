/**
 * The tfjs half of OOD scoring (ood.ts holds the maths), run in the ml worker: the features
 * the score is computed on, fitting the statistics after training, and scoring new images.
 * Features are globally average-pooled feature maps: of every ReLU convolutional stage,
 * concatenated (`all`, what new versions use: 224 features for `default`, 96 for
 * `seed-cnn`), or of the last stage only (`last`: for `default` exactly the penultimate
 * layer). Early stages describe texture and intensity, which is where other modalities and
 * photographs differ most; bench/ood.ts measures both. The same layers exist in the trained
 * model and in the batch-norm-folded one that diagnoses (the same values up to rounding).
 */
import fs from 'node:fs';
import path from 'node:path';
import type * as TfNs from '@tensorflow/tfjs';
import { lastFeatureMapLayer } from './models';
import { fitMahalanobis, mahalanobisScores, type OodStats } from './ood';

type Tf = typeof TfNs;

/** Which feature maps are pooled: the last convolutional stage only, or every ReLU stage. */
export type OodFeatureSet = 'last' | 'all';
export const OOD_FEATURE_NAMES: Record<OodFeatureSet, string> = {
  last: 'global-average-pooled last convolutional feature map',
  all: 'global-average-pooled output of every ReLU convolutional stage, concatenated',
};
export const METHOD_NAMES: Record<OodFeatureSet, string> = {
  last: 'Mahalanobis distance (Lee et al. 2018) on the pooled last convolutional features',
  all: 'Mahalanobis distance (Lee et al. 2018) on the pooled features of every convolutional stage',
};
const FILE = 'ood.json';

/**
 * The layers whose outputs are pooled. `all`: every layer whose output is a ReLU'd feature
 * map — a ReLU layer (the trained model) or a convolution with a fused ReLU (the folded
 * one) — so both models give the same stages in the same order.
 */
export function featureLayers(model: TfNs.LayersModel, set: OodFeatureSet): number[] {
  if (set === 'last') return [lastFeatureMapLayer(model as TfNs.Sequential)];
  const out: number[] = [];
  model.layers.forEach((l, i) => {
    const shape = l.outputShape as number[];
    if (shape.length !== 4) return;
    const cls = l.getClassName();
    const relu = cls === 'ReLU' || ((cls === 'Conv2D' || cls === 'Activation') && (l.getConfig() as { activation?: string }).activation === 'relu');
    if (relu) out.push(i);
  });
  return out.length ? out : [lastFeatureMapLayer(model as TfNs.Sequential)];
}

/** The pooled features of images already in pixels (N x size x size x ch), n x dim row-major. */
export function featuresOf(tf: Tf, model: TfNs.LayersModel, pixels: { subarray(begin: number, end: number): Float32Array }, idx: number[], size: number, ch: number, set: OodFeatureSet = 'last', batch = 256): { data: Float32Array; dim: number } {
  const layers = model.layers;
  const taps = featureLayers(model, set);
  const last = taps.at(-1)!;
  const dim = taps.reduce((d, k) => d + (layers[k]!.outputShape as number[])[3]!, 0);
  const per = size * size * ch;
  const out = new Float32Array(idx.length * dim);
  for (let i = 0; i < idx.length; i += batch) {
    const part = idx.slice(i, i + batch);
    const buf = new Float32Array(part.length * per);
    part.forEach((n, j) => buf.set(pixels.subarray(n * per, (n + 1) * per), j * per));
    const f = tf.tidy(() => {
      let a: TfNs.Tensor = tf.tensor4d(buf, [part.length, size, size, ch]);
      const pooled: TfNs.Tensor[] = [];
      for (let l = 0; l <= last; l++) {
        a = layers[l]!.apply(a, { training: false }) as TfNs.Tensor;
        if (taps.includes(l)) pooled.push(tf.mean(a, [1, 2]));
      }
      return pooled.length === 1 ? pooled[0]! : tf.concat(pooled, 1);
    });
    out.set(f.dataSync(), i * dim);
    f.dispose();
  }
  return { data: out, dim };
}

const setOf = (stats: OodStats): OodFeatureSet => (stats.features === OOD_FEATURE_NAMES.all ? 'all' : 'last');

/** The features new versions use (docs/ml.md has what each gave on the benchmark). */
export const OOD_FEATURE_SET: OodFeatureSet = 'all';

/**
 * After training: the statistics from the training split's features, saved beside the
 * model, and the validation and test splits' scores (the threshold is fitted on validation
 * by the main thread; test says how often the model's own held-out images are flagged).
 */
export function fitOod(
  tf: Tf,
  model: TfNs.LayersModel,
  pixels: Float32Array,
  split: { train: number[]; val: number[]; test: number[] },
  labels: number[],
  classes: number,
  size: number,
  ch: number,
  set: OodFeatureSet = OOD_FEATURE_SET,
): { stats: OodStats; valScores: number[]; testScores: number[] } {
  const train = featuresOf(tf, model, pixels, split.train, size, ch, set);
  const stats = fitMahalanobis(train.data, split.train.length, train.dim, split.train.map((i) => labels[i]!), classes, METHOD_NAMES[set], OOD_FEATURE_NAMES[set]);
  const scoresOf = (idx: number[]) => mahalanobisScores(stats, featuresOf(tf, model, pixels, idx, size, ch, set).data, idx.length);
  return { stats, valScores: scoresOf(split.val), testScores: scoresOf(split.test) };
}

export function saveOodStats(dir: string, stats: OodStats): void {
  fs.writeFileSync(path.join(dir, FILE), JSON.stringify(stats));
}

/** A saved model's OOD statistics; null for models saved before OOD scoring. */
export function loadOodStats(dir: string): OodStats | null {
  const file = path.join(dir, FILE);
  return fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, 'utf8')) as OodStats) : null;
}

/** Scores for `n` images in pixels; null for each when the model has no statistics. */
export function oodScores(tf: Tf, model: TfNs.LayersModel, stats: OodStats | null, pixels: Float32Array, n: number, size: number, ch: number): (number | null)[] {
  if (!stats) return new Array<null>(n).fill(null);
  const f = featuresOf(tf, model, pixels, [...Array(n).keys()], size, ch, setOf(stats));
  if (f.dim !== stats.dim) throw new Error(`the OOD statistics have ${stats.dim} features but the model gives ${f.dim}`);
  return mahalanobisScores(stats, f.data, n);
}
