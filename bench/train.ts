/**
 * `npm run bench -- train [options]`: training images/s on the tfjs wasm backend as the ml
 * worker runs it (threads from backend.ts, CareLens's training kernels) beside the PyTorch
 * reference (bench/pytorch_reference.py, Debian's python3-torch, 2 threads), alternating in
 * the same sitting so the ratio is fair on a shared machine. Prints the machine, which BLAS
 * PyTorch loaded (and refuses a ratio against the reference BLAS), medians over rounds,
 * ratios of medians and the load average.
 *
 * - steps: median step time over random batches of 32, per model and size;
 * - full epochs over the real PneumoniaMNIST training split: seed-cnn and `default` at
 *   28x28x1 (all 2,428 images), `default` at 112x112x3 on the first `--limit112` images
 *   (classes interleaved) upscaled from 28x28 (the only real sets here are 28 px); `default`
 *   with its training augmentation (flips, 2 px shifts) on both sides.
 *
 * Options: --models seed-cnn,default  --sizes 28,112  --rounds N (steps rounds, default 3)
 * --steps N  --epochs N (default 2)  --limit112 N (default 256)  --only steps|epochs
 * --quick (1 round, few steps, no epochs)  --no-torch  --threads N
 * --profile (per-kernel times of a training step and achieved GFLOP/s; no PyTorch).
 * CARELENS_SIMD_KERNELS=0 turns this round's SIMD kernels off (before/after comparisons).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { buildModel } from '../src/main/ml/models';
import { applyForTraining } from '../src/main/ml/batchNorm';
import { makeAdam } from '../src/main/ml/wasm/fusedAdam';
import { simdKernelsEnabled } from '../src/main/ml/wasm/trainKernels';
import { batchPixels, loadPixels } from '../src/main/ml/trainer';
import type { Architecture } from '../src/shared/domain/ml';
import { benchBackend, fmt, median } from './util';

const DATA = path.resolve(__dirname, '../../shared/data/images/pneumoniamnist');
const PY = '/usr/bin/python3';
const REF = path.join(__dirname, 'pytorch_reference.py');

const load = () => os.loadavg().map((l) => l.toFixed(1)).join(' / ');

interface BlasInfo {
  kind: string;
  libraries: string[];
  alternative: string;
  onednn: string;
  cpu_capability: string;
}

function torch(args: string[]): Record<string, unknown> | null {
  try {
    return JSON.parse(execFileSync(PY, [REF, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 1_800_000 })) as Record<string, unknown>;
  } catch (err) {
    console.log(`  (PyTorch reference unavailable: ${(err as Error).message.split('\n')[0]})`);
    return null;
  }
}

/** Why a ratio against this PyTorch would not be fair, or null when it is. */
export function blasRefusal(blas: BlasInfo | undefined): string | null {
  if (!blas) return 'PyTorch did not say which BLAS it loaded';
  if (blas.kind === 'reference') return `PyTorch is running on the reference BLAS (${blas.libraries.join(', ') || blas.alternative}), 3-5x slower than OpenBLAS in dense layers: install OpenBLAS (apt-get install libopenblas0-pthread) and run again`;
  return null;
}

/** The architecture's optimiser (trainer.ts's defaults), or Adam 1e-3 for both when `adam`. */
function optimizerFor(arch: Architecture, adam = false): tf.Optimizer {
  return adam || arch === 'default' ? makeAdam(tf, 1e-3) : tf.train.momentum(0.01, 0.9);
}

