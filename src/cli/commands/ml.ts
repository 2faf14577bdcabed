import fs from 'node:fs';
import { parseArgs } from 'node:util';
import type { Architecture, Diagnosis, SplitMode, TrainingProgress } from '../../shared/domain/ml';
import type { OutputOf } from '../../shared/ipc/contract';
import type { FilePrediction } from '../../shared/ipc/ml';
import { call, printJson, progressBar, unchecked, UsageError } from '../output';
import type { CliCommand, CliContext } from '../types';

const pct = (x: number | null | undefined) => (x === null || x === undefined ? '—' : `${(x * 100).toFixed(1)}%`);
const num = (x: number | null | undefined, d = 3) => (x === null || x === undefined ? '—' : x.toFixed(d));

function intArg(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n)) throw new UsageError(`--${name} takes a whole number`);
  return n;
}

async function train(ctx: CliContext, args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      'label-set': { type: 'string' },
      arch: { type: 'string' },
      epochs: { type: 'string' },
      split: { type: 'string' },
      'batch-size': { type: 'string' },
      'input-size': { type: 'string' },
      channels: { type: 'string' },
      seed: { type: 'string' },
      activate: { type: 'boolean' },
    },
    strict: true,
  });
  if (!values['label-set']) throw new UsageError('train needs --label-set NAME');
  const bar = progressBar(ctx);
  // Progress: a bar on a terminal; otherwise one line per epoch, always on stderr.
  const unsubscribe = ctx.app().core.events.subscribe((name, payload) => {
    if (name !== 'ml:progress') return;
    const p = payload as TrainingProgress;
    if (p.kind === 'batch') {
      const done = (p.epoch - 1) * p.batches + p.batch;
      bar.update(done, p.epochs * p.batches, `epoch ${p.epoch}/${p.epochs} loss ${num(p.loss)} acc ${pct(p.acc)} ${Math.round(p.imagesPerSecond ?? 0)} img/s ETA ${Math.round(p.etaSeconds ?? 0)} s`);
    } else if (p.kind === 'epoch') {
      if (!ctx.io.isTty) ctx.io.stderr.write(`epoch ${p.epoch}/${p.epochs}: loss ${num(p.loss)} acc ${pct(p.acc)} val loss ${num(p.valLoss)} val acc ${pct(p.valAcc)} ${Math.round(p.imagesPerSecond ?? 0)} img/s\n`);
      if (p.message) ctx.io.stderr.write(`${ctx.io.isTty ? '\n' : ''}${p.message}\n`);
    } else if (p.message && !ctx.io.isTty) ctx.io.stderr.write(`${p.message}\n`);
  });
  let run: OutputOf<'ml:train'>;
  try {
    run = await call(ctx, 'ml:train', {
      labelSet: values['label-set'],
      ...(values.arch ? { architecture: unchecked<Architecture>(values.arch) } : {}),
      ...(values.epochs ? { epochs: intArg(values.epochs, 'epochs') } : {}),
      ...(values.split ? { split: unchecked<SplitMode>(values.split) } : {}),
      ...(values['batch-size'] ? { batchSize: intArg(values['batch-size'], 'batch-size') } : {}),
      ...(values['input-size'] ? { inputSize: intArg(values['input-size'], 'input-size') } : {}),
      ...(values.channels ? { channels: unchecked<1 | 3>(intArg(values.channels, 'channels')!) } : {}),
      ...(values.seed ? { seed: intArg(values.seed, 'seed') } : {}),
      ...(values.activate ? { activate: true } : {}),
      wait: true,
    });
  } finally {
    unsubscribe();
    bar.done();
  }
  if (run.state !== 'done' || !run.modelVersionId) {
    ctx.io.stderr.write(`carelens: training ${run.state}${run.error ? `: ${run.error}` : ''}\n`);
    return 1;
  }
  const v = await call(ctx, 'ml:version', { id: run.modelVersionId });
  if (ctx.json) {
    printJson(ctx, {
      modelVersion: v.version,
      modelVersionId: v.id,
      architecture: v.architecture,
      labelSet: v.labelSetName,
      active: v.active,
      backend: v.backend,
      durationSeconds: v.durationSeconds,
      split: v.split,
      bestEpoch: v.metrics.bestEpoch,
      metrics: { test: v.metrics.test, temperature: v.metrics.temperature, subgroups: v.metrics.subgroups, missingAttributes: v.metrics.missingAttributes },
      history: v.metrics.history,
    });
    return 0;
  }
  const t = v.metrics.test;
  const out = ctx.io.stdout;
  out.write(`Model version ${v.version} (${v.architecture}) on "${v.labelSetName}"${v.active ? ', active' : ''}: ${v.backend} backend, ${v.durationSeconds.toFixed(0)} s, best epoch ${v.metrics.bestEpoch}\n`);
  out.write(`Split (${v.split.mode}): train ${v.split.counts.train}, validation ${v.split.counts.val}, test ${v.split.counts.test}\n`);
  out.write(`Test: accuracy ${pct(t.accuracy)}, ROC AUC ${num(t.rocAuc)}, ECE ${num(t.ece)} (before temperature scaling ${num(t.eceBeforeScaling)}, T=${num(v.metrics.temperature, 2)})\n`);
  for (const c of t.perClass) out.write(`  ${c.className.padEnd(20)} precision ${pct(c.precision)} recall ${pct(c.recall)} F1 ${num(c.f1)} (n=${c.support})\n`);
  for (const s of v.metrics.subgroups) out.write(`  subgroup ${s.attribute}=${s.value}: n=${s.n} accuracy ${pct(s.accuracy)}${s.flag ? `  ! ${s.flag}` : ''}\n`);
  return 0;
}

