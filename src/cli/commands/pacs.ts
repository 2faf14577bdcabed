import fs from 'node:fs';
import { parseArgs } from 'node:util';
import type { PacsNode, PacsProtocol, RetrieveStatus } from '../../shared/domain/pacs';
import type { PacsNodeInput } from '../../shared/ipc/pacs';
import { call, printJson, progressBar, unchecked, UsageError } from '../output';
import type { CliCommand, CliContext } from '../types';

function readSecret(file: string, what: string): string {
  try {
    return fs.readFileSync(file, 'utf8').trim();
  } catch (err) {
    throw new UsageError(`cannot read the ${what} file ${file} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
}

function nodeLine(n: PacsNode): string {
  const web = n.dicomweb ? `DICOMweb ${n.dicomweb.baseUrl}${n.dicomweb.auth !== 'none' ? ` (${n.dicomweb.auth} auth)` : ''}` : '';
  const dimse = n.dimse ? `DIMSE ${n.dimse.calledAet}@${n.dimse.host}:${n.dimse.port} as ${n.dimse.callingAet}${n.dimse.retrieve === 'move' ? ` (C-MOVE to port ${n.dimse.movePort})` : ''}` : '';
  return `${n.name.padEnd(20)} ${[web, dimse].filter(Boolean).join('; ')}${n.research ? ' [research]' : ''}  ${n.id}`;
}

async function add(ctx: CliContext, args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      dicomweb: { type: 'string' },
      user: { type: 'string' },
      'password-file': { type: 'string' },
      'token-file': { type: 'string' },
      'ca-file': { type: 'string' },
      aet: { type: 'string' },
      host: { type: 'string' },
      port: { type: 'string' },
      'calling-aet': { type: 'string' },
      'move-port': { type: 'string' },
      research: { type: 'boolean' },
    },
    strict: true,
  });
  if (positionals.length !== 1) throw new UsageError('pacs add takes one node name');
  // Secrets come from files, never the command line (which other users can see in ps).
  const auth: NonNullable<PacsNodeInput['dicomweb']>['auth'] = values['token-file']
    ? { kind: 'bearer', token: readSecret(values['token-file'], 'token') }
    : values.user
      ? { kind: 'basic', user: values.user, password: values['password-file'] ? readSecret(values['password-file'], 'password') : '' }
      : undefined;
  const anyDimse = values.aet || values.host || values.port;
  const node = await call(ctx, 'pacs:addNode', {
    name: positionals[0]!,
    ...(values.dicomweb ? { dicomweb: { baseUrl: values.dicomweb, ...(auth ? { auth } : {}), ...(values['ca-file'] ? { caPem: readSecret(values['ca-file'], 'CA') } : {}) } } : {}),
    ...(anyDimse ? { dimse: { calledAet: values.aet ?? '', host: values.host ?? '', port: unchecked<number>(Number(values.port ?? 0)), ...(values['calling-aet'] ? { callingAet: values['calling-aet'] } : {}), ...(values['move-port'] ? { retrieve: 'move' as const, movePort: unchecked<number>(Number(values['move-port'])) } : {}) } } : {}),
    ...(values.research ? { research: true } : {}),
  });
  if (ctx.json) printJson(ctx, node);
  else ctx.io.stdout.write(`Added ${nodeLine(node)}\n`);
  return 0;
}

async function list(ctx: CliContext): Promise<number> {
  const nodes = await call(ctx, 'pacs:nodes', {});
  if (ctx.json) printJson(ctx, nodes);
  else {
    for (const n of nodes) ctx.io.stdout.write(nodeLine(n) + '\n');
    ctx.io.stdout.write(`${nodes.length} PACS node(s)\n`);
  }
  return 0;
}

async function nodeId(ctx: CliContext, name: string | undefined): Promise<string> {
  if (!name) throw new UsageError('name the PACS node');
  const nodes = await call(ctx, 'pacs:nodes', {});
  const n = nodes.find((x) => x.id === name) ?? nodes.find((x) => x.name.toLowerCase() === name.toLowerCase());
  // An unknown name goes to the service as it is, which answers NOT_FOUND in words.
  return n?.id ?? name;
}

async function remove(ctx: CliContext, args: string[]): Promise<number> {
  const { positionals } = parseArgs({ args, allowPositionals: true, strict: true });
  if (positionals.length !== 1) throw new UsageError('pacs remove takes one node name');
  const r = await call(ctx, 'pacs:removeNode', { nodeId: await nodeId(ctx, positionals[0]) });
  if (ctx.json) printJson(ctx, r);
  else ctx.io.stdout.write(r.removed ? 'Removed.\n' : 'Nothing removed.\n');
  return 0;
}

async function echo(ctx: CliContext, args: string[]): Promise<number> {
  const { positionals } = parseArgs({ args, allowPositionals: true, strict: true });
  if (positionals.length !== 1) throw new UsageError('pacs echo takes one node name');
  const r = await call(ctx, 'pacs:echo', { nodeId: await nodeId(ctx, positionals[0]) });
  if (ctx.json) printJson(ctx, r);
  else
    for (const [what, e] of [['DIMSE C-ECHO', r.dimse], ['DICOMweb', r.dicomweb]] as const)
      ctx.io.stdout.write(`${what.padEnd(13)} ${e ? `${e.ok ? 'ok' : 'FAILED'} in ${e.ms} ms${e.error ? ` — ${e.error}` : ''}` : 'not configured'}\n`);
  return (r.dimse?.ok ?? true) && (r.dicomweb?.ok ?? true) ? 0 : 1;
}

async function query(ctx: CliContext, args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { 'patient-id': { type: 'string' }, 'patient-name': { type: 'string' }, accession: { type: 'string' }, modality: { type: 'string' }, 'study-date': { type: 'string' }, via: { type: 'string' }, limit: { type: 'string' } },
    strict: true,
  });
  if (positionals.length !== 1) throw new UsageError('pacs query takes one node name');
  let from: string | undefined;
  let to: string | undefined;
  if (values['study-date']) {
    const m = /^(\d{8})?(-)?(\d{8})?$/.exec(values['study-date']);
    if (!m || (!m[1] && !m[3])) throw new UsageError('--study-date is YYYYMMDD, YYYYMMDD-YYYYMMDD, YYYYMMDD- or -YYYYMMDD');
    from = m[1];
    to = m[2] ? m[3] : m[1];
  }
  const studies = await call(ctx, 'pacs:query', {
    nodeId: await nodeId(ctx, positionals[0]),
    ...(values['patient-id'] ? { patientId: values['patient-id'] } : {}),
    ...(values['patient-name'] ? { patientName: values['patient-name'] } : {}),
    ...(values.accession ? { accessionNumber: values.accession } : {}),
    ...(values.modality ? { modality: values.modality } : {}),
    ...(from ? { studyDateFrom: from } : {}),
    ...(to ? { studyDateTo: to } : {}),
    ...(values.via ? { via: unchecked<PacsProtocol>(values.via) } : {}),
    ...(values.limit ? { limit: Number(values.limit) } : {}),
  });
  if (ctx.json) printJson(ctx, studies);
  else {
    for (const s of studies)
      ctx.io.stdout.write(`${(s.studyDate || '—').padEnd(9)} ${s.patientName.padEnd(24).slice(0, 24)} ${s.patientId.padEnd(14).slice(0, 14)} ${s.modalities.join('/').padEnd(6)} ${String(s.numberOfSeries ?? '?').padStart(3)} series ${String(s.numberOfInstances ?? '?').padStart(5)} images  ${s.studyInstanceUid}\n`);
    ctx.io.stdout.write(`${studies.length} stud${studies.length === 1 ? 'y' : 'ies'}\n`);
  }
  return 0;
}

async function retrieve(ctx: CliContext, args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { study: { type: 'string', multiple: true }, series: { type: 'string', multiple: true }, via: { type: 'string' } }, strict: true });
  if (positionals.length !== 1) throw new UsageError('pacs retrieve takes one node name');
  if (!values.study?.length) throw new UsageError('give at least one --study UID');
  const bar = progressBar(ctx);
  const unsubscribe = ctx.app().core.events.subscribe((name, payload) => {
    if (name !== 'pacs:progress') return;
    const s = payload as RetrieveStatus;
    const total = Math.max(0, s.found - s.alreadyStored);
    bar.update(s.fetched + s.failed, total, `${s.fetched}/${total} fetched, ${(s.bytesPerSecond / 1e6).toFixed(1)} MB/s${s.etaSeconds !== null ? `, ${s.etaSeconds}s left` : ''}`);
  });
  try {
    const summary = await call(ctx, 'pacs:retrieve', {
      nodeId: await nodeId(ctx, positionals[0]),
      studyUids: values.study,
      ...(values.series?.length ? { seriesUids: values.series } : {}),
      ...(values.via ? { via: unchecked<PacsProtocol>(values.via) } : {}),
    });
    bar.done();
    if (ctx.json) printJson(ctx, summary);
    else {
      ctx.io.stdout.write(`${summary.state}: ${summary.found} instance(s) on the PACS, ${summary.alreadyStored} already in CareLens, ${summary.fetched} fetched, ${summary.imported} imported, ${summary.duplicates} duplicate(s), ${summary.failed.length} failed\n`);
      for (const f of summary.failed) ctx.io.stdout.write(`  ${f.path}: ${f.reason}\n`);
      if (summary.state !== 'done') ctx.io.stdout.write(`Resume later: it skips what is stored (retrieve id ${summary.retrieveId}).\n`);
    }
    return summary.state === 'done' && summary.failed.length === 0 ? 0 : 1;
  } finally {
    unsubscribe();
  }
}

async function send(ctx: CliContext, args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { diagnosis: { type: 'string', multiple: true }, deidentify: { type: 'boolean' }, via: { type: 'string' } }, strict: true });
  if (positionals.length !== 1) throw new UsageError('pacs send takes one node name');
  if (!values.diagnosis?.length) throw new UsageError('give at least one --diagnosis ID');
  const r = await call(ctx, 'pacs:send', {
    nodeId: await nodeId(ctx, positionals[0]),
    diagnosisIds: values.diagnosis,
    ...(values.deidentify ? { deidentify: true } : {}),
    ...(values.via ? { via: unchecked<PacsProtocol>(values.via) } : {}),
  });
  if (ctx.json) printJson(ctx, r);
  else for (const s of r.sent) ctx.io.stdout.write(`${s.diagnosisId}: ${s.ok ? `sent (SR ${s.srSopInstanceUid}, heatmap ${s.scSopInstanceUid})` : `FAILED — ${s.error}`}\n`);
  return r.sent.every((s) => s.ok) ? 0 : 1;
}

export const pacsCommands: CliCommand[] = [
  {
    name: 'pacs',
    summary: "Query, retrieve from and send reviewed findings to the clinic's PACS (DICOMweb or DIMSE).",
    usage: [
      'carelens pacs add NAME [--dicomweb URL [--user U --password-file F | --token-file F] [--ca-file PEM]] [--aet AE --host H --port P] [--calling-aet AE] [--move-port P] [--research] [--json]',
      'carelens pacs list [--json]',
      'carelens pacs remove NAME [--json]',
      'carelens pacs echo NAME [--json]',
      'carelens pacs query NAME [--patient-id ID] [--patient-name NAME*] [--accession A] [--modality M] [--study-date YYYYMMDD-YYYYMMDD] [--via dicomweb|dimse] [--json]',
      'carelens pacs retrieve NAME --study UID... [--series UID...] [--via dicomweb|dimse] [--json]',
      'carelens pacs send NAME --diagnosis ID... [--deidentify] [--via dicomweb|dimse] [--json]',
    ].join('\n'),
    async run(ctx, args) {
      const [sub, ...rest] = args;
      if (sub === 'add') return add(ctx, rest);
      if (sub === 'list') return list(ctx);
      if (sub === 'remove') return remove(ctx, rest);
      if (sub === 'echo') return echo(ctx, rest);
      if (sub === 'query') return query(ctx, rest);
      if (sub === 'retrieve') return retrieve(ctx, rest);
      if (sub === 'send') return send(ctx, rest);
      throw new UsageError(`unknown pacs command: ${sub ?? '(none)'}`);
    },
  },
];
