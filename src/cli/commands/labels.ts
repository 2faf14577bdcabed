import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { LABEL_FILTERS, type ImageLabelDetail, type LabelFilter, type LabelSet } from '../../shared/domain/labels';
import { call, printJson, UsageError } from '../output';
import type { CliCommand, CliContext } from '../types';

function out(ctx: CliContext, text: string): void {
  ctx.io.stdout.write(text + '\n');
}

type ArgOptions = NonNullable<NonNullable<Parameters<typeof parseArgs>[0]>['options']>;
/** N strings: what `positionals` returns once it has checked there are exactly N. */
type Words<N extends number, W extends string[] = []> = W['length'] extends N ? W : Words<N, [...W, string]>;

/** Parses a subcommand's arguments, which must be exactly `n` words (else `what` as usage). */
function positionals<N extends 0 | 1 | 2 | 3, const O extends ArgOptions = Record<never, never>>(args: string[], n: N, what: string, options?: O) {
  const parsed = parseArgs({ args, options: options ?? ({} as O), allowPositionals: true, strict: true });
  if (parsed.positionals.length !== n) throw new UsageError(what);
  return { values: parsed.values, positionals: parsed.positionals as Words<N> };
}

function setLine(s: LabelSet): string {
  return `${s.name.padEnd(24)} ${String(s.labeled).padStart(6)}/${String(s.images).padEnd(6)} labelled  ${String(s.reviewed).padStart(5)} reviewed  ${s.classes.map((c) => c.name).join(' / ')}`;
}

function printClasses(ctx: CliContext, s: LabelSet): void {
  if (ctx.json) return printJson(ctx, s);
  out(ctx, `${s.name}${s.description ? ` — ${s.description}` : ''}`);
  for (const c of s.classes) out(ctx, `  ${c.idx < 9 ? `[${c.idx + 1}]` : '   '} ${c.name.padEnd(24)} ${c.count} image(s)`);
  out(ctx, `${s.labeled} of ${s.images} image(s) labelled, ${s.reviewed} reviewed`);
}

function printDetail(ctx: CliContext, d: ImageLabelDetail): void {
  if (ctx.json) return printJson(ctx, d);
  const c = d.current;
  out(ctx, `Image ${d.image.id}  ${d.image.originalPath}`);
  out(ctx, c && c.className !== null ? `Label: ${c.className} (${c.source}, by ${c.author}, ${c.createdAt})` : 'Label: none');
  if (d.review) out(ctx, `Review: ${d.review.verdict} by ${d.review.reviewer} (${d.review.reviewClass})${d.review.stale ? ', label changed since' : ''}`);
  out(ctx, 'History (newest first):');
  for (const h of d.history) {
    const extra = [h.note, h.undoneBy ? `undone by #${h.undoneBy}` : ''].filter(Boolean).join('; ');
    out(ctx, `  #${String(h.id).padEnd(6)} ${h.createdAt}  ${(h.className ?? '(cleared)').padEnd(18)} ${h.source.padEnd(8)} ${h.author}${extra ? `  ${extra}` : ''}`);
  }
}

async function sets(ctx: CliContext, args: string[]): Promise<number> {
  positionals(args, 0, 'labels sets takes no arguments');
  const list = await call(ctx, 'labels:sets', {});
  if (ctx.json) printJson(ctx, list);
  else {
    for (const s of list) out(ctx, setLine(s));
    out(ctx, `${list.length} label set(s)`);
  }
  return 0;
}

async function create(ctx: CliContext, args: string[]): Promise<number> {
  const { positionals: [name], values } = positionals(args, 1, 'labels create takes the new set\'s name', {
    classes: { type: 'string' },
    description: { type: 'string' },
    scope: { type: 'string' },
  });
  if (!values.classes) throw new UsageError('give the classes: --classes normal,pneumonia');
  const set = await call(ctx, 'labels:createSet', {
    name,
    classes: String(values.classes).split(',').map((c) => c.trim()),
    ...(values.description ? { description: values.description } : {}),
    ...(values.scope ? { scope: String(values.scope).split(',').map((c) => c.trim()) } : {}),
  });
  printClasses(ctx, set);
  return 0;
}

