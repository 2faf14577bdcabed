import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { EXPORT_FORMATS, type ExportFormat, type ExportProgress } from '../../shared/domain/reports';
import type { OutputOf } from '../../shared/ipc/contract';
import { call, printJson, progressBar, UsageError } from '../output';
import type { CliCommand, CliContext } from '../types';

const isExportFormat = (word: string): word is ExportFormat => (EXPORT_FORMATS as readonly string[]).includes(word);

async function report(ctx: CliContext, args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    strict: true,
    options: {
      format: { type: 'string', short: 'f' },
      deidentify: { type: 'boolean' },
      dicom: { type: 'boolean' },
      out: { type: 'string', short: 'o' },
      study: { type: 'string', multiple: true },
    },
  });
  if (positionals.length === 0) throw new UsageError('name at least one patient (CareLens id or MRN)');
  const format = values.format ?? 'pdf';
  if (!isExportFormat(format)) throw new UsageError(`--format must be pdf, csv or fhir, not "${format}"`);
  const out = values.out ? path.resolve(values.out) : undefined;
  const app = ctx.app();
  const bar = progressBar(ctx);
  let jobId: string | null = null;
  const unsubscribe = app.core.events.subscribe((name, payload) => {
    const p = payload as ExportProgress;
    if (name === 'reports:progress' && p.jobId === jobId) bar.update(p.done, p.total, p.current ?? '');
  });
  // Ctrl-C stops after the patient in progress, and the files written so far stay listed.
  const onSigint = () => {
    if (jobId) void call(ctx, 'reports:cancel', { jobId });
  };
  process.once('SIGINT', onSigint);
  try {
    const started = await call(ctx, 'reports:export', {
      patients: positionals,
      format,
      ...(values.deidentify ? { deidentify: true } : {}),
      ...(values.dicom ? { includeDicom: true } : {}),
      ...(values.study ? { studyIds: values.study } : {}),
      ...(out ? { outDir: out } : {}),
    });
    jobId = started.id;
    const job = await app.features.reports.service.waitFor(started.id);
    bar.done();
    if (ctx.json) printJson(ctx, job);
    else {
      ctx.io.stdout.write(
        `${job.state === 'done' ? 'Exported' : job.state === 'cancelled' ? 'Cancelled:' : 'Failed:'} ${job.files.filter((f) => f.kind !== 'index').length} file(s) for ${job.done} of ${job.total} patient(s)${job.deidentified ? ', de-identified' : ''}, in ${((job.durationMs ?? 0) / 1000).toFixed(1)} s\n`,
      );
      ctx.io.stdout.write(`Folder: ${job.outDir}\n`);
      for (const f of job.files) ctx.io.stdout.write(`  ${f.fileName}  (${f.bytes} bytes)\n`);
      for (const f of job.failures) ctx.io.stderr.write(`carelens: ${f.patient}: ${f.message}\n`);
      for (const w of job.warnings) ctx.io.stderr.write(`carelens: ${w}\n`);
    }
    return job.state === 'done' && job.failures.length === 0 ? 0 : 1;
  } finally {
    process.removeListener('SIGINT', onSigint);
    unsubscribe();
  }
}

async function settings(ctx: CliContext, args: string[]): Promise<number> {
  const { values } = parseArgs({ args, strict: true, options: { 'clinic-name': { type: 'string' }, logo: { type: 'string' }, 'no-logo': { type: 'boolean' } } });
  let result: OutputOf<'reports:settings'>;
  if (values['clinic-name'] === undefined && values.logo === undefined && !values['no-logo']) {
    result = await call(ctx, 'reports:settings', {});
  } else {
    let clinicLogo: string | null | undefined;
    if (values['no-logo']) clinicLogo = null;
    else if (values.logo) {
      const ext = path.extname(values.logo).toLowerCase();
      const mime = ext === '.png' ? 'image/png' : ext === '.jpg' || ext === '.jpeg' ? 'image/jpeg' : null;
      if (!mime) throw new UsageError('--logo must be a .png or .jpg file');
      clinicLogo = `data:${mime};base64,${fs.readFileSync(values.logo).toString('base64')}`;
    }
    result = await call(ctx, 'reports:setSettings', {
      ...(values['clinic-name'] !== undefined ? { clinicName: values['clinic-name'] } : {}),
      ...(clinicLogo !== undefined ? { clinicLogo } : {}),
    });
  }
  if (ctx.json) printJson(ctx, { clinicName: result.clinicName, hasLogo: result.clinicLogo !== null });
  else ctx.io.stdout.write(`Clinic: ${result.clinicName || '(not set)'}\nLogo: ${result.clinicLogo ? 'set' : 'none'}\n`);
  return 0;
}

/** The reports feature's CLI commands. */
export const reportsCommands: CliCommand[] = [
  {
    name: 'report',
    summary: 'Export patients as PDF, CSV or FHIR R4 (de-identified on request) to a folder.',
    usage: [
      'carelens report <patient id or MRN>... [--format pdf|csv|fhir] [--deidentify] [--dicom] [--study STUDY_ID]... [--out FOLDER] [--json]',
      '  --out FOLDER   an empty or new folder (default: a new folder under the data folder\'s exports/)',
      '  --dicom        also write each patient\'s DICOM files (PS3.15 de-identified with --deidentify)',
      '  Ctrl-C cancels after the patient in progress; index.csv lists what was written.',
    ].join('\n'),
    run: report,
  },
  {
    name: 'report-settings',
    summary: 'Show or set the clinic name and logo printed on reports.',
    usage: 'carelens report-settings [--clinic-name NAME] [--logo FILE.png|FILE.jpg | --no-logo] [--json]',
    run: settings,
  },
];
