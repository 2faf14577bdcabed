/**
 * `npm run bench -- predict [--no-torch]`: inference latency (batch 1, p50 / p95) and
 * throughput (batch 256 at 28x28, 32 at 112x112) of both architectures at 28x28x1 and
 * 112x112x3 on the tfjs wasm backend, each beside the PyTorch reference
 * (bench/pytorch_reference.py) in the same sitting.
 */
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { installWasmTrainingKernels } from '../src/main/ml/wasmKernels';
import { buildModel } from '../src/main/ml/models';
import type { Architecture } from '../src/shared/domain/ml';
import { fmt, median, percentile } from './util';

const REF = path.join(__dirname, 'pytorch_reference.py');

function torch(args: string[]): Record<string, number> | null {
  try {
    return JSON.parse(execFileSync('/usr/bin/python3', [REF, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 600_000 })) as Record<string, number>;
  } catch (err) {
    console.log(`  (PyTorch reference unavailable: ${(err as Error).message.split('\n')[0]})`);
    return null;
  }
}

function measure(arch: Architecture, size: number, ch: number): { p50: number; p95: number; rate: number; batch: number } {
  const model = buildModel(tf, arch, { size, channels: ch, classes: 10 });
  const one = tf.randomNormal([1, size, size, ch]);
  const lat: number[] = [];
  for (let i = 0; i < 60; i++) {
    const t0 = performance.now();
    const y = model.predict(one) as tf.Tensor;
    y.dataSync();
    y.dispose();
    if (i >= 10) lat.push(performance.now() - t0);
  }
  const batch = size <= 28 ? 256 : 32;
  const big = tf.randomNormal([batch, size, size, ch]);
  const rates: number[] = [];
  for (let i = 0; i < 8; i++) {
    const t0 = performance.now();
    // One call for the whole batch (predict's default would split it into batches of 32).
    const y = model.predict(big, { batchSize: batch }) as tf.Tensor;
    y.dataSync();
    y.dispose();
    if (i >= 2) rates.push((batch * 1000) / (performance.now() - t0));
  }
  one.dispose();
  big.dispose();
  model.dispose();
  return { p50: percentile(lat, 50), p95: percentile(lat, 95), rate: median(rates), batch };
}

export default async function run(args: string[]): Promise<void> {
  const noTorch = args.includes('--no-torch');
  await tf.setBackend('wasm');
  await tf.ready();
  installWasmTrainingKernels(tf);
  console.log(`backend: ${tf.getBackend()} (tfjs ${tf.version.tfjs}, 1 thread); load average: ${os.loadavg().map((l) => l.toFixed(1)).join(' / ')}`);
  for (const [arch, size, ch] of [
    ['seed-cnn', 28, 1],
    ['default', 28, 1],
    ['seed-cnn', 112, 3],
    ['default', 112, 3],
  ] as [Architecture, number, number][]) {
    const ours = measure(arch, size, ch);
    const ref = noTorch ? null : torch(['infer', '--arch', arch, '--size', String(size), '--channels', String(ch)]);
    console.log(
      `  ${arch.padEnd(8)} ${size}x${size}x${ch}: tfjs-wasm p50 ${fmt(ours.p50, 2)} ms p95 ${fmt(ours.p95, 2)} ms, ${fmt(ours.rate)} img/s (batch ${ours.batch})` +
        (ref ? ` | PyTorch p50 ${fmt(ref.p50_ms!, 2)} ms p95 ${fmt(ref.p95_ms!, 2)} ms, ${fmt(ref.images_per_second!)} img/s | throughput ratio ${fmt(ours.rate / ref.images_per_second!, 2)}` : ''),
    );
  }
}
