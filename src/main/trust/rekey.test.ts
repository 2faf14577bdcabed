import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createApp, type App } from '../app/createApp';
import { SHARED_DATA, callAs, ok, tempDir } from '../app/testing';
import { silentLogger } from '../core/logger';
import { fixedClock } from '../core/clock';
import { isEncryptedHeader, storeKeysFromDbKey } from '../core/fileCrypto';
import { readHead } from '../core/encryptedWrite';
import { readStored } from '../imaging/store';
import { storeKeysOf } from '../imaging/storeKeys';
import type { ImagePage, Thumbnail } from '../../shared/domain/imaging';
import type { AuditVerification } from '../../shared/domain/trust';
import { rekeyDataFolder } from './rekey';
import { PENDING_FILE } from './rekeyState';
import type { DatabaseKey } from './keys';
import { main } from '../../cli';

let app: App | null = null;
afterEach(async () => {
  await app?.close();
  app = null;
});

const open = (dataDir: string, hex: string) =>
  createApp({ dataDir, runtime: 'test', logger: silentLogger, clock: fixedClock(), databaseKey: { hex, source: 'env', where: 'test' }, encryptStoreInBackground: false });

function storeFiles(root: string): string[] {
  const out: string[] = [];
  for (const folder of ['store', 'thumbnails']) {
    const top = path.join(root, folder);
    for (const sub of fs.readdirSync(top)) for (const f of fs.readdirSync(path.join(top, sub))) out.push(path.join(top, sub, f));
  }
  return out;
}

async function expectAllReadable(a: App, shas: string[]): Promise<void> {
  const keys = storeKeysOf(a.core.db);
  for (const sha of shas) expect(createHash('sha256').update(readStored(a.core.paths.store, sha, keys)!).digest('hex')).toBe(sha);
  const page = await ok<ImagePage>(callAs(a, 'imaging:images', { limit: 200 }));
  const thumbs = await ok<Thumbnail[]>(callAs(a, 'imaging:thumbnails', { ids: page.items.map((i) => i.id) }));
  expect(thumbs.filter((t) => t.dataUrl).length).toBe(page.items.filter((i) => i.hasThumbnail).length);
  await ok(callAs(a, 'imaging:frame', { id: page.items.find((i) => i.format === 'dicom')!.id }));
}

describe('carelens rekey', () => {
  it('re-encrypts every file and the database under a new key, survives a crash mid-way (finished with either key), and is audited', async () => {
    const dataDir = tempDir();
    const keyFile = path.join(tempDir(), 'database.key');
    const oldHex = '1a'.repeat(32);
    fs.writeFileSync(keyFile, `${oldHex}\n`, { mode: 0o600 });
    const oldKey: DatabaseKey = { hex: oldHex, source: 'file', where: keyFile };
    app = open(dataDir, oldHex);
    await ok(callAs(app, 'imaging:import', { paths: [path.join(SHARED_DATA, 'dicom', 'cornerstonejs_cornerstone3D')] }));
    const shas = app.core.db.prepare('SELECT sha256 FROM images').pluck().all() as string[];
    const namesBefore = new Set(storeFiles(dataDir).map((f) => path.basename(f)));
    await app.close();
    app = null;

    // A crash after a few files: the data folder holds both keys' files, and the app will not open it.
    expect(() => rekeyDataFolder({ dataDir, current: oldKey, clock: fixedClock(), crashAfterFiles: 5 })).toThrow(/simulated crash/);
    expect(fs.existsSync(path.join(dataDir, PENDING_FILE))).toBe(true);
    expect(fs.readFileSync(path.join(dataDir, PENDING_FILE), 'utf8')).not.toContain(oldHex);
    expect(() => open(dataDir, oldHex)).toThrow(/key was interrupted.*carelens rekey/);
    // A key that is neither the old nor the new one cannot finish it.
    expect(() => rekeyDataFolder({ dataDir, current: { hex: '99'.repeat(32), source: 'env', where: 'CARELENS_KEY' }, clock: fixedClock() })).toThrow(/neither its old nor its new key/);

    // Run again with the old key: it finishes, and the key file now holds the new key.
    const lines: string[] = [];
    const result = rekeyDataFolder({ dataDir, current: oldKey, clock: fixedClock(), onProgress: (l) => lines.push(l) });
    expect(lines.join('\n')).toMatch(/Resuming the key change/);
    expect(result).toMatchObject({ resumed: true, database: 'rekeyed', problems: [] });
    expect(result.filesReencrypted).toBeGreaterThan(0);
    const newHex = fs.readFileSync(keyFile, 'utf8').trim();
    expect(newHex).toMatch(/^[0-9a-f]{64}$/);
    expect(newHex).not.toBe(oldHex);
    expect(fs.statSync(keyFile).mode & 0o777).toBe(0o600);
    expect(fs.existsSync(path.join(dataDir, PENDING_FILE))).toBe(false);

    // Every file is under the new key and has a new name; the old key opens nothing.
    const newId = storeKeysFromDbKey({ hex: newHex })!.id;
    for (const f of storeFiles(dataDir)) {
      expect(readHead(f)!.subarray(8, 16).equals(newId)).toBe(true);
      expect(isEncryptedHeader(readHead(f)!)).toBe(true);
      expect(namesBefore.has(path.basename(f))).toBe(false);
    }
    expect(() => open(dataDir, oldHex)).toThrow(/cannot be opened with the key/);
    app = open(dataDir, newHex);
    await expectAllReadable(app, shas);
    const audit = app.core.db.prepare("SELECT detail FROM audit_log WHERE channel = 'rekey'").pluck().all() as string[];
    expect(audit).toHaveLength(1);
    expect(JSON.parse(audit[0]!)).toMatchObject({ resumed: true, newKey: result.newKey, oldKey: result.oldKey });
    expect((await ok<AuditVerification>(callAs(app, 'audit:verify', {}))).ok).toBe(true);
    // Not while the app has the folder open.
    expect(() => rekeyDataFolder({ dataDir, current: { hex: newHex, source: 'env', where: 'CARELENS_KEY' }, newKeyHex: '3c'.repeat(32), clock: fixedClock() })).toThrow(/CareLens is running on/);
    await app.close();
    app = null;

    // From the command line, with the key in CARELENS_KEY and the new one in CARELENS_NEW_KEY.
    const thirdHex = '3c'.repeat(32);
    const out: string[] = [];
    const err: string[] = [];
    const io = { stdout: { write: (s: string) => (out.push(s), true) } as unknown as NodeJS.WritableStream, stderr: { write: (s: string) => (err.push(s), true) } as unknown as NodeJS.WritableStream, isTty: false };
    process.env.CARELENS_KEY = newHex;
    try {
      expect(await main(['rekey', '--data-dir', dataDir], io)).toBe(1);
      expect(err.join('')).toMatch(/CARELENS_NEW_KEY/);
      process.env.CARELENS_NEW_KEY = thirdHex;
      expect(await main(['rekey', '--data-dir', dataDir], io)).toBe(0);
    } finally {
      delete process.env.CARELENS_KEY;
      delete process.env.CARELENS_NEW_KEY;
    }
    expect(out.join('')).toMatch(/Key changed .* file\(s\) re-encrypted, \d+ thumbnail\(s\) of no stored image removed, database re-encrypted, 0 problem/);
    expect(out.join('')).toMatch(/Set CARELENS_KEY to the new key/);
    app = open(dataDir, thirdHex);
    await expectAllReadable(app, shas);
    expect(app.core.db.prepare("SELECT COUNT(*) FROM audit_log WHERE channel = 'rekey'").pluck().get()).toBe(2);
  });
});