async function predict(ctx: CliContext, args: string[]): Promise<number> {
  const { positionals } = parseArgs({ args, allowPositionals: true, strict: true });
  if (positionals.length !== 1) throw new UsageError('predict takes one image id or image file');
  const target = positionals[0]!;
  let result: FilePrediction | (Diagnosis & { file?: undefined });
  if (fs.existsSync(target) && fs.statSync(target).isFile()) result = await call(ctx, 'ml:predictFile', { path: target });
  else {
    const [d] = await call(ctx, 'ml:diagnose', { imageId: target });
    result = d!;
  }
  const probabilities = Object.fromEntries(result.classes.map((c, i) => [c, result.probabilities[i]!]));
  const summary = {
    ...(result.file ? { file: result.file } : { imageId: (result as Diagnosis).imageId, diagnosisId: (result as Diagnosis).id }),
    label: result.predictedClass,
    confidence: result.confidence,
    uncertain: result.uncertain,
    threshold: result.threshold,
    probabilities,
    modelVersion: result.modelVersion,
    modelVersionId: result.modelVersionId,
  };
  if (ctx.json) printJson(ctx, summary);
  else {
    ctx.io.stdout.write(`${result.predictedClass} (calibrated confidence ${pct(result.confidence)}; model version ${result.modelVersion})${result.uncertain ? `\nUncertain — refer for review (below the ${pct(result.threshold)} threshold)` : ''}\n`);
    for (const [c, p] of Object.entries(probabilities)) ctx.io.stdout.write(`  ${c.padEnd(20)} ${pct(p)}\n`);
  }
  return 0;
}

/** The ml feature's CLI commands. */
export const mlCommands: CliCommand[] = [
  {
    name: 'train',
    summary: 'Train a classifier on a label set (in a worker thread) and save a model version.',
    usage:
      'carelens train --label-set NAME [--arch default|seed-cnn] [--epochs N] [--split patient|predefined] [--batch-size N] [--input-size N] [--channels 1|3] [--seed N] [--activate] [--json]',
    run: train,
  },
  {
    name: 'predict',
    summary: 'Run the active model on an imported image (by id; stored as a diagnosis) or an image file.',
    usage: 'carelens predict <image-id or file> [--json]',
    run: predict,
  },
];
