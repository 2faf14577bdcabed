import { parseArgs } from 'node:util';
import type { ImportDuplicate, ImportStatus } from '../../shared/domain/imaging';
import type { OutputOf } from '../../shared/ipc/contract';
import { call, printJson, progressBar, UsageError } from '../output';
import type { CliCommand, CliContext } from '../types';

function mb(bytes: number): string {
  return `${(bytes / 1e6).toFixed(1)} MB`;
}

async function importCommand(ctx: CliContext, args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    strict: true,
    options: {
      patient: { type: 'string' },
      'patients-from-folders': { type: 'boolean' },
      'labels-from-folders': { type: 'boolean' },
      'label-set': { type: 'string' },
    },
  });
  if (positionals.length === 0) throw new UsageError('give at least one folder to import');
  const bar = progressBar(ctx);
  // Progress goes to the terminal (stderr) only; with --json stdout holds exactly one object.
  const unsubscribe = ctx.app().core.events.subscribe((name, payload) => {
    if (name !== 'imaging:progress') return;
    const s = payload as ImportStatus;
    const eta = s.etaSeconds !== null ? ` ETA ${s.etaSeconds}s` : '';
    bar.update(s.processed, Math.max(s.found, 1), `${s.processed}/${s.found} imported ${s.imported} dup ${s.duplicates} failed ${s.failed} ${mb(s.bytes)} ${s.rate}/s${eta}`);
  });
  let summary: OutputOf<'imaging:import'>;
  try {
    summary = await call(ctx, 'imaging:import', {
      paths: positionals,
      ...(values.patient ? { patientId: values.patient } : {}),
      ...(values['patients-from-folders'] ? { patientFromFolders: true } : {}),
      ...(values['labels-from-folders'] ? { labelsFromFolders: true } : {}),
      ...(values['label-set'] ? { labelSet: values['label-set'] } : {}),
    });
  } finally {
    unsubscribe();
    bar.done();
  }
  if (ctx.json) {
    const { scanned, imported, duplicates, failed, patients, studies, series, images } = summary;
    printJson(ctx, { scanned, imported, duplicates, failed, patients, studies, series, images });
  } else {
    const out = ctx.io.stdout;
    out.write(`Scanned ${summary.scanned} file(s): imported ${summary.imported}, duplicates ${summary.duplicates}, not imported ${summary.failed.length}.\n`);
    out.write(`New records: ${summary.patients} patient(s), ${summary.studies} study(ies), ${summary.series} series, ${summary.images} image(s).\n`);
    for (const f of summary.failed.slice(0, 50)) out.write(`  ${f.path}: ${f.reason}\n`);
    if (summary.failed.length > 50) out.write(`  ... and ${summary.failed.length - 50} more (carelens import-report ${summary.importId} --csv)\n`);
    out.write(`Import ${summary.importId}\n`);
  }
  return 0;
}

/** What a duplicate is a copy of, as the CSV says it: the stored file, and whether this import or an earlier one brought it. */
function duplicateLine(d: ImportDuplicate): string {
  const what = d.match === 'same-file' ? 'the same file' : 'the same SOP Instance UID';
  const of = d.originalPath ?? (d.originalImageId ? `image ${d.originalImageId}` : 'an image no longer stored');
  const when = d.withinImport ? 'earlier in this import' : 'from an earlier import';
  return `${what} as ${of} (${d.originalPath && d.originalImageId ? `image ${d.originalImageId}, ` : ''}${when})`;
}

