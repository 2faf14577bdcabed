import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { batchNormBackward, batchNormForward, convFilterGradient, maxPoolGradient, simdBatchNormFits, simdFilterGradFits } from './trainKernels';

const relErr = (ref: ArrayLike<number>, got: ArrayLike<number>) => {
  let worst = 0;
  let scale = 1e-3;
  for (let i = 0; i < ref.length; i++) {
    scale = Math.max(scale, Math.abs(ref[i]!));
    worst = Math.max(worst, Math.abs(ref[i]! - got[i]!));
  }
  return worst / scale;
};

/**
 * The cpu backend's batch norm (+ ReLU) in training mode and its gradients, from tfjs's own
 * ops: tf.moments, tf.batchNorm, tf.relu, differentiated by tf.grads.
 */
function reference(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, dy: tf.Tensor, eps: number, relu: boolean) {
  return tf.tidy(() => {
    const f = (xx: tf.Tensor, gg: tf.Tensor, bb: tf.Tensor) => {
      const { mean, variance } = tf.moments(xx, [0, 1, 2]);
      const y = tf.batchNorm(xx, mean, variance, bb as tf.Tensor1D, gg as tf.Tensor1D, eps);
      return relu ? tf.relu(y) : y;
    };
    const y = f(x, gamma, beta);
    const [dx, dg, db] = tf.grads((a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) => tf.sum(tf.mul(f(a, b, c), dy)))([x, gamma, beta]);
    const { mean, variance } = tf.moments(x, [0, 1, 2]);
    return [y, dx, dg, db, mean, variance].map((t) => t!.dataSync() as Float32Array);
  });
}

