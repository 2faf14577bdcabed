import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createApp, type App } from '../app/createApp';
import { SHARED_DATA, callAs, ok, tempDir } from '../app/testing';
import { silentLogger } from '../core/logger';
import { fixedClock } from '../core/clock';
import { decryptFileSync, isEncryptedHeader } from '../core/fileCrypto';
import { readHead } from '../core/encryptedWrite';
import { legacyStorePath, legacyThumbnailPath, readStored, readThumbnail, storePath, thumbnailPath } from '../imaging/store';
import { storeKeysOf } from '../imaging/storeKeys';
import type { ImagePage, Thumbnail } from '../../shared/domain/imaging';
import { MIGRATION_SETTING } from './StoreMigration';
import { main } from '../../cli';

const KEY_HEX = 'd'.repeat(64);
const key = { hex: KEY_HEX, source: 'env' as const, where: 'CARELENS_KEY' };
let app: App | null = null;
afterEach(async () => {
  await app?.close();
  app = null;
});

const open = (dataDir: string) => createApp({ dataDir, runtime: 'test', logger: silentLogger, clock: fixedClock(), databaseKey: key, encryptStoreInBackground: false });

function filesUnder(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? filesUnder(path.join(dir, e.name)) : [path.join(dir, e.name)]));
}

/** A file as CareLens wrote it before encryption: not in the encrypted format (names alone do not tell: both are 64 hex). */
const isPlain = (f: string) => !isEncryptedHeader(readHead(f) ?? Buffer.alloc(0));
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** Turns an encrypted store back into what CareLens wrote before encryption (plain files under sha256 names). */
function makeLegacy(a: App): string[] {
  const keys = storeKeysOf(a.core.db)!;
  const shas = a.core.db.prepare('SELECT sha256 FROM images').pluck().all() as string[];
  for (const sha of shas) {
    const enc = storePath(a.core.paths.store, sha, keys);
    fs.mkdirSync(path.dirname(legacyStorePath(a.core.paths.store, sha)), { recursive: true });
    fs.writeFileSync(legacyStorePath(a.core.paths.store, sha), decryptFileSync(keys, enc));
    fs.rmSync(enc);
    const thumb = thumbnailPath(a.core.paths.thumbnails, sha, keys);
    if (fs.existsSync(thumb)) {
      fs.mkdirSync(path.dirname(legacyThumbnailPath(a.core.paths.thumbnails, sha)), { recursive: true });
      fs.writeFileSync(legacyThumbnailPath(a.core.paths.thumbnails, sha), decryptFileSync(keys, thumb));
      fs.rmSync(thumb);
    }
  }
  a.core.settings.delete(MIGRATION_SETTING);
  return shas;
}

/** A backup in the format CareLens writes, holding `files` as given (as a backup made before encryption did). */
function writeBackup(file: string, files: { path: string; data: Buffer }[]): void {
  const db = Buffer.from('stand-in for the database snapshot');
  const manifest = {
    format: 1,
    createdAt: '2026-01-01T00:00:00.000Z',
    appVersion: '0.1.0',
    schemaVersion: 1,
    auditRows: 0,
    auditHead: '',
    database: { size: db.length, sha256: sha256(db) },
    files: files.map((f) => ({ path: f.path, size: f.data.length, sha256: sha256(f.data) })),
  };
  const m = Buffer.from(JSON.stringify(manifest));
  const len = Buffer.alloc(4);
  len.writeUInt32BE(m.length);
  const body = Buffer.concat([Buffer.from('CARELENS-BACKUP\n', 'latin1'), len, m, db, ...files.map((f) => f.data)]);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, Buffer.concat([body, createHash('sha256').update(body).digest()]));
}

