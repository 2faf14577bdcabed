import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { installWasmTrainingKernels } from './wasmKernels';
import { buildModel } from './models';
import { applyForTraining } from './batchNorm';
import { gradCam, logitsOf, predictPixels } from './trainer';
import type { Architecture } from '../../shared/domain/ml';
import { fitOod, oodScores } from './oodFeatures';

describe('no tensor leaks (wasm backend)', () => {
  it.each(['default', 'seed-cnn'] as Architecture[])('%s: numTensors stays flat across training steps, predictions and Grad-CAM', async (arch) => {
    await tf.setBackend('wasm');
    await tf.ready();
    installWasmTrainingKernels(tf);
    const model = buildModel(tf, arch, { size: 28, channels: 1, classes: 2 });
    const opt = tf.train.adam(1e-3);
    const pixels = new Float32Array(8 * 784).map((_, i) => (i % 97) / 97);
    const step = () => {
      const xs = tf.tensor4d(pixels, [8, 28, 28, 1]);
      const ys = tf.tidy(() => tf.oneHot(tf.tensor1d([0, 1, 0, 1, 0, 1, 0, 1], 'int32'), 2));
      const l = opt.minimize(() => tf.losses.softmaxCrossEntropy(ys, applyForTraining(tf, model, xs)) as tf.Scalar, true)!;
      l.dispose();
      xs.dispose();
      ys.dispose();
    };
    const predict = () => {
      predictPixels(tf, model, pixels, 8, 28, 1, true);
      logitsOf(tf, model, pixels, [0, 1, 2], 28, 1);
      const x = tf.tensor4d(pixels.slice(0, 784), [1, 28, 28, 1]);
      gradCam(tf, model, x, 1);
      x.dispose();
      // OOD: statistics from features, then scores (features are pooled in tf.tidy).
      const { stats } = fitOod(tf, model, pixels, { train: [0, 1, 2, 3], val: [4, 5], test: [6, 7] }, [0, 1, 0, 1, 0, 1, 0, 1], 2, 28, 1);
      oodScores(tf, model, stats, pixels, 8, 28, 1);
    };
    // The optimiser creates its slot variables on the first step: count after warm-up.
    step();
    predict();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) {
      step();
      predict();
    }
    expect(tf.memory().numTensors).toBe(before);
    opt.dispose();
    model.dispose();
  }, 60_000);
});
