/**
 * The tfjs half of the ml feature: pixels to tensors, the training loop, evaluation
 * logits, saving and loading artifacts, prediction and Grad-CAM. It runs inside the ml
 * worker thread (worker.ts); benchmarks and tests call it directly.
 */
import fs from 'node:fs';
import { storeKeysFromHex } from '../core/fileCrypto';
import { readStoreFileAtAsync } from '../imaging/store';
import path from 'node:path';
import type * as TfNs from '@tensorflow/tfjs';
import { trainingShift, type Architecture, type EpochRecord, type HyperParameters, type TrainingProgress } from '../../shared/domain/ml';
import { resizeModeOf, type ResizeMode } from '../../shared/domain/mlInput';
import { writeModelInput } from './preprocess';
import { evalBatch, fitOodStreamed, HeldPixels, inChunks, streams, StreamedPixels, type PixelsLike } from './pixelSource';
import { Codecs } from '../imaging/codecs';
import { buildModel, lastFeatureMapLayer } from './models';
import { decodeWithTraits, type ImageTraits } from './imageTraits';
import { fitOod, saveOodStats } from './oodFeatures';
import { seededRandom } from '../../shared/random';
import { shuffle } from './splits';
import { applyForTraining } from './batchNorm';
import { makeAdam } from './wasm/fusedAdam';
import { applyFrozenBackbone, headVariables, startingModel, type FineTuneInit } from './fineTune';

type Tf = typeof TfNs;

export interface TrainItem {
  id: string;
  file: string;
  label: number;
  split: 'train' | 'val' | 'test';
}

export interface TrainSpec {
  runId: string;
  architecture: Architecture;
  classes: string[];
  hyper: HyperParameters;
  items: TrainItem[];
  /** Where model.json and weights.bin go. */
  outDir: string;
  /** The store key (hex): the items' files are the encrypted content store's. */
  storeKey?: string | null;
  /** Fine-tuning: start from a saved model's weights instead of a fresh model (fineTune.ts). */
  init?: FineTuneInit;
}

export interface TrainResult {
  cancelled: boolean;
  durationSeconds: number;
  history: EpochRecord[];
  bestEpoch: number;
  val: { ids: string[]; logits: number[][]; labels: number[] };
  test: { ids: string[]; logits: number[][]; labels: number[] };
  /** What kind of images the training split held (the version's intended use is made of them). */
  trainTraits: ImageTraits[];
  /** OOD scores of the validation and test splits (statistics saved beside the model); null when cancelled. */
  ood: { method: string; valScores: number[]; testScores: number[] } | null;
}

export type ProgressSink = (p: TrainingProgress) => void;

/**
 * Default hyper-parameters per architecture (the reference's for seed-cnn). `default` shifts
 * by up to 2 px per axis, PyTorch's RandomCrop(size, padding=2) at 28x28: the model
 * generalised poorly from the easy predefined validation split to the test split (normal
 * recall 0.67), and small translations are the other augmentation, besides flips, that keeps
 * a chest film plausible.
 */
export function defaultHyper(arch: Architecture, overrides: Partial<HyperParameters> = {}): HyperParameters {
  const base: HyperParameters =
    arch === 'seed-cnn'
      ? { epochs: 15, batchSize: 32, learningRate: 0.01, optimizer: 'sgd', momentum: 0.9, inputSize: 28, channels: 1, augment: { horizontalFlip: false, maxShift: 0 }, earlyStoppingPatience: 4, seed: 42 }
      : { epochs: 15, batchSize: 32, learningRate: 0.001, optimizer: 'adam', inputSize: 28, channels: 1, augment: { horizontalFlip: true, maxShift: 2 }, earlyStoppingPatience: 4, seed: 42 };
  return { ...base, ...overrides, augment: { ...base.augment, ...(overrides.augment ?? {}) } };
}

/**
 * Decodes image files to one Float32Array of N x size x size x channels in [0, 1]
 * (grey through the imaging feature's window; colour kept as RGB when channels is 3).
 * Each file's traits (format, modality, colour, size ...) are pushed to `traits` when given.
 */
