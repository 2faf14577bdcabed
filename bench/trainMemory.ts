/**
 * `npm run bench -- train-memory [options]`: the peak resident memory (VmHWM) of a process
 * that runs the ml worker's training (`train()` in trainer.ts, wasm backend, as the worker
 * runs it) on a large synthetic set, to check the issue's bound: 60,000 images of 28 x 28
 * within 1.5 GB. Then, with `--stream`, the same at 112 x 112 x 3, where the decoded inputs
 * exceed HELD_BYTES and are streamed through the bounded cache (pixelSource.ts).
 *
 * The images are generated PNGs in a temporary folder (two classes: a bright square left or
 * right of centre, with noise), split 80 / 10 / 10; the training runs in a child process so
 * its peak RSS is its own (tfjs, the wasm heap, the pixels, the OOD fit), not the bench's.
 *
 * Options: --images N (default 60000; 0 skips the 28 x 28 scenario)  --epochs N (default 1)  --stream (also 112x112x3)
 * --stream-images N (default 4000)  --keep (leave the temporary folder)
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PNG } from 'pngjs';

const arg = (args: string[], name: string, fallback: number) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};

/** Writes `n` PNGs of w x h (colour when asked) and returns [file, label, split] rows. */
function generate(dir: string, n: number, w: number, h: number, colour: boolean): { file: string; label: number; split: 'train' | 'val' | 'test' }[] {
  const out: { file: string; label: number; split: 'train' | 'val' | 'test' }[] = [];
  let s = 12345;
  const rnd = () => (s = (s * 1103515245 + 12345) % 2147483648) / 2147483648;
  const png = new PNG({ width: w, height: h });
  for (let k = 0; k < n; k++) {
    const label = k % 2;
    const cx = label ? Math.floor(w * 0.7) : Math.floor(w * 0.3);
    const cy = Math.floor(h / 2);
    const r = Math.max(2, Math.floor(Math.min(w, h) / 6));
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const inside = Math.abs(x - cx) <= r && Math.abs(y - cy) <= r;
        const v = Math.min(255, (inside ? 180 : 40) + Math.floor(rnd() * 60));
        png.data.set([v, colour ? 255 - v : v, v, 255], (y * w + x) * 4);
      }
    }
    const sub = path.join(dir, String(Math.floor(k / 1000)));
    if (k % 1000 === 0) fs.mkdirSync(sub, { recursive: true });
    const file = path.join(sub, `${k}.png`);
    fs.writeFileSync(file, PNG.sync.write(png));
    const m = k % 10;
    out.push({ file, label, split: m < 8 ? 'train' : m === 8 ? 'val' : 'test' });
  }
  return out;
}

interface Measured {
  vmHwmMb: number;
  seconds: number;
  streamed: boolean;
  images: number;
  testAccuracy: number;
}

/** Runs in the child: one training as the worker runs it, then its own peak RSS. */
async function child(specFile: string): Promise<void> {
  const { benchBackend } = await import('./util');
  const tf = await import('@tensorflow/tfjs');
  const { train } = await import('../src/main/ml/trainer');
  const { streams } = await import('../src/main/ml/pixelSource');
  await benchBackend([]);
  const spec = JSON.parse(fs.readFileSync(specFile, 'utf8')) as Parameters<typeof train>[1];
  const started = Date.now();
  // Status lines and epochs on stderr (the parent shows them), batches not.
  const result = await train(tf, spec, (p) => p.kind !== 'batch' && process.stderr.write(`    ${p.kind === 'epoch' ? `epoch ${p.epoch}: ${Math.round(p.imagesPerSecond ?? 0)} img/s` : (p.message ?? p.phase)}\n`), () => false);
  const correct = result.test.logits.filter((l, i) => l.indexOf(Math.max(...l)) === result.test.labels[i]).length;
  const status = fs.readFileSync('/proc/self/status', 'utf8');
  const hwm = Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? NaN) / 1024;
  const m: Measured = {
    vmHwmMb: hwm,
    seconds: (Date.now() - started) / 1000,
    streamed: streams(spec.items.length, spec.hyper.inputSize, spec.hyper.channels),
    images: spec.items.length,
    testAccuracy: correct / Math.max(1, result.test.labels.length),
  };
  process.stdout.write(`${JSON.stringify(m)}\n`);
}

async function scenario(root: string, name: string, n: number, w: number, h: number, size: number, channels: 1 | 3, epochs: number): Promise<Measured> {
  const { defaultHyper } = await import('../src/main/ml/trainer');
  const dir = path.join(root, name);
  const t0 = Date.now();
  const rows = generate(dir, n, w, h, channels === 3);
  console.log(`  ${name}: generated ${n} PNGs of ${w} x ${h} in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  const hyper = defaultHyper('default', { epochs, inputSize: size, channels, input: { resize: 'letterbox', proposal: null, source: 'chosen', normalisation: 'voi-window-else-min-max' } });
  const spec = { runId: name, architecture: 'default', classes: ['left', 'right'], hyper, items: rows.map((r, i) => ({ id: String(i), ...r })), outDir: path.join(dir, 'model'), storeKey: null };
  const specFile = path.join(root, `${name}.json`);
  fs.writeFileSync(specFile, JSON.stringify(spec));
  const out = execFileSync(process.execPath, [...process.execArgv, __filename, '--child', specFile], { encoding: 'utf8', maxBuffer: 1 << 24, timeout: 7_200_000 });
  return JSON.parse(out.trim().split('\n').at(-1)!) as Measured;
}

export default async function main(args: string[]): Promise<void> {
  const images = arg(args, '--images', 60000);
  const epochs = arg(args, '--epochs', 1);
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'carelens-train-memory-'));
  console.log(`load average ${os.loadavg().map((l) => l.toFixed(1)).join(' / ')}; ${epochs} epoch(s); peak RSS is the training process's VmHWM`);
  try {
    const a = images > 0 ? await scenario(root, 'grey28', images, 28, 28, 28, 1, epochs) : null;
    if (a) console.log(`  28 x 28 x 1, ${a.images} images (${a.streamed ? 'streamed' : 'held'}): peak RSS ${a.vmHwmMb.toFixed(0)} MB (bound 1536 MB: ${a.vmHwmMb <= 1536 ? 'within' : 'OVER'}), ${a.seconds.toFixed(0)} s, test accuracy ${(a.testAccuracy * 100).toFixed(1)}%`);
    if (args.includes('--stream')) {
      const n = arg(args, '--stream-images', 4000);
      const b = await scenario(root, 'rgb112', n, 128, 96, 112, 3, epochs);
      const heldMb = (n * 112 * 112 * 3 * 4) / 2 ** 20;
      console.log(`  112 x 112 x 3, ${b.images} images (${b.streamed ? 'streamed' : 'held'}; held would be ${heldMb.toFixed(0)} MB of inputs): peak RSS ${b.vmHwmMb.toFixed(0)} MB, ${b.seconds.toFixed(0)} s, test accuracy ${(b.testAccuracy * 100).toFixed(1)}%`);
    }
  } finally {
    if (!args.includes('--keep')) fs.rmSync(root, { recursive: true, force: true });
    else console.log(`  kept ${root}`);
  }
}

if (process.argv.includes('--child')) {
  child(process.argv[process.argv.indexOf('--child') + 1]!).catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
