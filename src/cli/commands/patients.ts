import { parseArgs } from 'node:util';
import type { Patient, Sex } from '../../shared/domain/patient';
import { call, printJson, unchecked, UsageError } from '../output';
import type { CliCommand, CliContext } from '../types';

function line(p: Patient): string {
  return `${p.mrn.padEnd(14)} ${p.name.padEnd(28)} ${(p.birthDate ?? '—').padEnd(10)} ${p.sex}  ${p.id}`;
}

async function list(ctx: CliContext, args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: { search: { type: 'string' }, limit: { type: 'string' } }, strict: true });
  const page = await call(ctx, 'patients:list', { query: values.search, limit: values.limit ? Number(values.limit) : 500 });
  if (ctx.json) printJson(ctx, page);
  else {
    for (const p of page.items) ctx.io.stdout.write(line(p) + '\n');
    ctx.io.stdout.write(`${page.total} patient(s)\n`);
  }
  return 0;
}

async function add(ctx: CliContext, args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: { name: { type: 'string' }, mrn: { type: 'string' }, 'birth-date': { type: 'string' }, sex: { type: 'string' }, notes: { type: 'string' } },
    strict: true,
  });
  const patient = await call(ctx, 'patients:create', {
    name: values.name ?? '',
    mrn: values.mrn ?? '',
    ...(values['birth-date'] ? { birthDate: values['birth-date'] } : {}),
    ...(values.sex ? { sex: unchecked<Sex>(values.sex.toUpperCase()) } : {}),
    ...(values.notes ? { notes: values.notes } : {}),
  });
  if (ctx.json) printJson(ctx, patient);
  else ctx.io.stdout.write(`Added ${patient.name} (MRN ${patient.mrn}, id ${patient.id})\n`);
  return 0;
}

async function show(ctx: CliContext, args: string[]): Promise<number> {
  const { positionals } = parseArgs({ args, allowPositionals: true, strict: true });
  if (positionals.length !== 1) throw new UsageError('patients show takes one patient id or MRN');
  const patient = await call(ctx, 'patients:get', { id: positionals[0]! });
  if (ctx.json) printJson(ctx, patient);
  else {
    for (const [k, v] of Object.entries(patient)) ctx.io.stdout.write(`${k.padEnd(10)} ${v ?? '—'}\n`);
  }
  return 0;
}

export const patientsCommands: CliCommand[] = [
  {
    name: 'patients',
    summary: 'List, add and show patients.',
    usage: [
      'carelens patients list [--search TEXT] [--limit N] [--json]',
      'carelens patients add --name NAME --mrn MRN [--birth-date YYYY-MM-DD] [--sex F|M|O|U] [--notes TEXT] [--json]',
      'carelens patients show <id-or-MRN> [--json]',
    ].join('\n'),
    async run(ctx, args) {
      const [sub, ...rest] = args;
      if (sub === 'list') return list(ctx, rest);
      if (sub === 'add') return add(ctx, rest);
      if (sub === 'show') return show(ctx, rest);
      throw new UsageError(`unknown patients command: ${sub ?? '(none)'}`);
    },
  },
];
