import fs from 'node:fs';
import { parseArgs } from 'node:util';
import type { AuditEntry } from '../../shared/domain/trust';
import type { Role } from '../../shared/domain/actor';
import { systemClock } from '../../main/core/clock';
import { keyFromEnv, resolveDatabaseKey } from '../../main/trust/keys';
import { rekeyDataFolder } from '../../main/trust/rekey';
import { assertDataFolderOwner } from '../../main/trust/owner';
import { restoreBackup } from '../../main/trust/BackupService';
import { newestSchema } from '../../main/app/migrations';
import { call, printJson, unchecked, UsageError } from '../output';
import type { CliCommand, CliContext } from '../types';

function auditLine(e: AuditEntry): string {
  return `${String(e.seq).padStart(6)} ${e.at} ${e.actorName.padEnd(12)} ${e.channel.padEnd(24)} ${e.outcome.padEnd(15)} ${e.patientIds.length ? `patients ${e.patientIds.length}` : ''}`;
}

const filterOptions = {
  user: { type: 'string' },
  patient: { type: 'string' },
  action: { type: 'string' },
  outcome: { type: 'string' },
  from: { type: 'string' },
  to: { type: 'string' },
} as const;

function filterOf(values: Record<string, unknown>) {
  const out: Record<string, string> = {};
  for (const k of Object.keys(filterOptions)) if (typeof values[k] === 'string') out[k] = values[k] as string;
  return out;
}

async function auditCommand(ctx: CliContext, args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === 'verify') {
    parseArgs({ args: rest, options: {}, strict: true });
    const v = await call(ctx, 'audit:verify', {});
    if (ctx.json) printJson(ctx, v);
    else if (v.ok) ctx.io.stdout.write(`Audit trail intact: ${v.rows} row(s), head ${v.headHash}\n`);
    else ctx.io.stderr.write(`carelens: AUDIT TRAIL BROKEN at row ${v.firstBrokenSeq}: ${v.problem}\n(${v.rows} row(s) before it verified.)\n`);
    return v.ok ? 0 : 1;
  }
  if (sub === 'export') {
    const { values } = parseArgs({ args: rest, options: { ...filterOptions, out: { type: 'string', short: 'o' } }, strict: true });
    const { csv, rows } = await call(ctx, 'audit:export', filterOf(values));
    if (values.out) {
      fs.writeFileSync(values.out, csv, { mode: 0o600, flag: 'wx' });
      if (ctx.json) printJson(ctx, { file: values.out, rows });
      else ctx.io.stdout.write(`Wrote ${rows} audit row(s) to ${values.out}\n`);
    } else ctx.io.stdout.write(csv);
    return 0;
  }
  if (sub === 'list') {
    const { values } = parseArgs({ args: rest, options: { ...filterOptions, limit: { type: 'string' } }, strict: true });
    const page = await call(ctx, 'audit:list', { ...filterOf(values), limit: values.limit ? Number(values.limit) : 50 });
    if (ctx.json) printJson(ctx, page);
    else {
      for (const e of page.items) ctx.io.stdout.write(auditLine(e) + '\n');
      ctx.io.stdout.write(`${page.items.length} of ${page.total} row(s)\n`);
    }
    return 0;
  }
  throw new UsageError(`unknown audit command: ${sub ?? '(none)'}`);
}

