import fs from 'node:fs';
import { parseArgs } from 'node:util';
import { AppError } from '../../shared/ipc/envelope';
import { ageBandInWords, RECOMMEND_MODE_WORDS, type CsvImportResult, type RecommendMode } from '../../shared/domain/careplans';
import { CsvError } from '../../main/careplans/engine/csv';
import { evaluate, parseModes, readFeatures, readInteractions, type EvalResult, type SplitKind } from '../../main/careplans/engine/evaluate';
import { call, printJson, unchecked, UsageError } from '../output';
import type { CliCommand, CliContext } from '../types';

function readText(file: string, what: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new AppError('NOT_FOUND', `Cannot read the ${what} file ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

/** CSV problems as a clear error naming the file, row and column. */
function csvGuard<T>(file: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof CsvError) {
      throw new AppError('VALIDATION', `${file}: ${err.message}`, [{ path: `row ${err.row}, column ${err.column}`, message: err.message }]);
    }
    throw err;
  }
}

const fmt = (x: number, d = 4) => (Number.isFinite(x) ? x.toFixed(d) : String(x));

async function evalRecommender(ctx: CliContext, args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      interactions: { type: 'string' },
      'item-features': { type: 'string' },
      'user-features': { type: 'string' },
      mode: { type: 'string', default: 'all' },
      split: { type: 'string', default: 'random' },
      seed: { type: 'string', default: '42' },
      threshold: { type: 'string', default: '4' },
    },
    strict: true,
  });
  if (!values.interactions) throw new UsageError('--interactions F.csv is required');
  const split = values.split as SplitKind;
  if (!['random', 'temporal', 'leave-one-out'].includes(split)) throw new UsageError(`--split must be random, temporal or leave-one-out (not "${values.split}")`);
  const seed = Number(values.seed);
  if (!Number.isInteger(seed)) throw new UsageError(`--seed must be a whole number (not "${values.seed}")`);
  const threshold = Number(values.threshold);
  if (!Number.isFinite(threshold)) throw new UsageError(`--threshold must be a number (not "${values.threshold}")`);
  const modes = csvGuard('--mode', () => parseModes(values.mode!));
  const interactions = csvGuard(values.interactions, () => readInteractions(readText(values.interactions!, 'interactions')));
  const itemFeatures = values['item-features'] ? csvGuard(values['item-features'], () => readFeatures(readText(values['item-features']!, 'item features'))) : null;
  const userFeatures = values['user-features'] ? csvGuard(values['user-features'], () => readFeatures(readText(values['user-features']!, 'user features'))) : null;
  if (!ctx.json) ctx.io.stderr.write(`Evaluating ${modes.join(', ')} on ${interactions.length} interactions (${split} split, seed ${seed}; relevant = held-out value >= ${threshold})…\n`);
  const results: EvalResult[] = csvGuard(values.interactions, () => evaluate(interactions, itemFeatures, userFeatures, { modes, split, seed, threshold }));
  if (ctx.json) {
    printJson(ctx, values.mode === 'all' ? results : results[0]);
    return 0;
  }
  const head = ['mode', 'RMSE', 'MAE', 'P@10', 'R@10', 'NDCG@10', 'hit rate', 'coverage', 'fit ms', 'rec p50 ms'];
  ctx.io.stdout.write(head.map((h) => h.padStart(10)).join(' ') + '\n');
  for (const r of results) {
    ctx.io.stdout.write(
      [r.mode, fmt(r.rmse), fmt(r.mae), fmt(r.precisionAt10), fmt(r.recallAt10), fmt(r.ndcgAt10), fmt(r.hitRate), fmt(r.coverage), String(r.fitMs), fmt(r.recommendP50Ms, 2)]
        .map((c) => c.padStart(10))
        .join(' ') + '\n',
    );
  }
  const first = results[0]!;
  ctx.io.stdout.write(`${first.trainInteractions} training / ${first.testInteractions} held-out interactions; ${first.rankedUsers} users ranked (relevant = held-out value >= ${threshold}).\n`);
  const hybrid = results.find((r) => r.mode === 'hybrid');
  if (hybrid?.weights) ctx.io.stdout.write(`hybrid weights: ${JSON.stringify(hybrid.weights)}\n`);
  return 0;
}

const SEX_WORDS: Record<string, string> = { F: 'female', M: 'male', O: 'other', U: 'sex unknown' };

async function recommendCmd(ctx: CliContext, args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args, options: { mode: { type: 'string', default: 'hybrid' }, k: { type: 'string', short: 'k', default: '5' } }, allowPositionals: true, strict: true });
  if (positionals.length !== 1) throw new UsageError('recommend takes one patient id or MRN');
  const list = await call(ctx, 'careplans:recommend', { patientId: positionals[0]!, mode: unchecked<RecommendMode>(values.mode!), k: Number(values.k) });
  if (ctx.json) {
    printJson(ctx, list);
    return 0;
  }
  const out = ctx.io.stdout;
  const who = `${ageBandInWords(list.basis.ageBand)}, ${SEX_WORDS[list.basis.sex] ?? 'sex unknown'}`;
  out.write(`Care plans for ${positionals[0]} (${RECOMMEND_MODE_WORDS[list.mode].name.toLowerCase()}; ${who}; conditions: ${list.basis.conditions.map((c) => `${c.words} (${c.code})`).join(', ') || 'none'})\n`);
  out.write('Decision support only: a clinician decides.\n\n');
  if (list.items.length === 0) out.write('No plan to suggest: none fits this patient\'s conditions in this mode.\n');
  list.items.forEach((r, n) => {
    out.write(`${n + 1}. ${r.name}${r.demo ? ' [demo content, not medical advice]' : ''}\n   why: ${r.reason}\n   outcomes: ${r.clinicOutcomes.text}\n`);
    if (r.shares.length) out.write(`   rests on: ${r.shares.map((x) => `${x.source} ${x.percent} %`).join(', ')} (shares of the ranking, not chances of success)\n`);
    if (r.evidenceNote) out.write(`   evidence: ${r.evidenceNote}\n`);
    out.write(`   id: ${r.planId}\n`);
  });
  for (const w of list.withheld) out.write(`withheld: ${w.name}: ${w.reason}\n`);
  for (const a of list.alternatives) out.write(`held back while "${a.acceptedPlan}" is under way (same condition: ${a.conditions.map((c) => c.words).join(', ')}): ${a.name}\n`);
  return 0;
}

async function careplansCmd(ctx: CliContext, args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  const { values, positionals } = parseArgs({
    args: rest,
    options: { file: { type: 'string' }, out: { type: 'string' }, code: { type: 'string' }, words: { type: 'string' }, all: { type: 'boolean' } },
    allowPositionals: true,
    strict: true,
  });
  const write = (csv: string) => {
    if (values.out) fs.writeFileSync(values.out, csv, { mode: 0o600 });
    else ctx.io.stdout.write(csv);
  };
  const report = (r: CsvImportResult) => (ctx.json ? printJson(ctx, r) : ctx.io.stdout.write(`${r.created} created, ${r.updated} updated\n`));
  switch (sub) {
    case 'list': {
      const plans = await call(ctx, 'careplans:listPlans', { includeRetired: Boolean(values.all) });
      if (ctx.json) printJson(ctx, plans);
      else for (const p of plans) ctx.io.stdout.write(`${p.id.padEnd(40)} ${p.name}${p.retired ? ' (retired)' : ''}${p.demo ? ' [demo]' : ''}\n`);
      return 0;
    }
    case 'demo':
      report(await call(ctx, 'careplans:loadDemo', {}));
      return 0;
    case 'import-plans':
    case 'import-assignments': {
      if (!values.file) throw new UsageError(`${sub} needs --file F.csv`);
      const csv = readText(values.file, 'CSV');
      report(await call(ctx, sub === 'import-plans' ? 'careplans:importPlans' : 'careplans:importAssignments', { csv }));
      return 0;
    }
    case 'export-plans':
      write((await call(ctx, 'careplans:exportPlans', {})).csv);
      return 0;
    case 'export-assignments':
      write((await call(ctx, 'careplans:exportAssignments', {})).csv);
      return 0;
    case 'conditions': {
      if (positionals.length !== 1) throw new UsageError('conditions takes one patient id or MRN');
      if (values.code || values.words) {
        await call(ctx, 'careplans:addCondition', { patientId: positionals[0]!, condition: { code: values.code ?? '', words: values.words ?? '' } });
      }
      const list = await call(ctx, 'careplans:conditions', { patientId: positionals[0]! });
      if (ctx.json) printJson(ctx, list);
      else for (const c of list) ctx.io.stdout.write(`${c.code.padEnd(8)} ${c.words}${c.fromDiagnosis ? ` (from a diagnosis ${c.fromDiagnosis.decision} by ${c.fromDiagnosis.reviewedBy})` : ''}\n`);
      return 0;
    }
    default:
      throw new UsageError(`unknown careplans command: ${sub ?? '(none)'}`);
  }
}

/** The careplans feature's CLI commands. */
export const careplansCommands: CliCommand[] = [
  {
    name: 'recommend',
    summary: 'Care-plan recommendations for a patient, with reasons.',
    usage: 'carelens recommend <patient-id-or-MRN> [--mode user|item|content|hybrid] [-k N] [--json]',
    run: recommendCmd,
  },
  {
    name: 'eval-recommender',
    summary: 'Offline evaluation of the recommender on held-out data (e.g. MovieLens).',
    usage: [
      'carelens eval-recommender --interactions F.csv [--item-features F.csv] [--user-features F.csv]',
      '    [--mode bias|popular|user|item|content|hybrid|all] [--split random|temporal|leave-one-out] [--seed N] [--threshold X] [--json]',
      'interactions: user,item,value[,timestamp]; features: id,feature|feature|... (header rows allowed;',
      "MovieLens' ratings.csv and movies.csv read as they are). Relevant = held-out value >= threshold (default 4).",
    ].join('\n'),
    run: evalRecommender,
  },
  {
    name: 'careplans',
    summary: 'The care-plan catalog, problem lists and assignments (CSV import/export).',
    usage: [
      'carelens careplans list [--all] [--json]',
      'carelens careplans demo                       add the demo catalog (demo content, not medical advice)',
      'carelens careplans import-plans --file F.csv | import-assignments --file F.csv',
      'carelens careplans export-plans [--out F.csv] | export-assignments [--out F.csv]',
      'carelens careplans conditions <patient-id-or-MRN> [--code J18.9 --words "pneumonia"]',
    ].join('\n'),
    run: careplansCmd,
  },
];
