/**
 * Test fixture for wasmThreads.test.ts: starts the wasm backend in a fresh worker thread
 * (the backend is per isolate, and each scenario needs a fresh one), then computes a small
 * conv net's forward pass and its gradients on wasm and on the cpu backend, and reports.
 */
import { parentPort, workerData } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs';
import { loadBackend, type BackendOptions } from './backend';
import { installWasmTrainingKernels } from './wasmKernels';

function run(): number[][] {
  return tf.tidy(() => {
    const x = tf.randomNormal([16, 14, 14, 3], 0, 1, 'float32', 1);
    const f1 = tf.randomNormal([3, 3, 3, 8], 0, 0.5, 'float32', 2);
    const f2 = tf.randomNormal([3, 3, 8, 16], 0, 0.3, 'float32', 3);
    const w = tf.randomNormal([7 * 7 * 16, 40], 0, 0.1, 'float32', 4);
    const net = (xx: tf.Tensor, a: tf.Tensor, b: tf.Tensor, ww: tf.Tensor) => {
      const h = tf.relu(tf.conv2d(xx as tf.Tensor4D, a as tf.Tensor4D, 1, 'same'));
      const h2 = tf.maxPool(tf.relu(tf.conv2d(h, b as tf.Tensor4D, 1, 'same')), 2, 2, 'valid');
      return tf.matMul(tf.reshape(h2, [16, -1]), ww as tf.Tensor2D);
    };
    const out = net(x, f1, f2, w);
    const g = tf.grads((xx: tf.Tensor, a: tf.Tensor, b: tf.Tensor, ww: tf.Tensor) => tf.sum(tf.square(net(xx, a, b, ww))));
    return [out, ...g([x, f1, f2, w])].map((t) => Array.from(t.dataSync()));
  });
}

void (async () => {
  const messages: string[] = [];
  const logger = { info: (m: string) => messages.push(m), warn: (m: string) => messages.push(m), error: (m: string) => messages.push(m) };
  const b = await loadBackend(logger, 'wasm', workerData as BackendOptions);
  installWasmTrainingKernels(tf);
  const wasm = run();
  const threads = (tf.backend() as unknown as { wasm: { tfjs: { getThreadsCount(): number } } }).wasm.tfjs.getThreadsCount();
  await tf.setBackend('cpu');
  const cpu = run();
  parentPort!.postMessage({ detail: b.info.detail, threads, wasm, cpu });
})();