async function usersCommand(ctx: CliContext, args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === 'list') {
    parseArgs({ args: rest, options: {}, strict: true });
    const users = await call(ctx, 'auth:listUsers', {});
    if (ctx.json) printJson(ctx, users);
    else for (const u of users) ctx.io.stdout.write(`${u.username.padEnd(16)} ${u.role.padEnd(10)} ${u.disabled ? 'disabled' : 'active  '} ${u.displayName}\n`);
    return 0;
  }
  if (sub === 'add' || sub === 'reset-password') {
    const { values } = parseArgs({
      args: rest,
      options: { username: { type: 'string' }, name: { type: 'string' }, role: { type: 'string' }, 'password-env': { type: 'string' } },
      strict: true,
    });
    // Never on the command line (it shows in `ps` and shell history): from an environment variable.
    const envName = values['password-env'] ?? 'CARELENS_NEW_PASSWORD';
    const password = process.env[envName];
    if (!password) throw new UsageError(`put the password in the environment variable ${envName} (or name another with --password-env)`);
    if (sub === 'add') {
      const user = await call(ctx, 'auth:createUser', { username: values.username ?? '', displayName: values.name ?? values.username ?? '', role: unchecked<Role>(values.role ?? 'clinician'), password });
      if (ctx.json) printJson(ctx, user);
      else ctx.io.stdout.write(`Added ${user.username} (${user.role})\n`);
      return 0;
    }
    const users = await call(ctx, 'auth:listUsers', {});
    const target = users.find((u) => u.username.toLowerCase() === (values.username ?? '').toLowerCase());
    if (!target) throw new UsageError(`no user named ${values.username ?? '(none)'}`);
    await call(ctx, 'auth:resetPassword', { id: target.id, password });
    if (!ctx.json) ctx.io.stdout.write(`New password set for ${target.username}\n`);
    else printJson(ctx, { username: target.username, reset: true });
    return 0;
  }
  throw new UsageError(`unknown users command: ${sub ?? '(none)'}`);
}

/** The new key for `rekey`: CARELENS_NEW_KEY (hex or passphrase), or an owner-only file holding 64 hex characters. */
function newKeyFrom(file: string | undefined): string | null {
  if (file) {
    const st = fs.statSync(file);
    if (process.platform !== 'win32' && (st.mode & 0o077) !== 0) throw new UsageError(`${file} can be read by other users: chmod 600 it first`);
    const hex = fs.readFileSync(file, 'utf8').trim().toLowerCase();
    if (!/^[0-9a-f]{64}$/.test(hex)) throw new UsageError(`${file} must hold 64 hex characters (a 256-bit key)`);
    return hex;
  }
  return process.env.CARELENS_NEW_KEY ? keyFromEnv(process.env.CARELENS_NEW_KEY) : null;
}