/** `labels classes SET` shows the classes; --add/--rename/--remove edit them in one step. */
async function classes(ctx: CliContext, args: string[]): Promise<number> {
  const { positionals: [setId], values } = positionals(args, 1, 'labels classes takes one label set (id or name)', {
    add: { type: 'string', multiple: true },
    rename: { type: 'string', multiple: true },
    remove: { type: 'string', multiple: true },
    description: { type: 'string' },
  });
  const current = await call(ctx, 'labels:getSet', { labelSetId: setId });
  const adds = (values.add as string[] | undefined) ?? [];
  const renames = (values.rename as string[] | undefined) ?? [];
  const removes = (values.remove as string[] | undefined) ?? [];
  if (adds.length + renames.length + removes.length === 0 && values.description === undefined) {
    printClasses(ctx, current);
    return 0;
  }
  const renameMap = new Map<string, string>();
  for (const r of renames) {
    const [from, to] = r.split('=');
    if (!from || !to) throw new UsageError(`--rename takes OLD=NEW, not "${r}"`);
    renameMap.set(from, to);
  }
  const moveLabels: Record<string, string | null> = {};
  const removed = new Set<string>();
  for (const r of removes) {
    const eq = r.indexOf('=');
    const name = eq >= 0 ? r.slice(0, eq) : r;
    removed.add(name);
    // NAME=OTHER moves its labels to OTHER; NAME= clears them; NAME alone only works for an unused class.
    if (eq >= 0) moveLabels[name] = r.slice(eq + 1) || null;
  }
  const list = current.classes
    .filter((c) => !removed.has(c.name))
    .map((c) => (renameMap.has(c.name) ? { name: renameMap.get(c.name)!, was: c.name } : { name: c.name }));
  for (const a of adds) list.push({ name: a });
  const updated = await call(ctx, 'labels:updateSet', {
    labelSetId: current.id,
    classes: list,
    ...(Object.keys(moveLabels).length ? { moveLabels } : {}),
    ...(values.description !== undefined ? { description: values.description } : {}),
  });
  printClasses(ctx, updated);
  return 0;
}

async function setLabel(ctx: CliContext, args: string[]): Promise<number> {
  const { positionals: [labelSetId, imageId, className], values } = positionals(args, 3, 'labels set takes SET IMAGE CLASS', { note: { type: 'string' } });
  const d = await call(ctx, 'labels:set', { labelSetId, imageId, className, ...(values.note ? { note: values.note } : {}) });
  printDetail(ctx, d);
  return 0;
}

/**
 * `labels set-many --images ID,ID,... --label CLASS [--set SET]`: one class on many images in
 * one call (labels:setMany, as the grid does): all or nothing, an unknown image refuses the
 * batch. Without --set, the one label set there is; with several, the CLI asks which.
 */
async function setMany(ctx: CliContext, args: string[]): Promise<number> {
  const { values } = positionals(args, 0, 'labels set-many takes its images and class as options: --images ID,ID,... --label CLASS [--set SET]', {
    images: { type: 'string', multiple: true },
    label: { type: 'string' },
    set: { type: 'string' },
    note: { type: 'string' },
  });
  const imageIds = [...new Set(((values.images as string[] | undefined) ?? []).flatMap((v) => v.split(',')).map((id) => id.trim()).filter(Boolean))];
  if (imageIds.length === 0) throw new UsageError('give the images: --images ID,ID,...');
  if (!values.label) throw new UsageError('give the class: --label NAME');
  let labelSetId = values.set as string | undefined;
  if (!labelSetId) {
    const list = await call(ctx, 'labels:sets', {});
    if (list.length !== 1) throw new UsageError(list.length === 0 ? 'there is no label set yet: create one with carelens labels create' : `choose the label set with --set (${list.map((s) => s.name).join(', ')})`);
    labelSetId = list[0]!.id;
  }
  const result = await call(ctx, 'labels:setMany', { labelSetId, imageIds, className: String(values.label), ...(values.note ? { note: String(values.note) } : {}) });
  if (ctx.json) printJson(ctx, result);
  else {
    const changed = result.written.length;
    out(ctx, `Labelled ${result.items.length} image(s) as ${String(values.label)}: ${changed} changed, ${result.items.length - changed} already had it.`);
  }
  return 0;
}

async function clear(ctx: CliContext, args: string[]): Promise<number> {
  const { positionals: [labelSetId, imageId] } = positionals(args, 2, 'labels clear takes SET IMAGE');
  printDetail(ctx, await call(ctx, 'labels:clear', { labelSetId, imageId }));
  return 0;
}

async function history(ctx: CliContext, args: string[]): Promise<number> {
  const { positionals: [labelSetId, imageId] } = positionals(args, 2, 'labels history takes SET IMAGE');
  printDetail(ctx, await call(ctx, 'labels:image', { labelSetId, imageId }));
  return 0;
}

const isLabelFilter = (word: string): word is LabelFilter => (LABEL_FILTERS as readonly string[]).includes(word);