describe('wasm SIMD batch norm kernels', () => {
  // [N, H, W, C]: several chunks of rows (64 K floats) at the largest, one partial row block at the smallest.
  const shapes: [number, number, number, number][] = [
    [2, 3, 5, 4],
    [4, 28, 28, 16],
    [3, 30, 30, 64],
  ];
  it.each(shapes.flatMap((s) => [true, false].map((relu) => [s, relu] as const)))('match the cpu backend (%o, relu %s)', async (shape, relu) => {
    await tf.setBackend('cpu');
    const C = shape[3];
    // Values off zero (mean 3) so the one-pass variance's shift is exercised.
    const x = tf.randomNormal(shape, 3, 2, 'float32', 11);
    const gamma = tf.randomNormal([C], 1, 0.5, 'float32', 12);
    const beta = tf.randomNormal([C], 0, 0.5, 'float32', 13);
    const dy = tf.randomNormal(shape, 0, 1, 'float32', 14);
    const eps = 1e-5;
    const [yRef, dxRef, dgRef, dbRef, meanRef, varRef] = reference(x, gamma, beta, dy, eps, relu);
    const xv = x.dataSync() as Float32Array;
    const y = new Float32Array(xv.length);
    const stats = { mean: new Float32Array(C), variance: new Float32Array(C), invstd: new Float32Array(C) };
    const gv = gamma.dataSync() as Float32Array;
    const bv = beta.dataSync() as Float32Array;
    batchNormForward(xv, y, C, gv, bv, eps, relu, stats);
    expect(relErr(meanRef!, stats.mean)).toBeLessThan(1e-5);
    expect(relErr(varRef!, stats.variance)).toBeLessThan(1e-5);
    expect(relErr(yRef!, y)).toBeLessThan(1e-4);
    const dx = new Float32Array(xv.length);
    const grads = { dgamma: new Float32Array(C), dbeta: new Float32Array(C) };
    batchNormBackward(dy.dataSync() as Float32Array, xv, dx, C, { gamma: gv, beta: bv, mean: stats.mean, invstd: stats.invstd }, relu, grads);
    expect(relErr(dxRef!, dx)).toBeLessThan(1e-4);
    expect(relErr(dgRef!, grads.dgamma)).toBeLessThan(1e-4);
    expect(relErr(dbRef!, grads.dbeta)).toBeLessThan(1e-4);
    // With ReLU, some outputs were cut (so the mask is exercised), and dx differs from BN's alone.
    if (relu) expect(Array.from(yRef!).filter((v) => v === 0).length).toBeGreaterThan(xv.length / 10);
    tf.dispose([x, gamma, beta, dy]);
  });

  it('refuses channel counts it cannot take', () => {
    expect(simdBatchNormFits(16)).toBe(true);
    expect(simdBatchNormFits(3)).toBe(false);
    expect(() => batchNormForward(new Float32Array(6), new Float32Array(6), 3, new Float32Array(3), new Float32Array(3), 1e-5, false, { mean: new Float32Array(3), variance: new Float32Array(3), invstd: new Float32Array(3) })).toThrow(/multiple of 4/);
  });

  const hasClang = (() => {
    try {
      execFileSync('clang', ['--version'], { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  })();
  it.skipIf(!hasClang)('the committed module is the build of the committed C source', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'carelens-wasm-'));
    try {
      const out = path.join(dir, 'trainKernels.wasm.ts');
      const root = path.resolve(__dirname, '../../../..');
      execFileSync('sh', [path.join(root, 'scripts/build-wasm-kernels.sh'), out], { stdio: 'ignore' });
      expect(fs.readFileSync(out, 'utf8')).toBe(fs.readFileSync(path.join(__dirname, 'trainKernels.wasm.ts'), 'utf8'));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('wasm SIMD convolution filter gradient', () => {
  // [N, H, W, Cin], [kh, kw, Cin, Cout], padding: 3x3 'same' (our models), 'valid', 5x5, one input channel, odd sizes.
  type Shape4 = [number, number, number, number];
  const cases: [Shape4, Shape4, 'same' | 'valid'][] = [
    [[2, 7, 9, 3], [3, 3, 3, 8], 'same'],
    [[3, 28, 28, 16], [3, 3, 16, 16], 'same'],
    [[2, 10, 11, 5], [3, 3, 5, 16], 'valid'],
    [[2, 9, 8, 1], [5, 5, 1, 8], 'same'],
    [[1, 14, 14, 32], [3, 3, 32, 64], 'same'],
  ];
  it.each(cases)('matches the cpu backend (x %o, filter %o, %s)', async (xShape, fShape, pad) => {
    await tf.setBackend('cpu');
    const x = tf.randomNormal(xShape, 0, 1, 'float32', 21) as tf.Tensor4D;
    const f = tf.randomNormal(fShape, 0, 1, 'float32', 22) as tf.Tensor4D;
    const yShape = tf.conv2d(x, f, 1, pad).shape;
    const dy = tf.randomNormal(yShape, 0, 1, 'float32', 23) as tf.Tensor4D;
    // The cpu backend's filter gradient: d/df of sum(conv2d(x, f) * dy).
    const ref = tf.grad((ff: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(x, ff as tf.Tensor4D, 1, pad), dy)))(f).dataSync();
    const info = tf.backend_util.computeConv2DInfo(xShape as [number, number, number, number], fShape as [number, number, number, number], 1, 1, pad);
    const out = new Float32Array(ref.length);
    const [N, H, W, Cin] = xShape as [number, number, number, number];
    convFilterGradient(x.dataSync() as Float32Array, dy.dataSync() as Float32Array, out, { N, H, W, Cin, Ho: yShape[1], Wo: yShape[2], Cout: fShape[3]!, kh: fShape[0]!, kw: fShape[1]!, padTop: info.padInfo.top, padLeft: info.padInfo.left });
    expect(relErr(ref, out)).toBeLessThan(1e-5);
    tf.dispose([x, f, dy]);
  });

  it('refuses output channels it cannot take', () => {
    expect(simdFilterGradFits(16)).toBe(true);
    expect(simdFilterGradFits(12)).toBe(false);
  });
});

describe('wasm SIMD max-pool gradient', () => {
  it.each([
    [2, 8, 6, 4],
    [3, 28, 28, 16],
  ])('matches the cpu backend, ties included (N %i, H %i, W %i, C %i)', async (N, H, W, C) => {
    await tf.setBackend('cpu');
    // Rounded values: many windows hold equal maxima, so the first-maximum routing is tested.
    const x = tf.round(tf.randomUniform([N, H, W, C], 0, 3, 'float32', 31)) as tf.Tensor4D;
    const dy = tf.randomNormal([N, H / 2, W / 2, C], 0, 1, 'float32', 32);
    const y = tf.maxPool(x, 2, 2, 'valid');
    const ref = tf.grad((xx: tf.Tensor) => tf.sum(tf.mul(tf.maxPool(xx as tf.Tensor4D, 2, 2, 'valid'), dy)))(x).dataSync();
    const dx = new Float32Array(ref.length);
    maxPoolGradient(x.dataSync() as Float32Array, y.dataSync() as Float32Array, dy.dataSync() as Float32Array, dx, { N, H, W, C });
    expect(Array.from(dx)).toEqual(Array.from(ref));
    tf.dispose([x, dy, y]);
  });
});