export async function loadPixels(files: string[], size: number, channels: number, codecs = new Codecs(), traits?: ImageTraits[], storeKey: string | null = null, resizeMode: ResizeMode = 'stretch'): Promise<Float32Array> {
  const per = size * size * channels;
  const out = new Float32Array(files.length * per);
  // Files of the content store are encrypted: decrypted here, one at a time, in the worker.
  const keys = storeKeysFromHex(storeKey);
  for (let n = 0; n < files.length; n++) {
    const bytes = keys ? await readStoreFileAtAsync(keys, files[n]!) : fs.readFileSync(files[n]!);
    const { decoded, traits: t } = await decodeWithTraits(bytes, codecs);
    traits?.push(t);
    // Window, then resize (letterboxed or stretched), then / 255: preprocess.ts, shared with prediction.
    writeModelInput(decoded, size, channels, resizeMode, out, n * per);
  }
  return out;
}

function makeOptimizer(tf: Tf, h: HyperParameters): TfNs.Optimizer {
  return h.optimizer === 'sgd' ? tf.train.momentum(h.learningRate, h.momentum ?? 0.9) : makeAdam(tf, h.learningRate);
}

/**
 * Copies a batch out of the pixel array, mirroring some images left-right when asked and
 * shifting each by up to `shift` pixels per axis (zero fill, as PyTorch's padded crop).
 */
export function batchPixels(pixels: PixelsLike, idx: number[], size: number, ch: number, flip: boolean, random: () => number, shift = 0): Float32Array {
  const per = size * size * ch;
  const out = new Float32Array(idx.length * per);
  idx.forEach((n, b) => {
    const src = n * per;
    const dst = b * per;
    // One image at a time (a held array's view, or a streamed image from its cache).
    const img = pixels.subarray(src, src + per);
    const mirror = flip && random() < 0.5;
    const dx = shift > 0 ? Math.floor(random() * (2 * shift + 1)) - shift : 0;
    const dy = shift > 0 ? Math.floor(random() * (2 * shift + 1)) - shift : 0;
    if (!mirror && dx === 0 && dy === 0) {
      out.set(img, dst);
      return;
    }
    // Output pixel (y, x) reads input (y - dy, x' - dx), x' mirrored when asked; outside is 0.
    for (let y = 0; y < size; y++) {
      const sy = y - dy;
      if (sy < 0 || sy >= size) continue;
      for (let x = 0; x < size; x++) {
        const sx0 = x - dx;
        if (sx0 < 0 || sx0 >= size) continue;
        const sx = mirror ? size - 1 - sx0 : sx0;
        for (let c = 0; c < ch; c++) out[dst + (y * size + x) * ch + c] = img[(sy * size + sx) * ch + c]!;
      }
    }
  });
  return out;
}

/** Logits for many images, in batches (no gradients, BN in inference mode). */
export function logitsOf(tf: Tf, model: TfNs.LayersModel, pixels: PixelsLike, idx: number[], size: number, ch: number, batch = 256): number[][] {
  const out: number[][] = [];
  for (let i = 0; i < idx.length; i += batch) {
    const part = idx.slice(i, i + batch);
    const x = tf.tensor4d(batchPixels(pixels, part, size, ch, false, Math.random), [part.length, size, size, ch]);
    const y = model.predict(x, { batchSize: part.length }) as TfNs.Tensor;
    const data = y.dataSync();
    const k = y.shape[1]!;
    for (let r = 0; r < part.length; r++) out.push(Array.from(data.subarray(r * k, (r + 1) * k)));
    x.dispose();
    y.dispose();
  }
  return out;
}

function lossAndAcc(logits: number[][], labels: number[]): { loss: number; acc: number } {
  let loss = 0;
  let correct = 0;
  logits.forEach((l, i) => {
    const m = Math.max(...l);
    const lse = m + Math.log(l.reduce((s, v) => s + Math.exp(v - m), 0));
    loss += lse - l[labels[i]!]!;
    if (l.indexOf(m) === labels[i]) correct++;
  });
  return { loss: loss / Math.max(1, logits.length), acc: correct / Math.max(1, logits.length) };
}

const tick = () => new Promise<void>((r) => setImmediate(r));

/**
 * Trains one model. Checks `cancelled()` before every batch (and yields to the event loop
 * between batches, so a cancel message is seen within one batch). Early-stops when the
 * validation loss has not improved for `earlyStoppingPatience` epochs and keeps the best
 * epoch's weights. Saves the artifacts unless cancelled.
 */
