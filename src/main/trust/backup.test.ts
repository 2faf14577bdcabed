import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { callAs, tempDir, ok } from '../app/testing';
import { createApp, type App } from '../app/createApp';
import { silentLogger } from '../core/logger';
import { fixedClock } from '../core/clock';
import type { AuditVerification, BackupInfo } from '../../shared/domain/trust';
import { readBackup, restoreBackup } from './BackupService';
import { newestSchema } from '../app/migrations';
import { main } from '../../cli';

const KEY_HEX = 'e'.repeat(64);
const key = { hex: KEY_HEX, source: 'env' as const, where: 'CARELENS_KEY' };
let app: App | null = null;
afterEach(async () => {
  await app?.close();
  app = null;
});

const open = (dataDir: string) => createApp({ dataDir, runtime: 'test', logger: silentLogger, clock: fixedClock(), databaseKey: key });


function patientCount(a: App): number {
  return a.core.db.prepare('SELECT COUNT(*) FROM patients').pluck().get() as number;
}

describe('backups', () => {
  it('backs up the database and the image store, and restore checks before replacing anything', async () => {
    const dataDir = tempDir();
    app = open(dataDir);
    await ok(callAs(app, 'patients:create', { name: 'Before Backup', mrn: 'B1' }));
    fs.mkdirSync(path.join(dataDir, 'store', 'ab'), { recursive: true });
    fs.writeFileSync(path.join(dataDir, 'store', 'ab', 'abcdef'), 'stored image bytes');
    const file = path.join(tempDir(), 'one.clbackup');
    const info = await ok<BackupInfo>(callAs(app, 'auth:backup', { file }));
    expect(info).toMatchObject({ file, storeFiles: 1 });
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(fs.readFileSync(file).includes(Buffer.from('Before Backup'))).toBe(false);
    expect(await callAs(app, 'auth:backup', { file })).toMatchObject({ ok: false, error: { code: 'CONFLICT' } });
    await ok(callAs(app, 'patients:create', { name: 'After Backup', mrn: 'A1' }));
    // Not while the app has the folder open.
    expect(() => restoreBackup({ file, dataDir, keyHex: KEY_HEX, clock: fixedClock(), newestSchema: newestSchema() })).toThrow(/CareLens is running on/);
    await app.close();
    app = null;

    // A damaged backup is refused and nothing is touched.
    const damaged = path.join(tempDir(), 'damaged.clbackup');
    const bytes = fs.readFileSync(file);
    bytes[bytes.length - 100] = bytes[bytes.length - 100]! ^ 0x01;
    fs.writeFileSync(damaged, bytes);
    expect(() => restoreBackup({ file: damaged, dataDir, keyHex: KEY_HEX, clock: fixedClock(), newestSchema: newestSchema() })).toThrow(/damaged or was altered/);
    // The wrong key is refused before anything is replaced.
    expect(() => restoreBackup({ file, dataDir, keyHex: 'f'.repeat(64), clock: fixedClock(), newestSchema: newestSchema() })).toThrow(/cannot be opened with this key/);
    app = open(dataDir);
    expect(patientCount(app)).toBe(2);
    await app.close();
    app = null;

    const result = restoreBackup({ file, dataDir, keyHex: KEY_HEX, clock: fixedClock(), newestSchema: newestSchema() });
    expect(result.previousDataMovedTo).toMatch(/pre-restore-/);
    expect(fs.existsSync(path.join(result.previousDataMovedTo!, 'carelens.db'))).toBe(true);
    app = open(dataDir);
    expect(patientCount(app)).toBe(1);
    expect(fs.readFileSync(path.join(dataDir, 'store', 'ab', 'abcdef'), 'utf8')).toBe('stored image bytes');
    const v = await ok<AuditVerification>(callAs(app, 'audit:verify', {}));
    expect(v.ok).toBe(true);
    const last = app.core.db.prepare('SELECT channel FROM audit_log ORDER BY seq DESC LIMIT 2').pluck().all();
    expect(last).toContain('restore');
  });

  it('refuses a backup whose manifest points outside the data folder', () => {
    const f = path.join(tempDir(), 'evil.clbackup');
    fs.writeFileSync(f, 'CARELENS-BACKUP\n' + 'garbage');
    expect(() => readBackup(f)).toThrow(/not a CareLens backup|damaged/);
    expect(() => readBackup(path.join(tempDir(), 'missing'))).toThrow(/No backup file/);
  });

  it('kill -9 during writes, then start again: integrity_check passes, the chain verifies, and an earlier backup restores', async () => {
    const dataDir = tempDir();
    app = open(dataDir);
    for (let i = 0; i < 3; i++) await ok(callAs(app, 'patients:create', { name: `Early ${i}`, mrn: `E${i}` }));
    await app.close();
    app = null;
    const backupFile = path.join(tempDir(), 'before-crash.clbackup');
    // The CLI takes the backup, as an administrator would (it acts as system, key from CARELENS_KEY).
    process.env.CARELENS_KEY = KEY_HEX;
    const sink = { write: () => true } as unknown as NodeJS.WritableStream;
    expect(await main(['backup', backupFile, '--data-dir', dataDir], { stdout: sink, stderr: sink, isTty: false })).toBe(0);

    const child = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, 'testdata', 'writer.ts'), dataDir], {
      env: { ...process.env, CARELENS_KEY: KEY_HEX },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let written = 0;
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`writer did not get going: ${stderr}`)), 45_000);
      child.stdout.on('data', (d: Buffer) => {
        const lines = d.toString().trim().split('\n');
        written = Number(lines[lines.length - 1]);
        if (written >= 150) {
          clearTimeout(timer);
          resolve();
        }
      });
      child.on('exit', () => reject(new Error(`writer exited early: ${stderr}`)));
    });
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    expect(child.signalCode).toBe('SIGKILL');

    app = open(dataDir);
    expect(app.core.db.pragma('integrity_check', { simple: true })).toBe('ok');
    const count = patientCount(app);
    expect(count).toBeGreaterThanOrEqual(3 + written);
    const v = await ok<AuditVerification>(callAs(app, 'audit:verify', {}));
    expect(v).toMatchObject({ ok: true });
    expect(v.rows).toBeGreaterThanOrEqual(3 + written);
    await app.close();
    app = null;

    const out: string[] = [];
    const io = { stdout: { write: (s: string) => (out.push(s), true) } as unknown as NodeJS.WritableStream, stderr: sink, isTty: false };
    expect(await main(['restore', backupFile, '--data-dir', dataDir], io)).toBe(0);
    expect(out.join('')).toMatch(/kept in .*pre-restore-/);
    app = open(dataDir);
    expect(app.core.db.pragma('integrity_check', { simple: true })).toBe('ok');
    expect(patientCount(app)).toBe(3);
    expect((await ok<AuditVerification>(callAs(app, 'audit:verify', {}))).ok).toBe(true);
    delete process.env.CARELENS_KEY;
  });
});