describe('encrypting a store written before encryption (migration)', () => {
  it('converts in place; SIGKILL mid-way loses nothing, readers cope with both states, and a re-run finishes with no plain file left', async () => {
    const dataDir = tempDir();
    app = open(dataDir);
    await ok(callAs(app, 'imaging:import', { paths: [path.join(SHARED_DATA, 'dicom'), path.join(SHARED_DATA, 'images', 'breastmnist')] }));
    // A backup taken now encrypts what it copies; one from before encryption held the store in clear.
    await ok(callAs(app, 'auth:backup', {}));
    const shas = makeLegacy(app);
    const oldBackup = path.join(dataDir, 'backups', 'carelens-before-encryption.clbackup');
    writeBackup(oldBackup, [{ path: `store/${shas[0]!.slice(0, 2)}/${shas[0]}`, data: readStored(app.core.paths.store, shas[0]!, null)! }]);
    const allFiles = () => filesUnder(path.join(dataDir, 'store')).concat(filesUnder(path.join(dataDir, 'thumbnails')));
    // A temp file of the killed writer is not a stored file (the next run removes it).
    const storeFiles = () => allFiles().filter((f) => !f.endsWith('.tmp'));
    const legacyCount = storeFiles().filter(isPlain).length;
    // (Files of SOP-instance duplicates are stored but have no image row: they stay as the import wrote them.)
    const totalFiles = storeFiles().length;
    expect(legacyCount).toBeGreaterThan(1000);
    // The legacy store really is plain: patient names are there in clear.
    expect(filesUnder(app.core.paths.store).some((f) => fs.readFileSync(f).includes(Buffer.from('CompressedSamples^CT1')))).toBe(true);
    await app.close();
    app = null;

    const child = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, 'testdata', 'migrateChild.ts'), dataDir], {
      env: { ...process.env, CARELENS_KEY: KEY_HEX },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    let converted = 0;
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`migration child did not get going: ${stderr}`)), 60_000);
      child.stdout.on('data', (d: Buffer) => {
        const lines = d.toString().trim().split('\n');
        converted = Number(lines[lines.length - 1]!.split(' ')[1]);
        if (converted >= legacyCount / 4) {
          clearTimeout(timer);
          resolve();
        }
      });
      child.on('exit', () => reject(new Error(`migration child exited before it was killed: ${stderr}`)));
    });
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    expect(child.signalCode).toBe('SIGKILL');

    // Mid-way: some files converted, some not.
    const left = storeFiles().filter(isPlain).length;
    expect(left).toBeGreaterThan(0);
    expect(left).toBeLessThan(legacyCount);

    // Readers cope with both states: every image's bytes are exactly what was imported, every thumbnail shows.
    app = open(dataDir);
    const keys = storeKeysOf(app.core.db);
    for (const sha of shas) expect(sha256(readStored(app.core.paths.store, sha, keys)!)).toBe(sha);
    const page = await ok<ImagePage>(callAs(app, 'imaging:images', { limit: 5000 }));
    const withThumb = page.items.filter((i) => i.hasThumbnail).map((i) => i.id);
    for (let i = 0; i < withThumb.length; i += 200) {
      const thumbs = await ok<Thumbnail[]>(callAs(app, 'imaging:thumbnails', { ids: withThumb.slice(i, i + 200) }));
      expect(thumbs.every((t) => t.dataUrl)).toBe(true);
    }
    for (const img of page.items.filter((i) => i.format === 'dicom').slice(0, 5)) await ok(callAs(app, 'imaging:frame', { id: img.id }));
    await app.close();
    app = null;

    // A writer killed between creating its temp file and writing it leaves this (pid above Linux's pid_max: never alive).
    const stale = `${storeFiles()[0]!}.4194305-deadbeef.tmp`;
    fs.writeFileSync(stale, '');
    // The CLI finishes it, with progress lines.
    const out: string[] = [];
    const err: string[] = [];
    const io = { stdout: { write: (s: string) => (out.push(s), true) } as unknown as NodeJS.WritableStream, stderr: { write: (s: string) => (err.push(s), true) } as unknown as NodeJS.WritableStream, isTty: false };
    process.env.CARELENS_KEY = KEY_HEX;
    try {
      expect(await main(['encrypt-store', '--data-dir', dataDir], io)).toBe(0);
    } finally {
      delete process.env.CARELENS_KEY;
    }
    expect(err.join('')).toMatch(/encrypt-store: \d+ of \d+ file\(s\) checked, \d+ encrypted/);
    expect(out.join('')).toMatch(new RegExp(`Stored files: \\d+ checked, ${left} encrypted now, 0 problem`));
    // The old backup is named (not rewritten); the one taken after encryption is not.
    expect(err.join('')).toContain(`${oldBackup} was made before encryption and holds stored images in clear`);
    const named = new Set([...err.join('').matchAll(/(\S+\.clbackup) was made before encryption/g)].map((m) => m[1]));
    expect([...named]).toEqual([oldBackup]);
    expect(fs.readdirSync(path.join(dataDir, 'backups'))).toHaveLength(2);

    const final = allFiles();
    expect(final.filter((f) => isPlain(f) || f.endsWith('.tmp') || f.endsWith('.png'))).toEqual([]);
    expect(final.length).toBe(totalFiles);
    for (const f of final) expect(isEncryptedHeader(readHead(f)!)).toBe(true);
    expect(final.some((f) => fs.readFileSync(f).includes(Buffer.from('CompressedSamples')))).toBe(false);

    app = open(dataDir);
    const keys2 = storeKeysOf(app.core.db)!;
    for (const sha of shas) {
      expect(sha256(readStored(app.core.paths.store, sha, keys2)!)).toBe(sha);
      expect(fs.existsSync(storePath(app.core.paths.store, sha, keys2))).toBe(true);
    }
    expect(page.items.filter((i) => i.hasThumbnail).every((i) => readThumbnail(app!.core.paths.thumbnails, (app!.core.db.prepare('SELECT sha256 FROM images WHERE id = ?').pluck().get(i.id) as string), keys2))).toBe(true);
    expect(JSON.parse(app.core.settings.get(MIGRATION_SETTING)!)).toMatchObject({ state: 'done', keyId: keys2.id.toString('hex') });
    expect(app.features.trust.storeMigration.needed()).toBe(false);
  });
});