export async function train(tf: Tf, spec: TrainSpec, emit: ProgressSink, cancelled: () => boolean): Promise<TrainResult> {
  const h = spec.hyper;
  const { inputSize: size, channels: ch } = h;
  const started = Date.now();
  // `message` stays English (CLI, logs); `note` is its key for the renderer (ml.progress.<key>).
  const status = (phase: TrainingProgress['phase'], message: string, note: TrainingProgress['note']) =>
    emit({ runId: spec.runId, phase, kind: 'status', epoch: 0, epochs: h.epochs, batch: 0, batches: 0, loss: null, acc: null, valLoss: null, valAcc: null, imagesPerSecond: null, etaSeconds: null, message, note });

  status('loading', `Reading ${spec.items.length} images`, { key: 'loading', params: { n: spec.items.length } });
  const traits: ImageTraits[] = [];
  // Held when the decoded inputs fit HELD_BYTES; else streamed through a bounded cache (pixelSource.ts).
  const files = spec.items.map((i) => i.file);
  const streamed = streams(files.length, size, ch) ? new StreamedPixels(files, size, ch, resizeModeOf(h), spec.storeKey ?? null, traits) : null;
  const pixels: PixelsLike = streamed ?? (await loadPixels(files, size, ch, new Codecs(), traits, spec.storeKey ?? null, resizeModeOf(h)));
  const evalLogits = async (idx: number[]) => (streamed ? inChunks(streamed, idx, (part) => logitsOf(tf, model, pixels, part, size, ch, evalBatch(size))) : logitsOf(tf, model, pixels, idx, size, ch, evalBatch(size)));
  const idxOf = (s: TrainItem['split']) => spec.items.map((it, i) => (it.split === s ? i : -1)).filter((i) => i >= 0);
  const trainIdx = idxOf('train');
  const valIdx = idxOf('val');
  const testIdx = idxOf('test');
  if (trainIdx.length === 0 || valIdx.length === 0 || testIdx.length === 0) throw new Error('the split left train, validation or test empty');
  const labels = spec.items.map((i) => i.label);
  const k = spec.classes.length;

  const random = seededRandom(h.seed);
  const shift = trainingShift(spec.architecture, h.augment);
  // tfjs draws initial weights from its own generator: seed it through the initialisers' global RNG.
  const model = spec.init ? await startingModel(tf, await loadModel(tf, spec.init.modelDir), spec.init, k) : buildModel(tf, spec.architecture, { size, channels: ch, classes: k });
  const optimizer = makeOptimizer(tf, h);
  // Fine-tuning: the frozen epochs train the head with an optimiser of their own (tfjs keeps Adam's moments by position in the variable list).
  const headOptimizer = spec.init?.freezeEpochs ? makeOptimizer(tf, h) : null;
  const history: EpochRecord[] = [];
  let best: { loss: number; epoch: number; weights: TfNs.Tensor[] } | null = null;
  let sinceBest = 0;
  const batches = Math.ceil(trainIdx.length / h.batchSize);
  const totalBatches = batches * h.epochs;
  let doneBatches = 0;
  const trainStart = Date.now();
  let lastEmit = 0;
  let wasCancelled = false;

  try {
    for (let epoch = 1; epoch <= h.epochs && !wasCancelled; epoch++) {
      const order = shuffle(trainIdx, random);
      const epochStart = Date.now();
      let lossSum = 0;
      let accSum = 0;
      let seen = 0;
      for (let b = 0; b < batches; b++) {
        await tick();
        if (cancelled()) {
          wasCancelled = true;
          break;
        }
        const part = order.slice(b * h.batchSize, (b + 1) * h.batchSize);
        if (streamed) await streamed.ensure(part);
        const xs = tf.tensor4d(batchPixels(pixels, part, size, ch, h.augment.horizontalFlip, random, shift), [part.length, size, size, ch]);
        const ys = tf.tidy(() => tf.oneHot(tf.tensor1d(part.map((i) => labels[i]!), 'int32'), k));
        // Fine-tuning: only the head trains in the first `freezeEpochs` epochs (fineTune.ts).
        const frozen = epoch <= (spec.init?.freezeEpochs ?? 0);
        let accT: TfNs.Scalar | null = null;
        const lossT = (frozen ? headOptimizer! : optimizer).minimize(() => {
          const logits = frozen ? applyFrozenBackbone(model, xs) : applyForTraining(tf, model, xs);
          accT = tf.keep(tf.mean(tf.cast(tf.equal(tf.argMax(logits, 1), tf.argMax(ys, 1)), 'float32')) as TfNs.Scalar);
          return tf.losses.softmaxCrossEntropy(ys, logits) as TfNs.Scalar;
        }, true, frozen ? headVariables(model) : undefined)!;
        const loss = lossT.dataSync()[0]!;
        const acc = (accT as TfNs.Scalar | null)?.dataSync()[0] ?? 0;
        lossT.dispose();
        (accT as TfNs.Scalar | null)?.dispose();
        xs.dispose();
        ys.dispose();
        lossSum += loss * part.length;
        accSum += acc * part.length;
        seen += part.length;
        doneBatches++;
        const now = Date.now();
        if (now - lastEmit > 200 || b === batches - 1) {
          lastEmit = now;
          const perBatch = (now - trainStart) / doneBatches;
          emit({
            runId: spec.runId,
            phase: 'training',
            kind: 'batch',
            epoch,
            epochs: h.epochs,
            batch: b + 1,
            batches,
            loss: lossSum / seen,
            acc: accSum / seen,
            valLoss: history.at(-1)?.valLoss ?? null,
            valAcc: history.at(-1)?.valAcc ?? null,
            imagesPerSecond: (seen * 1000) / Math.max(1, now - epochStart),
            etaSeconds: ((totalBatches - doneBatches) * perBatch) / 1000,
          });
        }
      }
      if (wasCancelled) break;
      const seconds = (Date.now() - epochStart) / 1000;
      const val = lossAndAcc(await evalLogits(valIdx), valIdx.map((i) => labels[i]!));
      const rec: EpochRecord = { epoch, loss: lossSum / seen, acc: accSum / seen, valLoss: val.loss, valAcc: val.acc, imagesPerSecond: seen / seconds, seconds };
      history.push(rec);
      if (!best || val.loss < best.loss) {
        best?.weights.forEach((w) => w.dispose());
        best = { loss: val.loss, epoch, weights: model.getWeights().map((w) => w.clone()) };
        sinceBest = 0;
      } else sinceBest++;
      const perBatch = (Date.now() - trainStart) / doneBatches;
      const stopping = sinceBest >= h.earlyStoppingPatience;
      emit({
        runId: spec.runId,
        phase: 'training',
        kind: 'epoch',
        epoch,
        epochs: h.epochs,
        batch: batches,
        batches,
        loss: rec.loss,
        acc: rec.acc,
        valLoss: rec.valLoss,
        valAcc: rec.valAcc,
        imagesPerSecond: rec.imagesPerSecond,
        etaSeconds: stopping ? 0 : ((totalBatches - doneBatches) * perBatch) / 1000,
        ...(stopping
          ? { message: `Stopped early: validation loss has not improved for ${sinceBest} epochs (best epoch ${best.epoch}).`, note: { key: 'stoppedEarly', params: { n: sinceBest, best: best.epoch } } }
          : {}),
      });
      if (stopping) break;
    }
    if (wasCancelled || !best) {
      const none = { ids: [], logits: [], labels: [] };
      return { cancelled: true, durationSeconds: (Date.now() - started) / 1000, history, bestEpoch: best?.epoch ?? 0, val: none, test: none, trainTraits: [], ood: null };
    }
    model.setWeights(best.weights);
    status('evaluating', `Evaluating the best epoch (${best.epoch}) on validation and test`, { key: 'evaluating', params: { epoch: best.epoch } });
    const valLogits = await evalLogits(valIdx);
    const testLogits = await evalLogits(testIdx);
    const oodSplit = { train: trainIdx, val: valIdx, test: testIdx };
    // Streamed, or held above 28 px: in chunks with a smaller inference batch (pixelSource.ts); else as before.
    const chunked = streamed ?? (evalBatch(size) < 256 ? new HeldPixels(pixels as Float32Array) : null);
    const ood = chunked ? await fitOodStreamed(tf, model, chunked, oodSplit, labels, k, size, ch) : fitOod(tf, model, pixels as Float32Array, oodSplit, labels, k, size, ch);
    status('saving', 'Saving the model', { key: 'saving' });
    await saveModel(tf, model, spec.outDir);
    saveOodStats(spec.outDir, ood.stats);
    return {
      cancelled: false,
      durationSeconds: (Date.now() - started) / 1000,
      history,
      bestEpoch: best.epoch,
      val: { ids: valIdx.map((i) => spec.items[i]!.id), logits: valLogits, labels: valIdx.map((i) => labels[i]!) },
      test: { ids: testIdx.map((i) => spec.items[i]!.id), logits: testLogits, labels: testIdx.map((i) => labels[i]!) },
      trainTraits: trainIdx.map((i) => traits[i]!),
      ood: { method: ood.stats.method, valScores: ood.valScores, testScores: ood.testScores },
    };
  } finally {
    best?.weights.forEach((w) => w.dispose());
    optimizer.dispose();
    headOptimizer?.dispose();
    model.dispose();
  }
}

