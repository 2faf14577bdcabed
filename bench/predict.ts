/**
 * `npm run bench -- predict [--no-torch] [--threads N] [--rounds R]`: inference latency
 * (batch 1, p50 / p95) and throughput (batch 256 at 28x28, 32 at 112x112) of both
 * architectures at 28x28x1 and 112x112x3 on the tfjs wasm backend as the ml worker runs it
 * (threads from backend.ts, batch norm folded by foldForInference), each beside the PyTorch
 * reference (bench/pytorch_reference.py, 2 threads), alternating tfjs and PyTorch for R
 * rounds (default 3) in one sitting; prints medians over rounds and the ratio of medians.
 */
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { buildModel, foldForInference } from '../src/main/ml/models';
import type { Architecture } from '../src/shared/domain/ml';
import { benchBackend, fmt, median, percentile } from './util';

const REF = path.join(__dirname, 'pytorch_reference.py');

interface Measure {
  p50: number;
  p95: number;
  rate: number;
}

function torch(args: string[]): Measure | null {
  try {
    const r = JSON.parse(execFileSync('/usr/bin/python3', [REF, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 600_000 })) as Record<string, number>;
    return { p50: r.p50_ms!, p95: r.p95_ms!, rate: r.images_per_second! };
  } catch (err) {
    console.log(`  (PyTorch reference unavailable: ${(err as Error).message.split('\n')[0]})`);
    return null;
  }
}

async function measure(arch: Architecture, size: number, ch: number): Promise<Measure> {
  const trained = buildModel(tf, arch, { size, channels: ch, classes: 10 });
  const model = await foldForInference(tf, trained);
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
  tf.dispose([one, big]);
  if (model !== trained) model.dispose();
  trained.dispose();
  return { p50: percentile(lat, 50), p95: percentile(lat, 95), rate: median(rates) };
}

const summary = (ms: Measure[]) => ({ p50: median(ms.map((m) => m.p50)), p95: median(ms.map((m) => m.p95)), rate: median(ms.map((m) => m.rate)) });

export default async function run(args: string[]): Promise<void> {
  const noTorch = args.includes('--no-torch');
  const r = args.indexOf('--rounds');
  const rounds = r >= 0 ? Math.max(1, Number(args[r + 1]) || 3) : 3;
  const backend = await benchBackend(args);
  console.log(`backend: ${backend}; PyTorch: bench/pytorch_reference.py, 2 threads; ${rounds} rounds, alternating; load average: ${os.loadavg().map((l) => l.toFixed(1)).join(' / ')}`);
  for (const [arch, size, ch] of [
    ['seed-cnn', 28, 1],
    ['default', 28, 1],
    ['seed-cnn', 112, 3],
    ['default', 112, 3],
  ] as [Architecture, number, number][]) {
    const ours: Measure[] = [];
    const theirs: Measure[] = [];
    for (let i = 0; i < rounds; i++) {
      ours.push(await measure(arch, size, ch));
      const ref = noTorch ? null : torch(['infer', '--arch', arch, '--size', String(size), '--channels', String(ch)]);
      if (ref) theirs.push(ref);
    }
    const o = summary(ours);
    const line = `  ${arch.padEnd(8)} ${size}x${size}x${ch}: tfjs-wasm p50 ${fmt(o.p50, 2)} ms p95 ${fmt(o.p95, 2)} ms, ${fmt(o.rate)} img/s (batch ${size <= 28 ? 256 : 32}; rounds ${ours.map((m) => fmt(m.rate, 0)).join(', ')})`;
    if (!theirs.length) {
      console.log(line);
      continue;
    }
    const t = summary(theirs);
    console.log(`${line}\n           PyTorch   p50 ${fmt(t.p50, 2)} ms p95 ${fmt(t.p95, 2)} ms, ${fmt(t.rate)} img/s (rounds ${theirs.map((m) => fmt(m.rate, 0)).join(', ')}) | throughput ratio ${fmt(o.rate / t.rate, 2)}`);
  }
}
