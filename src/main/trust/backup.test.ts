import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
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
import { legacyStorePath, readStored, writeStored } from '../imaging/store';
import { storeKeysOf } from '../imaging/storeKeys';

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
    const stored = Buffer.from('stored image bytes of Patient^Before Backup');
    const sha = createHash('sha256').update(stored).digest('hex');
    await writeStored(app.core.paths.store, sha, storeKeysOf(app.core.db), stored);
    // A file left plain from before encryption is encrypted before it goes into a backup.
    const legacy = Buffer.from('legacy plain bytes of Patient^Legacy');
    const legacySha = createHash('sha256').update(legacy).digest('hex');
    fs.mkdirSync(path.dirname(legacyStorePath(app.core.paths.store, legacySha)), { recursive: true });
    fs.writeFileSync(legacyStorePath(app.core.paths.store, legacySha), legacy);
    const file = path.join(tempDir(), 'one.clbackup');
    const info = await ok<BackupInfo>(callAs(app, 'auth:backup', { file }));
    expect(info).toMatchObject({ file, storeFiles: 2 });
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    const backupBytes = fs.readFileSync(file);
    for (const clear of ['Before Backup', 'Patient^', 'Legacy']) expect(backupBytes.includes(Buffer.from(clear))).toBe(false);
    expect(fs.existsSync(legacyStorePath(app.core.paths.store, legacySha))).toBe(false);
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
    const keys = storeKeysOf(app.core.db);
    expect(readStored(app.core.paths.store, sha, keys)!.equals(stored)).toBe(true);
    expect(readStored(app.core.paths.store, legacySha, keys)!.equals(legacy)).toBe(true);
    const v = await ok<AuditVerification>(callAs(app, 'audit:verify', {}));
    expect(v.ok).toBe(true);
    const last = app.core.db.prepare('SELECT channel FROM audit_log ORDER BY seq DESC LIMIT 2').pluck().all();
    expect(last).toContain('restore');
  });

  it('refuses a backup whose stored file was altered even when its checksums were recomputed, and says which file', async () => {
    const dataDir = tempDir();
    app = open(dataDir);
    const stored = Buffer.alloc(300_000, 7);
    const sha = createHash('sha256').update(stored).digest('hex');
    await writeStored(app.core.paths.store, sha, storeKeysOf(app.core.db), stored);
    const file = path.join(tempDir(), 'good.clbackup');
    await ok<BackupInfo>(callAs(app, 'auth:backup', { file }));
    await app.close();
    app = null;
    // An attacker who knows the format rewrites one byte of the stored file and every unkeyed checksum.
    const b = fs.readFileSync(file);
    const mlen = b.readUInt32BE(16);
    const manifest = JSON.parse(b.subarray(20, 20 + mlen).toString('utf8')) as { database: { size: number }; files: { path: string; size: number; sha256: string }[] };
    let off = 20 + mlen + manifest.database.size;
    const entry = manifest.files.find((f) => f.path.startsWith('store/'))!;
    for (const f of manifest.files) {
      if (f === entry) break;
      off += f.size;
    }
    b[off + 1000] = b[off + 1000]! ^ 0x01;
    entry.sha256 = createHash('sha256').update(b.subarray(off, off + entry.size)).digest('hex');
    const m2 = Buffer.from(JSON.stringify(manifest), 'utf8');
    expect(m2.length).toBe(mlen);
    m2.copy(b, 20);
    createHash('sha256').update(b.subarray(0, b.length - 32)).digest().copy(b, b.length - 32);
    const tampered = path.join(tempDir(), 'tampered.clbackup');
    fs.writeFileSync(tampered, b);
    expect(() => restoreBackup({ file: tampered, dataDir: tempDir(), keyHex: KEY_HEX, clock: fixedClock(), newestSchema: newestSchema() })).toThrow(
      new RegExp(`The backup's copy of ${entry.path} failed its integrity check.*Nothing was changed`),
    );
    // The untouched backup restores.
    const target = tempDir();
    restoreBackup({ file, dataDir: target, keyHex: KEY_HEX, clock: fixedClock(), newestSchema: newestSchema() });
    app = open(target);
    expect(readStored(app.core.paths.store, sha, storeKeysOf(app.core.db))!.equals(stored)).toBe(true);
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