/** Writes tfjs layers-model artifacts: model.json (topology + weights manifest) and weights.bin. */
export async function saveModel(tf: Tf, model: TfNs.LayersModel, dir: string): Promise<void> {
  fs.mkdirSync(dir, { recursive: true });
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      const data = artifacts.weightData;
      const parts = data === undefined ? [] : Array.isArray(data) ? data : [data];
      const bytes = Buffer.concat(parts.map((p) => Buffer.from(p as ArrayBuffer)));
      fs.writeFileSync(path.join(dir, 'weights.bin'), bytes);
      const json = {
        format: 'layers-model',
        generatedBy: `TensorFlow.js tfjs-layers v${tf.version.tfjs}`,
        convertedBy: null,
        modelTopology: artifacts.modelTopology,
        weightsManifest: [{ paths: ['weights.bin'], weights: artifacts.weightSpecs }],
      };
      fs.writeFileSync(path.join(dir, 'model.json'), JSON.stringify(json));
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON', weightDataBytes: bytes.length } };
    }),
  );
}

export async function loadModel(tf: Tf, dir: string): Promise<TfNs.LayersModel> {
  const json = JSON.parse(fs.readFileSync(path.join(dir, 'model.json'), 'utf8')) as {
    modelTopology: object;
    weightsManifest: { weights: TfNs.io.WeightsManifestEntry[] }[];
  };
  const bin = fs.readFileSync(path.join(dir, 'weights.bin'));
  const weightData = bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength);
  return tf.loadLayersModel(tf.io.fromMemory({ modelTopology: json.modelTopology, weightSpecs: json.weightsManifest.flatMap((m) => m.weights), weightData }));
}

