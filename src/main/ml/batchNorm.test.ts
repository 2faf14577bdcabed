import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { BN_FORWARD, applyForTraining } from './batchNorm';
import { buildModel } from './models';
import { installWasmTrainingKernels } from './wasmKernels';

/** Loss, gradients of every trainable weight, and the moving statistics after one training pass. */
function onePass(model: tf.LayersModel, forward: (x: tf.Tensor) => tf.Tensor, x: tf.Tensor, y: tf.Tensor) {
  const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const { value, grads } = tf.variableGrads(() => tf.losses.softmaxCrossEntropy(y, forward(x)) as tf.Scalar, vars);
  const out = {
    loss: value.dataSync()[0]!,
    grads: vars.map((v) => Array.from(grads[v.name]!.dataSync())),
    moving: model.layers.filter((l) => l.getClassName() === 'BatchNormalization').flatMap((l) => l.getWeights().slice(2).map((w) => Array.from(w.dataSync()))),
  };
  tf.dispose([value, ...Object.values(grads)]);
  return out;
}

const worst = (a: number[][], b: number[][]) =>
  Math.max(...a.map((r, i) => Math.max(...r.map((v, j) => Math.abs(v - b[i]![j]!))) / Math.max(1e-3, ...r.map(Math.abs))));

describe('fused batch norm in training (wasm)', () => {
  it('gives the same loss, gradients and moving statistics as tfjs-layers', async () => {
    await tf.setBackend('wasm');
    installWasmTrainingKernels(tf);
    expect(tf.getKernel(BN_FORWARD, 'wasm')).toBeDefined();
    const a = buildModel(tf, 'default', { size: 28, channels: 1, classes: 3 });
    const b = buildModel(tf, 'default', { size: 28, channels: 1, classes: 3 });
    // Seeded weights (the initialisers are not): the same models every run.
    a.setWeights(a.weights.map((w, i) => (w.name.includes('moving_variance') ? tf.ones(w.shape as number[]) : tf.randomNormal(w.shape as number[], 0, 0.3, 'float32', 200 + i))));
    b.setWeights(a.getWeights());
    const x = tf.randomUniform([8, 28, 28, 1], 0, 1, 'float32', 3);
    const y = tf.oneHot(tf.tensor1d([0, 1, 2, 0, 1, 2, 0, 1], 'int32'), 3);
    // Dropout is random in training: the same seed path is not shared, so compare with it off.
    for (const m of [a, b]) for (const l of m.layers) if (l.getClassName() === 'Dropout') (l as unknown as { rate: number }).rate = 0;
    const ref = onePass(a, (t) => a.apply(t, { training: true }) as tf.Tensor, x, y);
    const before = tf.memory().numTensors;
    const got = onePass(b, (t) => applyForTraining(tf, b, t), x, y);
    expect(tf.memory().numTensors).toBe(before);
    expect(got.loss).toBeCloseTo(ref.loss, 4);
    expect(ref.grads.length).toBe(6 * 3 + 2); // six conv kernels, six gammas and betas, dense kernel and bias
    expect(worst(ref.grads, got.grads)).toBeLessThan(1e-4);
    expect(worst(ref.moving, got.moving)).toBeLessThan(1e-5);
    // The statistics moved off their initial values (0 and 1), so the comparison means something.
    expect(Math.max(...ref.moving[0]!.map(Math.abs))).toBeGreaterThan(1e-3);
    tf.dispose([x, y]);
    a.dispose();
    b.dispose();
  });

  it('is the layers path where the backend has no fused kernel', async () => {
    await tf.setBackend('cpu');
    expect(tf.getKernel(BN_FORWARD, 'cpu')).toBeUndefined();
    const m = buildModel(tf, 'default', { size: 28, channels: 1, classes: 2 });
    for (const l of m.layers) if (l.getClassName() === 'Dropout') (l as unknown as { rate: number }).rate = 0;
    const x = tf.randomUniform([2, 28, 28, 1], 0, 1, 'float32', 4);
    const ref = Array.from((m.apply(x, { training: true }) as tf.Tensor).dataSync());
    const got = Array.from(applyForTraining(tf, m, x).dataSync());
    expect(got).toEqual(ref);
    m.dispose();
  });
});
