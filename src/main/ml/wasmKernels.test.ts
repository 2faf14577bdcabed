import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { installWasmTrainingKernels } from './wasmKernels';

type Case = { x: number[]; f: number[]; pad: 'same' | 'valid' };

/** Gradients of a small conv -> relu -> max-pool -> dense net, computed on one backend. */
async function grads(backend: 'cpu' | 'wasm', c: Case, seed: number) {
  await tf.setBackend(backend);
  await tf.ready();
  if (backend === 'wasm') installWasmTrainingKernels(tf);
  return tf.tidy(() => {
    const x = tf.randomNormal(c.x, 0, 1, 'float32', seed);
    const f = tf.randomNormal(c.f, 0, 0.5, 'float32', seed + 1);
    const f2 = tf.randomNormal([3, 3, c.f[3]!, 4], 0, 0.5, 'float32', seed + 2);
    const g = tf.grads((xx: tf.Tensor, ff: tf.Tensor, ff2: tf.Tensor) => {
      const h = tf.relu(tf.conv2d(xx as tf.Tensor4D, ff as tf.Tensor4D, 1, c.pad));
      const h2 = tf.conv2d(h, ff2 as tf.Tensor4D, 1, c.pad);
      const p = tf.maxPool(h2, 2, 2, 'valid');
      const flat = tf.reshape(p, [c.x[0]!, -1]);
      const w = tf.randomNormal([flat.shape[1]!, 3], 0, 0.3, 'float32', seed + 3);
      return tf.sum(tf.square(tf.matMul(flat, w)));
    });
    return g([x, f, f2]).map((t) => Array.from(t.dataSync()));
  });
}

describe('wasm training kernels', () => {
  const cases: Case[] = [
    { x: [3, 8, 8, 2], f: [3, 3, 2, 5], pad: 'same' },
    { x: [2, 10, 10, 3], f: [3, 3, 3, 4], pad: 'valid' },
    { x: [2, 6, 6, 1], f: [5, 5, 1, 3], pad: 'same' },
    // 8 and 16 output channels: the first filter gradient runs through the SIMD kernel (wasm/trainKernels.c).
    { x: [3, 10, 10, 2], f: [3, 3, 2, 8], pad: 'same' },
    { x: [2, 12, 10, 3], f: [3, 3, 3, 16], pad: 'valid' },
  ];
  it.each(cases)('conv, max-pool and matMul gradients match the cpu backend (%o)', async (c) => {
    const ref = await grads('cpu', c, 7);
    const got = await grads('wasm', c, 7);
    expect(got.length).toBe(3);
    for (let i = 0; i < 3; i++) {
      const r = ref[i]!;
      const g = got[i]!;
      expect(g.length).toBe(r.length);
      const scale = Math.max(1e-3, ...r.map(Math.abs));
      const worst = Math.max(...r.map((v, j) => Math.abs(v - g[j]!)));
      expect(worst / scale).toBeLessThan(1e-4);
    }
  });

  it('transposed matMuls give the same products as the stock kernel', async () => {
    await tf.setBackend('cpu');
    const a = tf.randomNormal([7, 40], 0, 1, 'float32', 1);
    const b = tf.randomNormal([40, 300], 0, 1, 'float32', 2);
    const ref = [tf.matMul(a, b), tf.matMul(b, a, true, true), tf.matMul(a.transpose(), b, true, false)].map((t) => Array.from(t.dataSync()));
    await tf.setBackend('wasm');
    installWasmTrainingKernels(tf);
    const a2 = tf.tensor(a.dataSync(), a.shape);
    const b2 = tf.tensor(b.dataSync(), b.shape);
    const got = [tf.matMul(a2, b2), tf.matMul(b2, a2, true, true), tf.matMul(a2.transpose(), b2, true, false)].map((t) => Array.from(t.dataSync()));
    for (let i = 0; i < 3; i++) {
      const worst = Math.max(...ref[i]!.map((v, j) => Math.abs(v - got[i]![j]!)));
      expect(worst).toBeLessThan(1e-3);
    }
  });
});

describe('wasm tile', () => {
  it('matches the cpu backend for per-channel vectors and inner repeats', async () => {
    const cases: [number[], number[]][] = [
      [[1, 1, 1, 5], [3, 4, 2, 1]],
      [[2, 3, 1, 4, 1, 2], [1, 1, 2, 1, 2, 1]],
      [[3, 2], [2, 3]],
    ];
    for (const [shape, reps] of cases) {
      await tf.setBackend('cpu');
      const x = tf.randomNormal(shape, 0, 1, 'float32', 3);
      const ref = Array.from(tf.tile(x, reps).dataSync());
      const data = x.dataSync();
      await tf.setBackend('wasm');
      installWasmTrainingKernels(tf);
      const got = Array.from(tf.tile(tf.tensor(data, shape), reps).dataSync());
      expect(got).toEqual(ref);
    }
  });
});

describe('wasm leading-axis sum and mean', () => {
  it('match the cpu backend, with and without keepDims', async () => {
    await tf.setBackend('cpu');
    const x = tf.randomNormal([4, 5, 6, 3], 0, 1, 'float32', 9);
    const data = x.dataSync();
    const ops = (t: tf.Tensor) => [tf.sum(t, [0, 1, 2]), tf.mean(t, [0, 1, 2], true), tf.sum(t, 0), tf.mean(t, [-1]), tf.sum(t)];
    const ref = ops(x).map((t) => Array.from(t.dataSync()));
    await tf.setBackend('wasm');
    installWasmTrainingKernels(tf);
    const got = ops(tf.tensor(data, x.shape)).map((t) => ({ v: Array.from(t.dataSync()), s: t.shape }));
    expect(got[1]!.s).toEqual([1, 1, 1, 3]);
    got.forEach((g, i) => g.v.forEach((v, j) => expect(v).toBeCloseTo(ref[i]![j]!, 4)));
  });
});
