import path from 'node:path';
import { parseArgs } from 'node:util';
import type { ARCHITECTURES, HyperParameters, SplitMode, TrainingProgress } from '../../shared/domain/ml';
import { resizeModeOf } from '../../shared/domain/mlInput';
import type { OutputOf } from '../../shared/ipc/contract';
import { call, printJson, progressBar, unchecked, UsageError } from '../output';
import type { CliCommand, CliContext } from '../types';
import { predict } from './mlPredict';

const pct = (x: number | null | undefined) => (x === null || x === undefined ? '—' : `${(x * 100).toFixed(1)}%`);
const num = (x: number | null | undefined, d = 3) => (x === null || x === undefined ? '—' : x.toFixed(d));

function intArg(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n)) throw new UsageError(`--${name} takes a whole number`);
  return n;
}

/** What a version's input was: proposed from the data, used, and how images were resized. */
function inputSummary(h: HyperParameters) {
  const p = h.input?.proposal ?? null;
  return {
    proposed: p ? { inputSize: p.inputSize, channels: p.channels, reason: p.reason, limitedBy: p.limitedBy, medianWidth: p.medianWidth, medianHeight: p.medianHeight, greyShare: p.greyShare } : null,
    used: { inputSize: h.inputSize, channels: h.channels, resize: resizeModeOf(h) },
    source: h.input?.source ?? null,
    normalisation: h.input?.normalisation ?? null,
  };
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
      from: { type: 'string' },
      'freeze-epochs': { type: 'string' },
    },
    strict: true,
  });
  if (!values['label-set']) throw new UsageError('train needs --label-set NAME');
  if (values['freeze-epochs'] !== undefined && !values.from) throw new UsageError('--freeze-epochs needs --from (it freezes the backbone of the model fine-tuning starts from)');
  const inputSize = values['input-size'] ? intArg(values['input-size'], 'input-size') : undefined;
  const channels = values.channels ? intArg(values.channels, 'channels') : undefined;
  if (channels !== undefined && channels !== 1 && channels !== 3) throw new UsageError('--channels takes 1 (grey) or 3 (RGB)');
  // Every argument is checked before anything runs (a usage error exits 2 whatever the label set).
  const request = {
    labelSet: values['label-set'],
    ...(values.arch ? { architecture: unchecked<(typeof ARCHITECTURES)[number]>(values.arch) } : {}),
    ...(values.epochs ? { epochs: intArg(values.epochs, 'epochs') } : {}),
    ...(values.split ? { split: unchecked<SplitMode>(values.split) } : {}),
    ...(values['batch-size'] ? { batchSize: intArg(values['batch-size'], 'batch-size') } : {}),
    ...(inputSize !== undefined ? { inputSize } : {}),
    ...(channels !== undefined ? { channels: unchecked<1 | 3>(channels) } : {}),
    ...(values.seed ? { seed: intArg(values.seed, 'seed') } : {}),
    ...(values.from ? { from: values.from } : {}),
    ...(values['freeze-epochs'] !== undefined ? { freezeEpochs: intArg(values['freeze-epochs'], 'freeze-epochs') } : {}),
    wait: true,
  };
  // What the data proposes, said before training starts (explicit --input-size / --channels win; fine-tuning keeps the source model's input).
  if (!values.from) {
    const proposal = await call(ctx, 'ml:inputProposal', { labelSet: request.labelSet, ...(request.architecture ? { architecture: request.architecture } : {}) });
    const used = `${inputSize ?? proposal.inputSize} x ${inputSize ?? proposal.inputSize} ${(channels ?? proposal.channels) === 3 ? 'RGB' : 'grey'}`;
    ctx.io.stderr.write(`Input proposed from the data: ${proposal.reason}\n${inputSize !== undefined || channels !== undefined ? `Using ${used} as chosen (--input-size / --channels).\n` : ''}`);
  }
  if (values.from) ctx.io.stderr.write(`Fine-tuning from ${values.from}: the input size, channels and resizing follow that model, not the proposal.\n`);
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
    run = await call(ctx, 'ml:train', request);
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
      input: inputSummary(v.hyperParameters),
      validationFromTrain: v.split.valFromTrain ? { fraction: v.split.valFromTrain.fraction, seed: v.split.valFromTrain.seed, images: v.split.valFromTrain.imageIds.length, classCounts: v.split.valFromTrain.classCounts } : null,
      startedFrom: v.provenance?.startedFrom ?? null,
      bestEpoch: v.metrics.bestEpoch,
      metrics: { test: v.metrics.test, temperature: v.metrics.temperature, subgroups: v.metrics.subgroups, missingAttributes: v.metrics.missingAttributes },
      history: v.metrics.history,
    });
    return 0;
  }
  const t = v.metrics.test;
  const out = ctx.io.stdout;
  out.write(`Model version ${v.version} (${v.architecture}) on "${v.labelSetName}"${v.active ? ', active' : ', not active'}: ${v.backend} backend, ${v.durationSeconds.toFixed(0)} s, best epoch ${v.metrics.bestEpoch}\n`);
  out.write(`Split (${v.split.mode}): train ${v.split.counts.train}, validation ${v.split.counts.val}, test ${v.split.counts.test}\n`);
  const from = v.provenance?.startedFrom;
  if (from) out.write(`Fine-tuned from model v${from.version} (${from.versionId}${from.packageSha256 ? `, package ${from.packageSha256.slice(0, 12)}` : ''}; ${from.classes.join(', ')} on "${from.labelSetName}")${from.headReplaced ? `: head replaced, backbone frozen for ${from.freezeEpochs} epoch(s)` : ''}\n`);
  const carve = v.split.valFromTrain;
  if (carve) out.write(`Validation carved from train: ${carve.imageIds.length} images (${Math.round(carve.fraction * 100)}% of the training subjects per class, seed ${carve.seed}; the predefined split has none); stored with the version\n`);
  const input = inputSummary(v.hyperParameters);
  out.write(`Input: ${input.used.inputSize} x ${input.used.inputSize} ${input.used.channels === 3 ? 'RGB' : 'grey'}, ${input.used.resize === 'letterbox' ? 'letterboxed (aspect kept, zero padding)' : 'stretched'}${input.source ? `, ${input.source === 'proposed' ? 'proposed from the data' : 'chosen'}` : ''}${input.proposed ? ` (proposed ${input.proposed.inputSize} x ${input.proposed.inputSize} ${input.proposed.channels === 3 ? 'RGB' : 'grey'}: ${input.proposed.reason})` : ''}\n`);
  out.write(`Test: accuracy ${pct(t.accuracy)}, ROC AUC ${num(t.rocAuc)}, ECE ${num(t.ece)} (before temperature scaling ${num(t.eceBeforeScaling)}, T=${num(v.metrics.temperature, 2)})\n`);
  for (const c of t.perClass) out.write(`  ${c.className.padEnd(20)} precision ${pct(c.precision)} recall ${pct(c.recall)} F1 ${num(c.f1)} (n=${c.support})\n`);
  for (const s of v.metrics.subgroups) out.write(`  subgroup ${s.attribute}=${s.value}: n=${s.n} accuracy ${pct(s.accuracy)}${s.flag ? `  ! ${s.flag}` : ''}\n`);
  if (!v.active) out.write(`Not active: review the metrics, then carelens models activate ${v.id}\n`);
  return 0;
}