/** Median images/s over `steps` training steps on random data (after 3 warm-up steps). */
function throughput(arch: Architecture, size: number, ch: number, steps: number, batch = 32, onStep?: (i: number) => void): number {
  const model = buildModel(tf, arch, { size, channels: ch, classes: 10 });
  const opt = optimizerFor(arch);
  const x = tf.randomNormal([batch, size, size, ch]);
  const y = tf.tidy(() => tf.oneHot(tf.randomUniform([batch], 0, 10, 'int32'), 10));
  const times: number[] = [];
  for (let i = 0; i < steps + 3; i++) {
    onStep?.(i - 3);
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

/**
 * Full epochs over `x` (batch 32, Adam 1e-3 for both architectures, as the issue's baseline
 * measured seed-cnn; `default` with its training augmentation).
 */
function epochs(arch: Architecture, n: number, x: Float32Array, labels: number[], size: number, ch: number): number[] {
  const classes = Math.max(...labels) + 1;
  const model = buildModel(tf, arch, { size, channels: ch, classes });
  const opt = optimizerFor(arch, true);
  const augment = arch === 'default';
  let seed = 1;
  const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const rates: number[] = [];
  const count = labels.length;
  for (let e = 0; e < n; e++) {
    const order = [...Array(count).keys()].sort(() => random() - 0.5);
    const t0 = performance.now();
    for (let i = 0; i < count; i += 32) {
      const idx = order.slice(i, i + 32);
      const xs = tf.tensor4d(batchPixels(x, idx, size, ch, augment, random, augment ? 2 : 0), [idx.length, size, size, ch]);
      const ys = tf.tidy(() => tf.oneHot(tf.tensor1d(idx.map((k) => labels[k]!), 'int32'), classes));
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

/** Training FLOPs of one image: forward, filter gradient and input gradient (none for the first layer) of the conv and dense layers. */
function trainingFlops(model: tf.Sequential): number {
  let flops = 0;
  model.layers.forEach((l, i) => {
    const cls = l.getClassName();
    if (cls !== 'Conv2D' && cls !== 'Dense') return;
    const kernel = l.getWeights()[0]!.shape;
    const out = l.outputShape as number[];
    const perOutput = kernel.slice(0, -1).reduce((p, d) => p * d, 1) * 2;
    const forward = perOutput * out.slice(1).reduce((p, d) => p * d, 1);
    flops += forward * (i === 0 ? 2 : 3);
  });
  return flops;
}

/** Per-kernel time of training steps (every wasm kernel wrapped in a timer), medians over steps. */
function profile(arch: Architecture, size: number, ch: number, steps: number): void {
  const times = new Map<string, { ms: number; calls: number }>();
  const kernels = tf.getKernelsForBackend('wasm');
  const originals = kernels.map((k) => ({ ...k }));
  for (const k of kernels) {
    const f = k.kernelFunc;
    tf.unregisterKernel(k.kernelName, 'wasm');
    tf.registerKernel({
      kernelName: k.kernelName,
      backendName: 'wasm',
      kernelFunc: ((args: Parameters<tf.KernelFunc>[0]) => {
        const t0 = performance.now();
        const r = f(args);
        const e = times.get(k.kernelName) ?? { ms: 0, calls: 0 };
        e.ms += performance.now() - t0;
        e.calls++;
        times.set(k.kernelName, e);
        return r;
      }) as tf.KernelFunc,
    });
  }
  const perStep: Map<string, { ms: number; calls: number }>[] = [];
  const rate = throughput(arch, size, ch, steps, 32, (i) => {
    if (i >= 1) perStep.push(new Map([...times].map(([k, v]) => [k, { ...v }])));
    times.clear();
  });
  perStep.push(new Map(times));
  for (const k of originals) {
    tf.unregisterKernel(k.kernelName, 'wasm');
    tf.registerKernel({ kernelName: k.kernelName, backendName: 'wasm', kernelFunc: k.kernelFunc });
  }
  const stepMs = 32_000 / rate;
  const flops = trainingFlops(buildModel(tf, arch, { size, channels: ch, classes: 10 })) * 32;
  const names = [...new Set(perStep.flatMap((m) => [...m.keys()]))];
  const rows = names.map((n) => ({ n, ms: median(perStep.map((m) => m.get(n)?.ms ?? 0)), calls: median(perStep.map((m) => m.get(n)?.calls ?? 0)) })).sort((a, b) => b.ms - a.ms);
  const conv = rows.filter((r) => /Conv2D/.test(r.n)).reduce((p, r) => p + r.ms, 0);
  console.log(`  ${arch} ${size}x${size}x${ch}: step ${fmt(stepMs)} ms (median of ${steps}), ${fmt(32_000 / stepMs)} img/s; ${fmt(flops / 1e9, 2)} GFLOP per step (conv + dense, forward and both gradients)`);
  console.log(`    achieved: ${fmt(flops / 1e6 / stepMs)} GFLOP/s over the step, ${fmt(flops / 1e6 / conv)} GFLOP/s inside the convolution kernels (${fmt(conv)} ms); load average ${load()}`);
  for (const r of rows.filter((r) => r.ms >= 0.1)) console.log(`    ${r.n.padEnd(30)} ${fmt(r.ms).padStart(8)} ms  ${fmt((100 * r.ms) / stepMs).padStart(5)} %  (${r.calls} calls)`);
  const rest = stepMs - rows.reduce((p, r) => p + r.ms, 0);
  console.log(`    ${'(outside kernels: tape, JS)'.padEnd(30)} ${fmt(rest).padStart(8)} ms  ${fmt((100 * rest) / stepMs).padStart(5)} %`);
}

function option(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

/** Training files of the real PneumoniaMNIST split; with `limit`, classes interleaved (as pytorch_reference.py's load_split). */
function trainFiles(limit = 0): { files: string[]; labels: number[] } {
  const groups = fs
    .readdirSync(path.join(DATA, 'train'))
    .sort()
    .map((d) => fs.readdirSync(path.join(DATA, 'train', d)).sort().map((f) => ({ file: path.join(DATA, 'train', d, f), label: Number(d.split('_')[0]) })));
  let items = groups.flat();
  if (limit) {
    items = [];
    for (let i = 0; items.length < limit && groups.some((g) => i < g.length); i++) for (const g of groups) if (i < g.length) items.push(g[i]!);
    items = items.slice(0, limit);
  }
  return { files: items.map((x) => x.file), labels: items.map((x) => x.label) };
}

/** Cores, model, clock (os.cpus() reports 0 MHz in some VMs: then /proc/cpuinfo) and the SIMD the CPU has (PyTorch can use AVX-512; wasm SIMD is 128-bit). */
function cpuLine(): string {
  const cpus = os.cpus();
  let mhz = cpus[0]?.speed ?? 0;
  let flags = '';
  try {
    const info = fs.readFileSync('/proc/cpuinfo', 'utf8');
    if (!mhz) mhz = Math.round(Number(/cpu MHz\s*:\s*([\d.]+)/.exec(info)?.[1] ?? 0));
    const f = /^flags\s*:(.*)$/m.exec(info)?.[1]?.split(' ') ?? [];
    flags = ['avx2', 'fma', 'avx512f'].filter((x) => f.includes(x)).join(' ');
  } catch {
    // not Linux
  }
  return `${cpus.length} cores, ${cpus[0]?.model ?? 'cpu'}${mhz ? ` at ${mhz} MHz` : ''}${flags ? ` (${flags})` : ''}`;
}

const range = (v: number[]) => (v.length > 1 ? ` (${fmt(Math.min(...v))}-${fmt(Math.max(...v))})` : '');

export default async function run(args: string[]): Promise<void> {
  const quick = args.includes('--quick');
  const noTorch = args.includes('--no-torch') || args.includes('--profile');
  const only = option(args, '--only');
  const models = (option(args, '--models') ?? 'seed-cnn,default').split(',') as Architecture[];
  const sizes = (option(args, '--sizes') ?? '28,112').split(',').map(Number);
  const rounds = quick ? 1 : Number(option(args, '--rounds')) || 3;
  const nEpochs = Number(option(args, '--epochs')) || 2;
  const limit112 = Number(option(args, '--limit112')) || 256;
  for (const m of models) if (m !== 'seed-cnn' && m !== 'default') throw new Error(`--models takes seed-cnn and/or default, not ${m}`);
  const backend = await benchBackend(args);
  console.log(`machine: ${cpuLine()}; load average ${load()}`);
  const simd = simdKernelsEnabled() ? 'on: batch norm + ReLU, filter gradient, max-pool gradient, Adam' : 'OFF (CARELENS_SIMD_KERNELS=0)';
  console.log(`tfjs: ${backend} + CareLens training kernels; SIMD kernels ${simd}`);

  if (args.includes('--profile')) {
    console.log('per-kernel time of one training step (batch 32, random data; medians over steps; every kernel wrapped in a timer):');
    for (const arch of models) for (const size of sizes) profile(arch, size, size > 28 ? 3 : 1, size > 28 ? 4 : 12);
    return;
  }

  let refusal: string | null = null;
  if (!noTorch) {
    const info = torch(['blas']);
    const blas = info?.blas as BlasInfo | undefined;
    if (info) {
      console.log(`PyTorch ${String(info.torch)} (${String(info.threads)} threads), BLAS: ${blas?.kind ?? '?'} [${blas?.libraries.join(', ') ?? ''}], libblas.so.3 -> ${blas?.alternative || '?'}, oneDNN ${blas?.onednn || '-'}, ATen CPU capability ${blas?.cpu_capability || '?'}`);
      refusal = blasRefusal(blas);
      if (refusal) console.log(`  NO RATIOS: ${refusal}`);
    }
  }
  const ratio = (ours: number, theirs: number) => (refusal ? 'refused (reference BLAS)' : fmt(ours / theirs, 2));

  if (only !== 'epochs') {
    const steps = (size: number, arch: Architecture) => Number(option(args, '--steps')) || (quick ? (size > 28 ? 2 : 6) : size > 28 ? (arch === 'default' ? 6 : 4) : 20);
    console.log(`training steps: images/s, batch 32, random data; median step of each round, tfjs and PyTorch alternating, ${rounds} round(s), medians over rounds:`);
    for (const arch of models) {
      for (const size of sizes) {
        const ch = size > 28 ? 3 : 1;
        const n = steps(size, arch);
        const ours: number[] = [];
        const theirs: number[] = [];
        for (let r = 0; r < rounds; r++) {
          ours.push(throughput(arch, size, ch, n));
          const ref = noTorch ? null : torch(['throughput', '--arch', arch, '--size', String(size), '--channels', String(ch), '--steps', String(n)]);
          if (ref) theirs.push(Number(ref.images_per_second));
        }
        const [o, t] = [median(ours), median(theirs)];
        console.log(`  ${arch.padEnd(8)} ${`${size}x${size}x${ch}`.padEnd(9)} steps: tfjs-wasm ${fmt(o)} img/s${range(ours)} | PyTorch ${fmt(t)} img/s${range(theirs)} | ratio ${ratio(o, t)}; load ${load()}`);
      }
    }
  }
  if (quick || only === 'steps') return;
  if (!fs.existsSync(DATA)) {
    console.log(`(no ${DATA}: skipping full epochs)`);
    return;
  }
  const configs: { arch: Architecture; size: number; ch: number; limit: number }[] = [];
  for (const arch of models) for (const size of sizes) configs.push({ arch, size, ch: size > 28 ? 3 : 1, limit: size > 28 ? limit112 : 0 });
  for (const c of configs) {
    // Only `default` is run at 112 over full epochs: seed-cnn's 50 M-weight dense layer at 112 px is not a model anyone trains here.
    if (c.arch === 'seed-cnn' && c.size > 28) continue;
    const { files, labels } = trainFiles(c.limit);
    const x = await loadPixels(files, c.size, c.ch);
    const what = c.size > 28 ? `the first ${files.length} real PneumoniaMNIST training images (classes interleaved) upscaled from 28x28` : `all ${files.length} real PneumoniaMNIST training images`;
    console.log(`full epochs, ${c.arch} ${c.size}x${c.size}x${c.ch}, Adam 1e-3${c.arch === 'default' ? ', flips + 2 px shifts' : ''}, batch 32, ${what}; load average ${load()}`);
    const ours = epochs(c.arch, nEpochs, x, labels, c.size, c.ch);
    const pyArgs = ['epochs', '--arch', c.arch, '--adam', '--epochs', String(nEpochs), '--data', DATA, '--size', String(c.size), '--channels', String(c.ch), '--limit', String(c.limit)];
    const ref = noTorch ? null : torch(c.arch === 'default' ? [...pyArgs, '--augment'] : pyArgs);
    const theirs = (ref?.images_per_second_per_epoch as number[] | undefined) ?? [];
    console.log(`  tfjs-wasm img/s per epoch: ${ours.map((r) => fmt(r)).join(', ')} (median ${fmt(median(ours))})`);
    console.log(`  PyTorch   img/s per epoch: ${theirs.map((r) => fmt(r)).join(', ')} (median ${fmt(median(theirs))})`);
    console.log(`  ratio of medians: ${ratio(median(ours), median(theirs))}; load average after: ${load()}`);
  }
}