async function queue(ctx: CliContext, args: string[]): Promise<number> {
  const { positionals: [labelSetId], values } = positionals(args, 1, 'labels queue takes one label set', { filter: { type: 'string' }, limit: { type: 'string' } });
  const filter = values.filter ?? 'next';
  if (!isLabelFilter(filter)) throw new UsageError(`--filter is one of ${LABEL_FILTERS.join(', ')}`);
  const limit = values.limit ? Number(values.limit) : 20;
  if (!Number.isInteger(limit) || limit < 1) throw new UsageError('--limit is a whole number from 1');
  const q = await call(ctx, 'labels:queue', { labelSetId, filter, limit });
  if (ctx.json) printJson(ctx, q);
  else {
    for (const i of q.items) {
      out(ctx, `${i.imageId.padEnd(38)} ${(i.className ?? '—').padEnd(18)} ${i.uncertainty === null ? '' : `uncertainty ${i.uncertainty.toFixed(3)}`}${i.skipped ? ' skipped' : ''}`);
    }
    out(ctx, `${q.items.length} of ${q.total} image(s), ${q.ordering === 'uncertainty' ? 'most uncertain first' : 'in import order'}${q.modelNote ? ` (${q.modelNote})` : ''}`);
  }
  return 0;
}

async function agreement(ctx: CliContext, args: string[]): Promise<number> {
  const { positionals: [labelSetId] } = positionals(args, 1, 'labels agreement takes one label set');
  const a = await call(ctx, 'labels:agreement', { labelSetId });
  if (ctx.json) printJson(ctx, a);
  else {
    out(ctx, `${a.reviewed} reviewed, ${a.agreed} confirmed: agreement ${a.rate === null ? '—' : (a.rate * 100).toFixed(1) + '%'}, Cohen's kappa ${a.kappa === null ? '—' : a.kappa.toFixed(3)}`);
    if (a.reviewed > 0) {
      out(ctx, `labeller \\ reviewer: ${a.classes.join(' | ')}`);
      a.classes.forEach((c, i) => out(ctx, `  ${c.padEnd(20)} ${a.confusion[i]!.join(' | ')}`));
    }
  }
  return 0;
}

async function exportLabels(ctx: CliContext, args: string[]): Promise<number> {
  const { positionals: [labelSetId], values } = positionals(args, 1, 'labels export takes one label set', { history: { type: 'boolean' }, out: { type: 'string' } });
  const e = await call(ctx, 'labels:export', { labelSetId, mode: values.history ? 'history' : 'current' });
  if (values.out) {
    const file = path.resolve(String(values.out));
    fs.writeFileSync(file, e.csv, { mode: 0o600 });
    if (ctx.json) printJson(ctx, { labelSetId: e.labelSetId, rows: e.rows, path: file });
    else out(ctx, `Wrote ${e.rows} row(s) to ${file}`);
  } else if (ctx.json) printJson(ctx, e);
  else ctx.io.stdout.write(e.csv);
  return 0;
}

const subcommands: Record<string, (ctx: CliContext, args: string[]) => Promise<number>> = {
  sets,
  create,
  classes,
  set: setLabel,
  'set-many': setMany,
  clear,
  history,
  queue,
  agreement,
  export: exportLabels,
};

export const labelsCommands: CliCommand[] = [
  {
    name: 'labels',
    summary: 'Label sets, classes, labels with their history, review agreement, CSV export.',
    usage: [
      'carelens labels sets [--json]',
      'carelens labels create NAME --classes A,B[,C...] [--description TEXT] [--scope IMPORT_ID,...] [--json]',
      'carelens labels classes SET [--add NAME]... [--rename OLD=NEW]... [--remove NAME[=MOVE_TO]]... [--json]',
      '    (--remove NAME= clears the labels of a class in use; a class in use needs =MOVE_TO or =)',
      'carelens labels set SET IMAGE_ID CLASS [--note TEXT] [--json]',
      'carelens labels set-many --images ID,ID,... --label CLASS [--set SET] [--note TEXT] [--json]',
      '    (all or nothing: an unknown image, or one outside the set, refuses the batch; --set may be left out when there is one set)',
      'carelens labels clear SET IMAGE_ID [--json]',
      'carelens labels history SET IMAGE_ID [--json]',
      `carelens labels queue SET [--filter ${LABEL_FILTERS.join('|')}] [--limit N] [--json]`,
      'carelens labels agreement SET [--json]',
      'carelens labels export SET [--history] [--out FILE] [--json]',
      'SET is a label set\'s id or name. The CLI labels as the "system" user.',
    ].join('\n'),
    async run(ctx, args) {
      const [sub, ...rest] = args;
      const fn = sub ? subcommands[sub] : undefined;
      if (!fn) throw new UsageError(`unknown labels command: ${sub ?? '(none)'}`);
      return fn(ctx, rest);
    },
  },
];