/**
 * `carelens models list | activate <id> [--reason TEXT] | min-recall [--set X]`. Activation
 * follows the same rules as in the app: below the clinic's minimum recall for any class it
 * needs --reason, and the reason goes into the audit trail.
 */
async function models(ctx: CliContext, args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  const out = ctx.io.stdout;
  if (sub === 'list') {
    const { values } = parseArgs({ args: rest, strict: true, options: { 'label-set': { type: 'string' } } });
    const list = await call(ctx, 'ml:versions', values['label-set'] ? { labelSet: values['label-set'] } : {});
    if (ctx.json) {
      printJson(ctx, list.map((v) => ({ id: v.id, version: v.version, architecture: v.architecture, labelSet: v.labelSetName, active: v.active, createdAt: v.createdAt, createdBy: v.createdBy, testAccuracy: v.testAccuracy, testRocAuc: v.testRocAuc, testEce: v.testEce })));
      return 0;
    }
    if (list.length === 0) out.write('No model versions yet: carelens train --label-set NAME\n');
    for (const v of list) out.write(`v${String(v.version).padEnd(4)} ${v.id}  ${v.architecture.padEnd(9)} ${`"${v.labelSetName}"`.padEnd(24)} accuracy ${pct(v.testAccuracy)} AUC ${num(v.testRocAuc)}${v.active ? '  ACTIVE' : ''}\n`);
    return 0;
  }
  if (sub === 'activate') {
    const { values, positionals } = parseArgs({ args: rest, allowPositionals: true, strict: true, options: { reason: { type: 'string' } } });
    if (positionals.length !== 1) throw new UsageError('models activate takes one model version id');
    const id = positionals[0]!;
    const check = await call(ctx, 'ml:activationCheck', { id });
    if (!ctx.json) {
      out.write(`Model v${check.version} on "${check.labelSetName}": test accuracy ${pct(check.test.accuracy)}, ROC AUC ${num(check.test.rocAuc)}, ECE ${num(check.test.ece)} (${check.test.n} images)\n`);
      for (const c of check.perClass) out.write(`  ${c.className.padEnd(20)} recall ${pct(c.recall)} (n=${c.support})${c.belowMinimum ? `  below the clinic's minimum ${pct(check.minClassRecall)}` : ''}\n`);
    }
    if (check.reasonRequired && !values.reason) throw new UsageError(`model v${check.version} is below the clinic's minimum recall for a class: activating it needs --reason TEXT (kept in the audit trail)`);
    const v = await call(ctx, 'ml:activate', { id, ...(values.reason ? { reason: values.reason } : {}) });
    if (ctx.json) printJson(ctx, { id: v.id, version: v.version, active: v.active, reasonRequired: check.reasonRequired, perClass: check.perClass, minClassRecall: check.minClassRecall });
    else out.write(`Model v${v.version} is now the active model.\n`);
    return 0;
  }
  if (sub === 'export') {
    const { values, positionals } = parseArgs({ args: rest, allowPositionals: true, strict: true, options: { out: { type: 'string' } } });
    if (positionals.length !== 1 || !values.out) throw new UsageError('models export takes one model version id and --out DIR');
    const e = await call(ctx, 'ml:exportModel', { id: positionals[0]!, outDir: path.resolve(values.out) });
    if (ctx.json) printJson(ctx, e);
    else {
      out.write(`Model v${e.version} exported to ${e.dir} (package ${e.packageSha256}):\n`);
      for (const f of e.files) out.write(`  ${f.path.padEnd(18)} ${String(f.bytes).padStart(10)} bytes  sha256 ${f.sha256}\n`);
    }
    return 0;
  }
  if (sub === 'import') {
    const { values, positionals } = parseArgs({
      args: rest,
      allowPositionals: true,
      strict: true,
      options: { 'label-set': { type: 'string' }, classes: { type: 'string' }, 'input-size': { type: 'string' }, channels: { type: 'string' } },
    });
    if (positionals.length !== 1) throw new UsageError('models import takes one folder (a CareLens model package, or a TF.js LayersModel with --classes, --input-size and --channels)');
    const channels = intArg(values.channels, 'channels');
    if (channels !== undefined && channels !== 1 && channels !== 3) throw new UsageError('--channels takes 1 (grey) or 3 (RGB)');
    const inputSize = intArg(values['input-size'], 'input-size');
    const v = await call(ctx, 'ml:importModel', {
      dir: path.resolve(positionals[0]!),
      ...(values['label-set'] ? { labelSet: values['label-set'] } : {}),
      ...(values.classes ? { classes: values.classes.split(',').map((c) => c.trim()) } : {}),
      ...(inputSize !== undefined ? { inputSize } : {}),
      ...(channels !== undefined ? { channels: unchecked<1 | 3>(channels) } : {}),
    });
    const imported = v.provenance?.imported;
    if (ctx.json) printJson(ctx, { id: v.id, version: v.version, active: v.active, labelSet: v.labelSetName, classes: v.classes, architecture: v.architecture, card: v.card, packageSha256: v.packageSha256, imported, intendedUse: v.intendedUse });
    else {
      out.write(`Imported as model v${v.version} (${v.id}) on "${v.labelSetName}" (${v.classes.join(', ')}), not active.\n`);
      if (imported?.source) out.write(`From CareLens ${imported.carelensVersion}: model v${imported.source.version} trained by ${imported.source.createdBy} on ${imported.source.createdAt}, exported by ${imported.source.exportedBy}.\n`);
      for (const c of imported?.changes ?? []) out.write(`  ${c}\n`);
      if (v.card === 'none') out.write('No CareLens card: intended use unknown. Its predictions are marked outside its training until a clinician records its intended use.\n');
      out.write(`Review it, then: carelens models activate ${v.id} --reason TEXT\n`);
    }
    return 0;
  }
  if (sub === 'intended-use') {
    const { values, positionals } = parseArgs({
      args: rest,
      allowPositionals: true,
      strict: true,
      options: { modality: { type: 'string' }, 'no-modality': { type: 'boolean' }, 'body-part': { type: 'string' }, colour: { type: 'string' }, format: { type: 'string' }, size: { type: 'string' }, reason: { type: 'string' } },
    });
    const list = (x: string | undefined) => (x ? x.split(',').map((s) => s.trim()).filter(Boolean) : []);
    const size = /^(\d+)-(\d+)$/.exec(values.size ?? '');
    if (positionals.length !== 1 || !values.colour || !values.format || !size || !values.reason) {
      throw new UsageError('models intended-use takes one model version id, --modality CR,DX and/or --no-modality, --colour grey|colour, --format png,jpeg,dicom, --size MIN-MAX (pixels) and --reason TEXT (how you know)');
    }
    const v = await call(ctx, 'ml:declareIntendedUse', {
      id: positionals[0]!,
      modalities: list(values.modality),
      withoutModality: Boolean(values['no-modality']),
      bodyParts: list(values['body-part']),
      colour: list(values.colour).map((c) => unchecked<'grey' | 'colour'>(c)),
      formats: list(values.format).map((f) => unchecked<'png' | 'jpeg' | 'dicom'>(f)),
      minSize: Number(size[1]),
      maxSize: Number(size[2]),
      reason: values.reason,
    });
    if (ctx.json) printJson(ctx, { id: v.id, version: v.version, intendedUse: v.intendedUse });
    else out.write(`Model v${v.version}: intended use recorded. Its predictions are now checked against it.\n`);
    return 0;
  }
  if (sub === 'min-recall') {
    const { values } = parseArgs({ args: rest, strict: true, options: { set: { type: 'string' } } });
    const wanted = values.set !== undefined ? Number(values.set) : null;
    if (wanted !== null && !Number.isFinite(wanted)) throw new UsageError('--set takes a number from 0 to 1');
    const r = wanted !== null ? await call(ctx, 'ml:setMinRecall', { minClassRecall: wanted }) : await call(ctx, 'ml:minRecall', {});
    if (ctx.json) printJson(ctx, r);
    else out.write(`Minimum recall for every class to activate a model without a reason: ${pct(r.minClassRecall)}\n`);
    return 0;
  }
  throw new UsageError(`unknown models command: ${sub ?? '(none)'}`);
}

/** The ml feature's CLI commands. */
export const mlCommands: CliCommand[] = [
  {
    name: 'train',
    summary: 'Train a classifier on a label set (in a worker thread) and save a model version (not made active: see carelens models activate).',
    usage:
      'carelens train --label-set NAME [--arch default|seed-cnn] [--epochs N] [--split patient|predefined] [--batch-size N] [--input-size N] [--channels 1|3] [--seed N] [--from VERSION-ID|PACKAGE-DIR [--freeze-epochs N]] [--json]',
    run: train,
  },
  {
    name: 'models',
    summary: 'List model versions; activate one (a decision: below the clinic\'s minimum recall it needs --reason); the minimum recall; export a version as a model package, import a package or a plain TF.js model (inactive).',
    usage:
      'carelens models list [--label-set NAME] [--json]\ncarelens models activate <model-version-id> [--reason TEXT] [--json]\ncarelens models min-recall [--set 0..1] [--json]\ncarelens models export <model-version-id> --out DIR [--json]\ncarelens models import DIR [--label-set NAME] [--classes a,b --input-size N --channels 1|3 (a plain TF.js LayersModel)] [--json]\ncarelens models intended-use <model-version-id> [--modality CR,DX] [--no-modality] [--body-part CHEST] --colour grey|colour --format png,jpeg,dicom --size MIN-MAX --reason TEXT (a model imported without a CareLens card)',
    run: models,
  },
  {
    name: 'predict',
    summary: 'Run the active model on image files, folders (recursively) or imported images (by id; stored as diagnoses), with whether each image is in the model\'s scope and its out-of-distribution score.',
    usage: 'carelens predict <file|image-id|folder>... [--json]   (one file or id: one object; several or a folder: an array)',
    run: predict,
  },
];
