import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3-multiple-ciphers';
import dicomParser from 'dicom-parser';
import { callAs, SHARED_DATA, tempDir } from '../app/testing';
import { createApp, type App } from '../app/createApp';
import { silentLogger } from '../core/logger';
import { fixedClock } from '../core/clock';
import { openDatabase } from '../db/connection';
import { keyFromEnv, resolveDatabaseKey, type KeyProtector } from './keys';

let app: App | null = null;
afterEach(async () => {
  await app?.close();
  app = null;
});

/** A real patient name and ID, read from a real DICOM file of the shared data. */
function realPatient(): { name: string; mrn: string } {
  const bytes = fs.readFileSync(path.join(SHARED_DATA, 'dicom/cornerstonejs_cornerstone3D/CT1_J2KR'));
  const ds = dicomParser.parseDicom(new Uint8Array(bytes));
  return { name: ds.string('x00100010')!, mrn: ds.string('x00100020')! };
}

function filesOf(dataDir: string): Buffer {
  return Buffer.concat(
    ['carelens.db', 'carelens.db-wal', 'carelens.db-shm'].map((f) => path.join(dataDir, f)).filter((f) => fs.existsSync(f)).map((f) => fs.readFileSync(f)),
  );
}

describe('patient data encrypted at rest', () => {
  it('the database files do not contain a patient name in clear; opening without the key fails with a clear message', async () => {
    const dataDir = tempDir();
    const config = tempDir();
    const key = resolveDatabaseKey({ env: {}, configDir: config });
    expect(key.source).toBe('file');
    expect(fs.statSync(path.join(config, 'database.key')).mode & 0o777).toBe(0o600);
    const patient = realPatient();
    expect(patient.name).toBe('CompressedSamples^CT1');
    app = createApp({ dataDir, runtime: 'test', logger: silentLogger, clock: fixedClock(), databaseKey: key });
    expect(await callAs(app, 'patients:create', { name: patient.name, mrn: patient.mrn, notes: 'Grepme unique note text' })).toMatchObject({ ok: true });
    // Grep the bytes while the app is open (the WAL holds the newest pages) and after it closed.
    for (const needle of [patient.name, 'CompressedSamples', 'Grepme unique note']) expect(filesOf(dataDir).includes(Buffer.from(needle)), needle).toBe(false);
    await app.close();
    app = null;
    for (const needle of [patient.name, 'CompressedSamples', 'Grepme unique note', 'SQLite format 3']) expect(filesOf(dataDir).includes(Buffer.from(needle)), needle).toBe(false);

    // Without a key, and with another key: refused with words, not a stack trace.
    expect(() => openDatabase({ file: path.join(dataDir, 'carelens.db') })).toThrow(/encrypted and no key was given/);
    const other = { hex: 'b'.repeat(64), where: 'CARELENS_KEY' };
    expect(() => openDatabase({ file: path.join(dataDir, 'carelens.db'), key: other })).toThrow(/cannot be opened with the key from CARELENS_KEY/);
    // A plain SQLite client sees no tables.
    const plain = new Database(path.join(dataDir, 'carelens.db'));
    expect(() => plain.prepare('SELECT * FROM patients').all()).toThrow(/not a database/);
    plain.close();

    // With the right key everything is there.
    app = createApp({ dataDir, runtime: 'test', logger: silentLogger, databaseKey: key });
    expect(await callAs(app, 'patients:get', { id: patient.mrn })).toMatchObject({ ok: true, value: { name: patient.name } });
  });

  it('encrypts a database written before encryption, in place', async () => {
    const dataDir = tempDir();
    const db = new Database(path.join(dataDir, 'carelens.db'));
    db.exec("CREATE TABLE old_notes (t TEXT); INSERT INTO old_notes VALUES ('Plaintext Patient Name')");
    db.close();
    expect(fs.readFileSync(path.join(dataDir, 'carelens.db')).includes(Buffer.from('Plaintext Patient Name'))).toBe(true);
    const key = { hex: keyFromEnv('c'.repeat(64)), source: 'env' as const, where: 'CARELENS_KEY' };
    app = createApp({ dataDir, runtime: 'test', logger: silentLogger, databaseKey: key });
    expect(app.core.db.prepare('SELECT t FROM old_notes').pluck().get()).toBe('Plaintext Patient Name');
    await app.close();
    app = null;
    expect(filesOf(dataDir).includes(Buffer.from('Plaintext Patient Name'))).toBe(false);
  });

  it('takes the key from the keychain, else CARELENS_KEY, else a key file made once with owner-only permissions', () => {
    const config = tempDir();
    const sealed: KeyProtector = {
      isAvailable: () => true,
      encrypt: (s) => Buffer.from(s.split('').reverse().join('')),
      decrypt: (b) => b.toString().split('').reverse().join(''),
    };
    const k1 = resolveDatabaseKey({ env: {}, configDir: config, keychain: sealed });
    expect(k1.source).toBe('keychain');
    expect(fs.readFileSync(path.join(config, 'database.key.sealed'), 'utf8')).not.toContain(k1.hex);
    expect(resolveDatabaseKey({ env: {}, configDir: config, keychain: sealed }).hex).toBe(k1.hex);
    // Without the keychain (the CLI) a sealed key cannot be read: say so.
    expect(() => resolveDatabaseKey({ env: {}, configDir: config })).toThrow(/sealed by the OS keychain/);
    expect(resolveDatabaseKey({ env: { CARELENS_KEY: 'd'.repeat(64) }, configDir: config })).toMatchObject({ source: 'env', hex: 'd'.repeat(64) });
    expect(keyFromEnv('a long passphrase of words')).toMatch(/^[0-9a-f]{64}$/);
    expect(() => keyFromEnv('short')).toThrow(/too short/);
    const fileDir = tempDir();
    const f1 = resolveDatabaseKey({ env: {}, configDir: fileDir });
    expect(resolveDatabaseKey({ env: {}, configDir: fileDir }).hex).toBe(f1.hex);
    fs.chmodSync(path.join(fileDir, 'database.key'), 0o644);
    expect(() => resolveDatabaseKey({ env: {}, configDir: fileDir })).toThrow(/chmod 600/);
  });
});
