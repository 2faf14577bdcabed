/**
 * `carelens predict <file|image-id|folder>... [--json]`: the active model on image files
 * (not stored), imported images by id (stored as diagnoses) and folders (their image files,
 * recursively). Each answer carries, beside the probabilities, whether the image is of the
 * kind the model was trained on (`applicability`) and its out-of-distribution score (`ood`).
 * One file or image id prints one object (as before); several inputs or a folder print an
 * array in input order, an input that failed as `{ input, error }` (exit code 1).
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { AppError } from '../../shared/ipc/envelope';
import { OUTSIDE_TRAINING, outsideTraining, type Diagnosis } from '../../shared/domain/ml';
import type { FilePrediction } from '../../shared/ipc/ml';
import { sniff } from '../../main/imaging/sniff';
import { call, printJson, UsageError } from '../output';
import type { CliContext } from '../types';

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
const MAX_FILES = 5000;

type Result = FilePrediction | (Diagnosis & { file?: undefined });

/** The image files under a folder (DICOM, PNG or JPEG by content), sorted by path. */
function imageFiles(dir: string, out: string[] = []): string[] {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    if (entry.name.startsWith('.')) continue;
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) imageFiles(full, out);
    else if (entry.isFile() && isImage(full)) out.push(full);
    if (out.length > MAX_FILES) throw new UsageError(`${dir} holds more than ${MAX_FILES} image files; predict a smaller folder`);
  }
  return out;
}

function isImage(file: string): boolean {
  const head = Buffer.alloc(512);
  const fd = fs.openSync(file, 'r');
  try {
    const n = fs.readSync(fd, head, 0, 512, 0);
    return ['dicom', 'dicom-raw', 'png', 'jpeg'].includes(sniff(head.subarray(0, n)));
  } finally {
    fs.closeSync(fd);
  }
}

function summary(input: string, r: Result) {
  return {
    input,
    ...(r.file ? { file: r.file } : { imageId: (r as Diagnosis).imageId, diagnosisId: (r as Diagnosis).id }),
    label: r.predictedClass,
    confidence: r.confidence,
    uncertain: r.uncertain,
    threshold: r.threshold,
    probabilities: Object.fromEntries(r.classes.map((c, i) => [c, r.probabilities[i]!])),
    applicability: r.applicability,
    ood: r.ood,
    modelVersion: r.modelVersion,
    modelVersionId: r.modelVersionId,
  };
}

type Item = ReturnType<typeof summary> | { input: string; error: { code: string; message: string } };

/** Something meant as a path (a separator or an image file's extension) that names nothing. */
const looksLikePath = (input: string) => /[\\/]|\.(dcm|dicom|png|jpe?g)$/i.test(input);

async function predictOne(ctx: CliContext, input: string, asFile: boolean): Promise<Result> {
  if (asFile) return call(ctx, 'ml:predictFile', { path: input });
  if (looksLikePath(input)) throw new AppError('NOT_FOUND', `There is no file or folder at ${path.resolve(input)}.`);
  const [d] = await call(ctx, 'ml:diagnose', { imageId: input });
  return d!;
}

function ood(o: Result['ood']): string {
  if (o.method.startsWith('not available')) return 'n/a';
  return `${o.score.toFixed(1)}${o.flagged ? ' FLAGGED' : ''}`;
}

