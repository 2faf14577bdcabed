import { parseArgs } from 'node:util';
import type { AllergyCodeSystem, AllergySeverity, Patient, PatientAllergies, PatientAllergyRecord, Sex } from '../../shared/domain/patient';
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

/** One line for a patient's allergy status: what a banner says. */
function allergyLine(a: PatientAllergies): string {
  if (a.status === 'none-known') return `No known allergies (stated by ${a.noneKnown!.recordedBy}, ${a.noneKnown!.recordedAt.slice(0, 10)})`;
  if (a.status === 'not-recorded') return 'Allergies not recorded';
  return a.allergies.map((x) => [x.substance, x.reaction, x.severity].filter(Boolean).join(', ')).join('; ');
}

/** `--json` prints the registry record as it always has; the text form adds the allergy status (`patients allergy list` has it all). */
async function show(ctx: CliContext, args: string[]): Promise<number> {
  const { positionals } = parseArgs({ args, allowPositionals: true, strict: true });
  if (positionals.length !== 1) throw new UsageError('patients show takes one patient id or MRN');
  const patient = await call(ctx, 'patients:get', { id: positionals[0]! });
  if (ctx.json) printJson(ctx, patient);
  else {
    for (const [k, v] of Object.entries(patient)) ctx.io.stdout.write(`${k.padEnd(10)} ${v ?? '—'}\n`);
    const allergies = await call(ctx, 'patients:allergies', { patientId: patient.id });
    ctx.io.stdout.write(`${'allergies'.padEnd(10)} ${allergyLine(allergies)}\n`);
  }
  return 0;
}

function printAllergies(ctx: CliContext, record: PatientAllergyRecord): void {
  if (ctx.json) return printJson(ctx, record);
  ctx.io.stdout.write(`${allergyLine(record)}\n`);
  for (const a of record.allergies) {
    const code = a.code ? ` [${a.codeSystem} ${a.code}]` : '';
    ctx.io.stdout.write(`  ${a.id}  ${a.substance}${code}${a.reaction ? ` — ${a.reaction}` : ''}${a.severity ? ` (${a.severity})` : ''}, recorded ${a.recordedAt.slice(0, 10)} by ${a.recordedBy}\n`);
  }
  if (record.noneKnown) ctx.io.stdout.write(`  ${record.noneKnown.id}  (no known allergies statement)\n`);
}

async function allergy(ctx: CliContext, args: string[]): Promise<number> {
  const [verb, ...rest] = args;
  if (verb === 'add') {
    const { values, positionals } = parseArgs({
      args: rest,
      allowPositionals: true,
      options: { substance: { type: 'string' }, code: { type: 'string' }, 'code-system': { type: 'string' }, reaction: { type: 'string' }, severity: { type: 'string' } },
      strict: true,
    });
    if (positionals.length !== 1) throw new UsageError('patients allergy add takes one patient id or MRN');
    const record = await call(ctx, 'patients:addAllergy', {
      patientId: positionals[0]!,
      allergy: {
        substance: values.substance ?? '',
        ...(values.code ? { code: values.code } : {}),
        ...(values['code-system'] ? { codeSystem: unchecked<AllergyCodeSystem>(values['code-system']) } : {}),
        ...(values.reaction ? { reaction: values.reaction } : {}),
        ...(values.severity ? { severity: unchecked<AllergySeverity>(values.severity.toLowerCase()) } : {}),
      },
    });
    printAllergies(ctx, record);
    return 0;
  }
  if (verb === 'remove') {
    const { values, positionals } = parseArgs({ args: rest, allowPositionals: true, options: { reason: { type: 'string' } }, strict: true });
    if (positionals.length !== 2) throw new UsageError('patients allergy remove takes a patient id or MRN and an entry id');
    printAllergies(ctx, await call(ctx, 'patients:removeAllergy', { patientId: positionals[0]!, entryId: positionals[1]!, ...(values.reason ? { reason: values.reason } : {}) }));
    return 0;
  }
  if (verb === 'none' || verb === 'list') {
    const { positionals } = parseArgs({ args: rest, allowPositionals: true, strict: true });
    if (positionals.length !== 1) throw new UsageError(`patients allergy ${verb} takes one patient id or MRN`);
    printAllergies(ctx, await call(ctx, verb === 'none' ? 'patients:noKnownAllergies' : 'patients:allergies', { patientId: positionals[0]! }));
    return 0;
  }
  throw new UsageError(`unknown patients allergy command: ${verb ?? '(none)'}`);
}

export const patientsCommands: CliCommand[] = [
  {
    name: 'patients',
    summary: 'List, add and show patients; record their allergies.',
    usage: [
      'carelens patients list [--search TEXT] [--limit N] [--json]',
      'carelens patients add --name NAME --mrn MRN [--birth-date YYYY-MM-DD] [--sex F|M|O|U] [--notes TEXT] [--json]',
      'carelens patients show <id-or-MRN> [--json]',
      'carelens patients allergy list <id-or-MRN> [--json]',
      'carelens patients allergy add <id-or-MRN> --substance TEXT [--code CODE --code-system "SNOMED CT"|RxNorm] [--reaction TEXT] [--severity mild|moderate|severe] [--json]',
      'carelens patients allergy remove <id-or-MRN> <entry-id> [--reason TEXT] [--json]',
      'carelens patients allergy none <id-or-MRN> [--json]   (states "no known allergies")',
    ].join('\n'),
    async run(ctx, args) {
      const [sub, ...rest] = args;
      if (sub === 'list') return list(ctx, rest);
      if (sub === 'add') return add(ctx, rest);
      if (sub === 'show') return show(ctx, rest);
      if (sub === 'allergy') return allergy(ctx, rest);
      throw new UsageError(`unknown patients command: ${sub ?? '(none)'}`);
    },
  },
];