export const trustCommands: CliCommand[] = [
  {
    name: 'audit',
    summary: 'Verify, list and export the tamper-evident audit trail.',
    usage: [
      'carelens audit verify [--json]              exit 1 and the first broken row if the chain is broken',
      'carelens audit list [--user U] [--patient ID|MRN|NAME] [--action CHANNEL|KIND] [--outcome ok|error|CODE] [--from T] [--to T] [--limit N] [--json]',
      'carelens audit export [filters as for list] [--out FILE]   CSV on stdout or into a new FILE',
    ].join('\n'),
    run: auditCommand,
  },
  {
    name: 'users',
    summary: 'List users, add one, or reset a password (as the local system administrator).',
    usage: [
      'carelens users list [--json]',
      'CARELENS_NEW_PASSWORD=... carelens users add --username U --name "Full Name" --role clinician|reviewer|admin',
      'CARELENS_NEW_PASSWORD=... carelens users reset-password --username U',
    ].join('\n'),
    run: usersCommand,
  },
  {
    name: 'backup',
    summary: 'Write a consistent online backup (database and image store) to a new file.',
    usage: 'carelens backup <file> [--json]',
    async run(ctx, args) {
      const { positionals } = parseArgs({ args, allowPositionals: true, strict: true });
      if (positionals.length !== 1) throw new UsageError('backup takes one file name');
      const info = await call(ctx, 'auth:backup', { file: positionals[0] });
      if (ctx.json) printJson(ctx, info);
      else ctx.io.stdout.write(`Backup written to ${info.file}: database ${info.databaseBytes} bytes, ${info.storeFiles} stored file(s) (${info.storeBytes} bytes), audit trail ${info.auditRows} row(s).\n`);
      return 0;
    },
  },
  {
    name: 'encrypt-store',
    summary: 'Encrypt files stored before encryption (the app does this in the background at start).',
    usage: 'carelens encrypt-store [--json]',
    async run(ctx, args) {
      parseArgs({ args, options: {}, strict: true });
      const app = ctx.app();
      let lastLine = 0;
      const p = await app.features.trust.storeMigration.run((q) => {
        if (ctx.json || (q.state === 'running' && q.checked - lastLine < 500 && q.checked > 0)) return;
        lastLine = q.checked;
        ctx.io.stderr.write(`encrypt-store: ${q.checked} of ${q.total} file(s) checked, ${q.converted} encrypted\n`);
      });
      if (ctx.json) printJson(ctx, p);
      else {
        ctx.io.stdout.write(`Stored files: ${p.total} checked, ${p.converted} encrypted now, ${p.problems.length} problem(s).\n`);
        for (const problem of p.problems) ctx.io.stderr.write(`  ${problem}\n`);
        for (const file of p.plainBackups) ctx.io.stderr.write(`carelens: ${file} was made before encryption and holds stored images in clear: make a new backup (carelens backup), then delete it.\n`);
      }
      return p.state === 'done' ? 0 : 1;
    },
  },
  {
    name: 'rekey',
    summary: 'Change the data folder’s key: re-encrypt every stored file and the database (resumable). Stop CareLens first.',
    usage: [
      'carelens rekey [--json]                      the key file gets a new random key',
      'CARELENS_NEW_KEY=... carelens rekey          a given new key (needed when the key comes from CARELENS_KEY)',
      'carelens rekey --new-key-file FILE           a new key from an owner-only file (64 hex characters)',
      'After a crash, run it again with the old or the new key: it finishes the change.',
    ].join('\n'),
    async run(ctx, args) {
      const { values } = parseArgs({ args, options: { 'new-key-file': { type: 'string' } }, strict: true });
      assertDataFolderOwner(ctx.dataDir);
      const result = rekeyDataFolder({
        dataDir: ctx.dataDir,
        current: resolveDatabaseKey(),
        newKeyHex: newKeyFrom(values['new-key-file']),
        clock: systemClock,
        onProgress: (line) => ctx.io.stderr.write(`rekey: ${line}\n`),
      });
      if (ctx.json) printJson(ctx, result);
      else {
        ctx.io.stdout.write(`Key changed (${result.oldKey} -> ${result.newKey}): ${result.filesReencrypted} file(s) re-encrypted, ${result.filesRemoved} thumbnail(s) of no stored image removed, database ${result.database === 'rekeyed' ? 're-encrypted' : 'already under the new key'}, ${result.problems.length} problem(s).\n`);
        for (const problem of result.problems) ctx.io.stderr.write(`  ${problem}\n`);
        ctx.io.stdout.write(`${result.keyNote}\n`);
      }
      return result.problems.length ? 1 : 0;
    },
  },
  {
    name: 'restore',
    summary: 'Check a backup, then restore it into the data folder (the current data is kept aside). Stop CareLens first.',
    usage: 'carelens restore <file> [--json]',
    async run(ctx, args) {
      const { positionals } = parseArgs({ args, allowPositionals: true, strict: true });
      if (positionals.length !== 1) throw new UsageError('restore takes one backup file');
      fs.mkdirSync(ctx.dataDir, { recursive: true, mode: 0o700 });
      assertDataFolderOwner(ctx.dataDir);
      const key = resolveDatabaseKey();
      const result = restoreBackup({ file: positionals[0]!, dataDir: ctx.dataDir, keyHex: key.hex, clock: systemClock, newestSchema: newestSchema() });
      if (ctx.json) printJson(ctx, result);
      else {
        ctx.io.stdout.write(`Restored the backup of ${result.createdAt} (${result.auditRows} audit rows, ${result.storeFiles} stored files) into ${ctx.dataDir}.\n`);
        if (result.previousDataMovedTo) ctx.io.stdout.write(`The data it replaced is kept in ${result.previousDataMovedTo}.\n`);
      }
      return 0;
    },
  },
];