function printTable(ctx: CliContext, items: Item[]): void {
  const out = ctx.io.stdout;
  const rows = items.map((it) =>
    'error' in it
      ? [it.input, `error: ${it.error.message}`, '', '', '']
      : [it.input, it.label, `${pct(it.confidence)}${it.uncertain ? ' (uncertain)' : ''}`, it.applicability.inScope ? 'yes' : 'NO', ood(it.ood)],
  );
  const scored = items.flatMap((i) => ('error' in i ? [] : [i])).find((i) => !i.ood.method.startsWith('not available'));
  const head = ['input', 'prediction', 'confidence', 'in scope', `OOD score (threshold ${scored ? scored.ood.threshold.toFixed(1) : 'n/a'})`];
  // An error row's message runs on past the columns: it does not widen them.
  const widths = head.map((h, c) => Math.max(h.length, ...rows.filter((r, i) => c === 0 || !('error' in items[i]!)).map((r) => r[c]!.length)));
  const line = (r: string[]) => r.map((v, c) => (c === r.length - 1 ? v : v.padEnd(widths[c]!))).join('  ').trimEnd();
  out.write(`${line(head)}\n`);
  for (const r of rows) out.write(`${line(r)}\n`);
  const first = items.find((i) => !('error' in i));
  if (first && !('error' in first) && first.ood.method.startsWith('not available')) out.write(`OOD score: ${first.ood.method}.\n`);
  for (const it of items) {
    if ('error' in it) continue;
    const outside = outsideTraining(it);
    if (outside.length) out.write(`\n${it.input}: ${OUTSIDE_TRAINING}\n${outside.map((r) => `  - ${r}\n`).join('')}`);
    else if (it.applicability.reasons.length) out.write(`\n${it.input}: notes\n${it.applicability.reasons.map((r) => `  - ${r}\n`).join('')}`);
  }
}

/** One answer as before (class, confidence, probabilities), then its scope and OOD lines. */
function printOne(ctx: CliContext, s: ReturnType<typeof summary>): void {
  const out = ctx.io.stdout;
  const outside = outsideTraining(s);
  if (outside.length) out.write(`${OUTSIDE_TRAINING}\n${outside.map((r) => `  - ${r}\n`).join('')}`);
  out.write(`${s.label} (calibrated confidence ${pct(s.confidence)}; model version ${s.modelVersion})${s.uncertain ? `\nUncertain — refer for review (below the ${pct(s.threshold)} threshold)` : ''}\n`);
  for (const [c, p] of Object.entries(s.probabilities)) out.write(`  ${c.padEnd(20)} ${pct(p)}\n`);
  out.write(`In this model's scope: ${s.applicability.inScope ? 'yes' : 'no'}${!outside.length && s.applicability.reasons.length ? ` (${s.applicability.reasons.join(' ')})` : ''}\n`);
  out.write(s.ood.method.startsWith('not available') ? `Out-of-distribution score: ${s.ood.method}\n` : `Out-of-distribution score: ${s.ood.score.toFixed(1)} (threshold ${s.ood.threshold.toFixed(1)}${s.ood.flagged ? ', FLAGGED: unlike the training images' : ''}; ${s.ood.method})\n`);
}

export async function predict(ctx: CliContext, args: string[]): Promise<number> {
  const { positionals } = parseArgs({ args, allowPositionals: true, strict: true });
  if (positionals.length === 0) throw new UsageError('predict takes one or more image files, image ids or folders');
  // Files and folders are expanded in order; anything that is not a path is an image id.
  const inputs: { input: string; asFile: boolean }[] = [];
  let folder = false;
  for (const p of positionals) {
    const stat = fs.existsSync(p) ? fs.statSync(p) : null;
    if (stat?.isDirectory()) {
      folder = true;
      const files = imageFiles(p);
      if (files.length === 0) throw new UsageError(`${p} holds no DICOM, PNG or JPEG files`);
      inputs.push(...files.map((f) => ({ input: f, asFile: true })));
    } else inputs.push({ input: p, asFile: !!stat?.isFile() });
  }
  if (inputs.length === 1 && !folder) {
    const r = await predictOne(ctx, inputs[0]!.input, inputs[0]!.asFile);
    const s = summary(inputs[0]!.input, r);
    if (ctx.json) printJson(ctx, s);
    else printOne(ctx, s);
    return 0;
  }
  const items: Item[] = [];
  for (const { input, asFile } of inputs) {
    try {
      items.push(summary(input, await predictOne(ctx, input, asFile)));
    } catch (err) {
      // No model at all fails every input the same way: say it once.
      if (err instanceof AppError && err.code === 'NOT_FOUND' && /No model is active/.test(err.message)) throw err;
      items.push({ input, error: { code: err instanceof AppError ? err.code : 'INTERNAL', message: (err as Error).message } });
    }
  }
  if (ctx.json) printJson(ctx, items);
  else printTable(ctx, items);
  return items.some((i) => 'error' in i) ? 1 : 0;
}