async function reportCommand(ctx: CliContext, args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, strict: true, options: { csv: { type: 'boolean' } } });
  if (positionals.length !== 1) throw new UsageError('import-report takes one import id');
  if (values.csv) {
    const { csv } = await call(ctx, 'imaging:importReportCsv', { importId: positionals[0]! });
    ctx.io.stdout.write(csv);
    return 0;
  }
  const report = await call(ctx, 'imaging:importReport', { importId: positionals[0]!, limit: 10_000 });
  if (ctx.json) printJson(ctx, report);
  else {
    const s = report.status;
    const out = ctx.io.stdout;
    out.write(`${s.state}: ${s.processed}/${s.found} processed, imported ${s.imported}, duplicates ${s.duplicates}, failed ${s.failed}\n`);
    if (report.failures.length) out.write(`Not imported (${report.totalFailures}):\n`);
    for (const f of report.failures) out.write(`  ${f.path}: ${f.reason}\n`);
    if (report.duplicates.length) out.write(`Duplicates, not stored again (${report.totalDuplicates}):\n`);
    for (const d of report.duplicates) out.write(`  ${d.path}: ${duplicateLine(d)}\n`);
    if (report.failures.length < report.totalFailures || report.duplicates.length < report.totalDuplicates) out.write(`  ... the whole list: carelens import-report ${s.importId} --csv\n`);
    // Older imports counted duplicates without listing them.
    if (report.totalDuplicates < s.duplicates) out.write(`  (${s.duplicates - report.totalDuplicates} duplicate(s) of an older CareLens were counted, not listed)\n`);
  }
  return 0;
}

async function imagesCommand(ctx: CliContext, args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  if (sub !== 'list') throw new UsageError(`unknown images command: ${sub ?? '(none)'}`);
  const { values } = parseArgs({ args: rest, strict: true, options: { patient: { type: 'string' }, unassigned: { type: 'boolean' }, limit: { type: 'string' }, offset: { type: 'string' } } });
  const limit = values.limit ? Number(values.limit) : 20_000;
  const offset = values.offset ? Number(values.offset) : 0;
  if (!Number.isInteger(limit) || !Number.isInteger(offset)) throw new UsageError('--limit and --offset take whole numbers');
  const page = await call(ctx, 'imaging:images', {
    ...(values.patient ? { patientId: values.patient } : {}),
    ...(values.unassigned ? { unassigned: true } : {}),
    limit,
    offset,
  });
  if (ctx.json) {
    printJson(ctx, {
      total: page.total,
      items: page.items.map((i) => ({
        id: i.id,
        patientId: i.patientId,
        patientMrn: i.patientMrn,
        modality: i.modality,
        format: i.format,
        rows: i.rows,
        columns: i.columns,
        frames: i.frames,
        sizeBytes: i.sizeBytes,
        split: i.predefinedSplit,
        labels: i.labels,
      })),
    });
  } else {
    for (const i of page.items) {
      const labels = i.labels.map((l) => `${l.labelSet}:${l.className}`).join(' ');
      ctx.io.stdout.write(`${i.id}  ${(i.patientMrn ?? 'unassigned').padEnd(16)} ${(i.modality || i.format).padEnd(6)} ${`${i.columns}x${i.rows}`.padEnd(10)} ${String(i.frames).padStart(3)}f ${labels}\n`);
    }
    ctx.io.stdout.write(`${page.total} image(s)${page.total > page.items.length ? `, ${page.items.length} shown` : ''}\n`);
  }
  return 0;
}

/** The imaging feature's CLI commands. */
export const imagingCommands: CliCommand[] = [
  {
    name: 'import',
    summary: 'Import folders of DICOM, PNG and JPEG (recursively, by content).',
    usage: 'carelens import <folder...> [--patient ID|MRN] [--patients-from-folders] [--labels-from-folders] [--label-set NAME] [--json]',
    run: importCommand,
  },
  {
    name: 'import-report',
    summary: "Show an import's report (files not imported, with reasons; duplicates, with the file each duplicates).",
    usage: 'carelens import-report <import-id> [--csv] [--json]',
    run: reportCommand,
  },
  {
    name: 'images',
    summary: 'List imported images.',
    usage: 'carelens images list [--patient ID|MRN] [--unassigned] [--limit N] [--offset N] [--json]',
    run: imagesCommand,
  },
];
