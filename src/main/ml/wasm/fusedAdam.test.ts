import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { installWasmTrainingKernels } from '../wasmKernels';
import { makeAdam } from './fusedAdam';

/** Five Adam steps on a few variables (one not a multiple of 4 long) with fixed gradients; values and moments after. */
async function run(backend: 'cpu' | 'wasm', fused: boolean) {
  await tf.setBackend(backend);
  await tf.ready();
  if (backend === 'wasm') installWasmTrainingKernels(tf);
  const shapes = [[3, 3, 2, 8], [7], [130, 5]];
  const vars = shapes.map((s, i) => tf.variable(tf.randomNormal(s, 0, 1, 'float32', 30 + i), true, `adam_test_${backend}_${fused}_${i}`));
  const opt = fused ? makeAdam(tf, 0.01) : tf.train.adam(0.01);
  for (let step = 0; step < 5; step++) {
    const grads = vars.map((v, i) => ({ name: v.name, tensor: tf.randomNormal(v.shape, step - 2, 1 + i, 'float32', 100 * step + i + 1) }));
    opt.applyGradients(grads);
    tf.dispose(grads.map((g) => g.tensor));
  }
  const weights = await opt.getWeights();
  const out = { values: vars.map((v) => Array.from(v.dataSync())), state: weights.map((w) => ({ name: w.name, data: Array.from(w.tensor.dataSync()) })) };
  tf.dispose(weights.map((w) => w.tensor));
  opt.dispose();
  tf.dispose(vars);
  return out;
}

const worst = (a: number[][], b: number[][]) => Math.max(...a.map((r, i) => Math.max(...r.map((v, j) => Math.abs(v - b[i]![j]!))) / Math.max(1e-3, ...r.map(Math.abs))));

describe('fused Adam (wasm SIMD)', () => {
  it("gives tfjs's Adam on the cpu backend: values, moments and step count", async () => {
    const ref = await run('cpu', false);
    // Leaves as many tensors behind as tfjs's own Adam on the same backend (which leaves one per optimiser).
    await tf.setBackend('wasm');
    const n0 = tf.memory().numTensors;
    await run('wasm', false);
    const n1 = tf.memory().numTensors;
    const got = await run('wasm', true);
    expect(tf.memory().numTensors - n1).toBe(n1 - n0);
    expect(worst(ref.values, got.values)).toBeLessThan(1e-5);
    expect(got.state.map((s) => s.name.replace(/_wasm_true_/, '_'))).toEqual(ref.state.map((s) => s.name.replace(/_cpu_false_/, '_')));
    expect(worst(ref.state.map((s) => s.data), got.state.map((s) => s.data))).toBeLessThan(1e-5);
  });

  it("is tfjs's Adam on other backends", async () => {
    await tf.setBackend('cpu');
    const ref = await run('cpu', false);
    const got = await run('cpu', true);
    expect(worst(ref.values, got.values)).toBe(0);
  });
});
