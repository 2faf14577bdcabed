/**
 * `npm run bench -- train [--quick] [--no-torch] [--epochs N] [--threads N]`: training
 * images/s of both architectures at 28x28x1 and 112x112x3 on the tfjs wasm backend as the ml
 * worker runs it (threads from backend.ts, CareLens's training kernels), then full epochs of
 * seed-cnn at 28x28x1 on the real PneumoniaMNIST training split, each beside the PyTorch
 * reference (bench/pytorch_reference.py, Debian's python3-torch, 2 threads) run in the same
 * sitting, alternating, so the ratio is fair on a shared machine. Prints medians, ratios and
 * the load average.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { buildModel } from '../src/main/ml/models';
import { applyForTraining } from '../src/main/ml/batchNorm';
import { loadPixels } from '../src/main/ml/trainer';
import type { Architecture } from '../src/shared/domain/ml';
import { benchBackend, fmt, median } from './util';

const DATA = path.resolve(__dirname, '../../shared/data/images/pneumoniamnist');
const PY = '/usr/bin/python3';
const REF = path.join(__dirname, 'pytorch_reference.py');

const load = () => os.loadavg().map((l) => l.toFixed(1)).join(' / ');

function torch(args: string[]): Record<string, unknown> | null {
  try {
    return JSON.parse(execFileSync(PY, [REF, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 1_800_000 })) as Record<string, unknown>;
  } catch (err) {
    console.log(`  (PyTorch reference unavailable: ${(err as Error).message.split('\n')[0]})`);
    return null;
  }
}

function optimizerFor(arch: Architecture, adam: boolean): tf.Optimizer {
  return adam || arch === 'default' ? tf.train.adam(1e-3) : tf.train.momentum(0.01, 0.9);
}

/** Median images/s over `steps` training steps on random data (after 3 warm-up steps). */
function throughput(arch: Architecture, size: number, ch: number, steps: number, batch = 32): number {
  const model = buildModel(tf, arch, { size, channels: ch, classes: 10 });
  const opt = optimizerFor(arch, false);
  const x = tf.randomNormal([batch, size, size, ch]);
  const y = tf.tidy(() => tf.oneHot(tf.randomUniform([batch], 0, 10, 'int32'), 10));
  const times: number[] = [];
  for (let i = 0; i < steps + 3; i++) {
    const t0 = performance.now();
    const l = opt.minimize(() => tf.losses.softmaxCrossEntropy(y, applyForTraining(tf, model, x)) as tf.Scalar, true)!;
    l.dataSync();
    l.dispose();
    if (i >= 3) times.push(performance.now() - t0);
  }
  x.dispose();
  y.dispose();
  opt.dispose();
  model.dispose();
  return (batch * 1000) / median(times);
}

/** Full epochs of seed-cnn 28x28x1 (Adam 1e-3, batch 32) on the real training split. */
async function epochs(n: number, x: Float32Array, labels: number[]): Promise<number[]> {
  const model = buildModel(tf, 'seed-cnn', { size: 28, channels: 1, classes: 2 });
  const opt = tf.train.adam(1e-3);
  const rates: number[] = [];
  const count = labels.length;
  for (let e = 0; e < n; e++) {
    const order = [...Array(count).keys()].sort(() => Math.random() - 0.5);
    const t0 = performance.now();
    for (let i = 0; i < count; i += 32) {
      const idx = order.slice(i, i + 32);
      const buf = new Float32Array(idx.length * 784);
      idx.forEach((k, j) => buf.set(x.subarray(k * 784, (k + 1) * 784), j * 784));
      const xs = tf.tensor4d(buf, [idx.length, 28, 28, 1]);
      const ys = tf.tidy(() => tf.oneHot(tf.tensor1d(idx.map((k) => labels[k]!), 'int32'), 2));
      const l = opt.minimize(() => tf.losses.softmaxCrossEntropy(ys, applyForTraining(tf, model, xs)) as tf.Scalar, true)!;
      l.dataSync();
      l.dispose();
      xs.dispose();
      ys.dispose();
    }
    rates.push((count * 1000) / (performance.now() - t0));
  }
  opt.dispose();
  model.dispose();
  return rates;
}

export default async function run(args: string[]): Promise<void> {
  const quick = args.includes('--quick');
  const noTorch = args.includes('--no-torch');
  const nEpochs = Number(args[args.indexOf('--epochs') + 1]) || 3;
  const backend = await benchBackend(args);
  console.log(`backend: ${backend} + CareLens training kernels; load average before: ${load()}`);
  console.log('training images/s, batch 32, random data (median of steps; PyTorch measured right after each):');
  const configs: [Architecture, number, number, number][] = [
    ['seed-cnn', 28, 1, quick ? 8 : 20],
    ['default', 28, 1, quick ? 8 : 20],
    ['seed-cnn', 112, 3, quick ? 3 : 6],
    ['default', 112, 3, quick ? 3 : 8],
  ];
  for (const [arch, size, ch, steps] of configs) {
    const ours = throughput(arch, size, ch, steps);
    const ref = noTorch ? null : torch(['throughput', '--arch', arch, '--size', String(size), '--channels', String(ch), '--steps', String(steps)]);
    const theirs = ref ? Number(ref.images_per_second) : NaN;
    console.log(`  ${arch.padEnd(8)} ${size}x${size}x${ch}: tfjs-wasm ${fmt(ours)} img/s | PyTorch ${fmt(theirs)} img/s | ratio ${fmt(ours / theirs, 2)}`);
  }
  if (quick) return;
  if (!fs.existsSync(DATA)) {
    console.log(`(no ${DATA}: skipping full epochs)`);
    return;
  }
  const files: string[] = [];
  const labels: number[] = [];
  for (const d of fs.readdirSync(path.join(DATA, 'train')).sort()) {
    for (const f of fs.readdirSync(path.join(DATA, 'train', d)).sort()) {
      files.push(path.join(DATA, 'train', d, f));
      labels.push(Number(d.split('_')[0]));
    }
  }
  const x = await loadPixels(files, 28, 1);
  console.log(`full epochs, seed-cnn 28x28x1, Adam 1e-3, batch 32, ${files.length} real PneumoniaMNIST training images; load average: ${load()}`);
  const ours = await epochs(nEpochs, x, labels);
  const ref = noTorch ? null : torch(['epochs', '--arch', 'seed-cnn', '--adam', '--epochs', String(nEpochs), '--data', DATA]);
  const theirs = (ref?.images_per_second_per_epoch as number[] | undefined) ?? [];
  console.log(`  tfjs-wasm img/s per epoch: ${ours.map((r) => fmt(r)).join(', ')} (median ${fmt(median(ours))})`);
  console.log(`  PyTorch   img/s per epoch: ${theirs.map((r) => fmt(r)).join(', ')} (median ${fmt(median(theirs))})`);
  console.log(`  ratio of medians: ${fmt(median(ours) / median(theirs), 2)}; load average after: ${load()}`);
}