export interface Heatmap {
  width: number;
  height: number;
  values: number[];
}

/**
 * Grad-CAM (Selvaraju et al. 2017) for one image and class: the last convolutional
 * feature map weighted by the spatial mean of the class logit's gradient, ReLU, resized
 * to the input and scaled to 0..1. Needs a sequential model (both of ours are).
 */
export function gradCam(tf: Tf, model: TfNs.LayersModel, x: TfNs.Tensor4D, classIdx: number): Heatmap {
  const layers = model.layers;
  const k = lastFeatureMapLayer(model as TfNs.Sequential);
  const [, H, W] = x.shape;
  const values = tf.tidy(() => {
    let a: TfNs.Tensor = x;
    for (let i = 0; i <= k; i++) a = layers[i]!.apply(a, { training: false }) as TfNs.Tensor;
    const head = (fm: TfNs.Tensor) => {
      let t = fm;
      for (let i = k + 1; i < layers.length; i++) t = layers[i]!.apply(t, { training: false }) as TfNs.Tensor;
      // A one-hot product rather than gather: gather's gradient needs UnsortedSegmentSum, which wasm lacks.
      const mask = tf.oneHot(tf.tensor1d([classIdx], 'int32'), t.shape[1]!);
      return tf.sum(tf.mul(t, mask));
    };
    const g = tf.grad(head)(a);
    const alpha = tf.mean(g, [1, 2], true);
    const cam = tf.relu(tf.sum(tf.mul(a, alpha), -1, true)) as TfNs.Tensor4D;
    const up = tf.image.resizeBilinear(cam, [H, W]);
    const max = tf.max(up);
    return tf.div(up, tf.maximum(max, 1e-8)).dataSync();
  });
  return { width: W, height: H, values: Array.from(values, (v) => Math.round(v * 1000) / 1000) };
}

/** Logits (and optionally Grad-CAM of the predicted class) for images already in pixels. */
export function predictPixels(tf: Tf, model: TfNs.LayersModel, pixels: Float32Array, n: number, size: number, ch: number, withHeatmap: boolean): { logits: number[]; heatmap: Heatmap | null }[] {
  const logits = logitsOf(tf, model, pixels, [...Array(n).keys()], size, ch);
  return logits.map((l, i) => {
    if (!withHeatmap) return { logits: l, heatmap: null };
    const per = size * size * ch;
    const x = tf.tensor4d(pixels.slice(i * per, (i + 1) * per), [1, size, size, ch]);
    try {
      return { logits: l, heatmap: gradCam(tf, model, x, l.indexOf(Math.max(...l))) };
    } finally {
      x.dispose();
    }
  });
}
