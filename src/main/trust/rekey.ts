/**
 * `carelens rekey`: a new key for a data folder. Every stored file is re-encrypted (and renamed:
 * names are keyed too) under the new key, then the database is rekeyed (SQLCipher's rekey
 * through SQLite3MultipleCiphers), then the new key replaces the old one in the key file, and
 * the change is audited. A record of the change (rekeyState.ts) holding both keys, each sealed
 * by the other, is written first and removed last, so a crash at any point is finished by
 * running the command again with either key. CareLens must not be running on the folder.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3-multiple-ciphers';
import { AppError } from '../../shared/ipc/envelope';
import type { Clock } from '../core/clock';
import { keyedName, storeKeysFromDbKey, type StoreKeys } from '../core/fileCrypto';
import { applyKey, type Db } from '../db/connection';
import { AuditLog } from '../audit/AuditLog';
import { storedSha256s } from '../imaging/ports';
import { assertNotInUse } from './BackupService';
import type { DatabaseKey } from './keys';
import { convertFile, listStoreFiles } from './storeConversion';
import { keyFingerprint, readPending, removePending, sealKey, unsealKey, writePending } from './rekeyState';

export interface RekeyOptions {
  dataDir: string;
  /** The key the CLI resolved (key file or CARELENS_KEY): the old one, or the new one when resuming after the database was rekeyed. */
  current: DatabaseKey;
  /** The new key (64 hex); a random one when absent (only when the key lives in the key file, which is then replaced). */
  newKeyHex?: string | null;
  clock: Clock;
  onProgress?: (line: string) => void;
  /** Tests: throw after this many files, as a crash would stop it. */
  crashAfterFiles?: number;
}

export interface RekeyResult {
  oldKey: string;
  newKey: string;
  filesChecked: number;
  filesReencrypted: number;
  filesRemoved: number;
  problems: string[];
  database: 'rekeyed' | 'already';
  /** Where the new key now is, or what the administrator must do with it. */
  keyNote: string;
  resumed: boolean;
}

function openWith(file: string, hex: string): Db | null {
  const db = new Database(file, { fileMustExist: true });
  try {
    applyKey(db, hex);
    db.prepare('SELECT COUNT(*) FROM sqlite_master').get();
    return db;
  } catch {
    db.close();
    return null;
  }
}

/** Which of the two keys opens the database now. */
function databaseKeyNow(file: string, oldHex: string, newHex: string): 'old' | 'new' {
  for (const [which, hex] of [['new', newHex], ['old', oldHex]] as const) {
    const db = openWith(file, hex);
    if (db) {
      db.close();
      return which;
    }
  }
  throw new AppError('FORBIDDEN', `The database at ${file} opens with neither the old nor the new key. Nothing more was changed; restore a backup.`);
}

function writeKeyFile(file: string, hex: string): void {
  const tmp = `${file}.${process.pid}.tmp`;
  const fd = fs.openSync(tmp, 'w', 0o600);
  try {
    fs.writeSync(fd, `${hex}\n`);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
}

export function rekeyDataFolder(options: RekeyOptions): RekeyResult {
  const root = options.dataDir;
  const dbFile = path.join(root, 'carelens.db');
  const say = options.onProgress ?? (() => {});
  if (!fs.existsSync(dbFile)) throw new AppError('NOT_FOUND', `There is no CareLens database in ${root}.`);
  assertNotInUse(dbFile, options.current.hex);
  const explicit = options.newKeyHex?.trim().toLowerCase() ?? null;
  if (explicit !== null && !/^[0-9a-f]{64}$/.test(explicit)) throw new AppError('VALIDATION', 'The new key must be 64 hex characters (a 256-bit key).');

  let oldHex: string;
  let newHex: string;
  const pending = readPending(root);
  const cur = options.current.hex;
  if (pending) {
    const asOld = unsealKey(cur, pending.newSealedByOld);
    const asNew = asOld ? null : unsealKey(cur, pending.oldSealedByNew);
    if (asOld) [oldHex, newHex] = [cur, asOld];
    else if (asNew) [oldHex, newHex] = [asNew, cur];
    else throw new AppError('FORBIDDEN', `An interrupted key change is recorded in ${root}, but the key from ${options.current.where} is neither its old nor its new key. Use one of those (CARELENS_KEY).`);
    if (explicit && explicit !== newHex) throw new AppError('CONFLICT', 'An interrupted key change to another new key must be finished first: run `carelens rekey` without a new key to finish it.');
    say(`Resuming the key change started ${pending.startedAt}.`);
  } else {
    if (options.current.source !== 'file' && !explicit) {
      throw new AppError('VALIDATION', `The key comes from ${options.current.where}: give the new key in CARELENS_NEW_KEY (64 hex characters) or --new-key-file, then set it there once the change is done.`);
    }
    oldHex = cur;
    newHex = explicit ?? randomBytes(32).toString('hex');
    if (newHex === oldHex) throw new AppError('VALIDATION', 'The new key is the key in use now: nothing to change.');
    const db = openWith(dbFile, oldHex);
    if (!db) throw new AppError('FORBIDDEN', `The database cannot be opened with the key from ${options.current.where}: nothing was changed.`);
    db.close();
    writePending(root, { format: 1, startedAt: options.clock.now().toISOString(), source: options.current.source, newSealedByOld: sealKey(oldHex, newHex), oldSealedByNew: sealKey(newHex, oldHex) });
  }
  const oldKeys = storeKeysFromDbKey({ hex: oldHex })!;
  const newKeys = storeKeysFromDbKey({ hex: newHex })!;

  // 1. Files: the database (under whichever key opens it) names every stored image.
  const names = shaByOldName(dbFile, oldHex, newHex, oldKeys);
  const files = listStoreFiles(root);
  say(`Re-encrypting ${files.length} stored file(s) under the new key…`);
  const result: RekeyResult = { oldKey: keyFingerprint(oldHex), newKey: keyFingerprint(newHex), filesChecked: 0, filesReencrypted: 0, filesRemoved: 0, problems: [], database: 'already', keyNote: '', resumed: Boolean(pending) };
  for (const { folder, file } of files) {
    if (options.crashAfterFiles !== undefined && result.filesChecked >= options.crashAfterFiles) throw new Error('simulated crash');
    const outcome = convertFile(root, folder, file, { keys: newKeys, oldKeys, shaOfOldName: names });
    result.filesChecked++;
    if (outcome === 'converted') result.filesReencrypted++;
    else if (outcome === 'removed') result.filesRemoved++;
    else if (typeof outcome === 'object') result.problems.push(outcome.problem);
    if (result.filesChecked % 500 === 0) say(`  ${result.filesChecked} / ${files.length}`);
  }

  // 2. The database.
  if (databaseKeyNow(dbFile, oldHex, newHex) === 'old') {
    say('Re-encrypting the database under the new key…');
    const db = openWith(dbFile, oldHex)!;
    try {
      db.pragma('wal_checkpoint(TRUNCATE)');
      db.pragma('journal_mode = DELETE');
      db.pragma(`rekey = "x'${newHex}'"`);
    } finally {
      db.close();
    }
    result.database = 'rekeyed';
  }
  const check = openWith(dbFile, newHex);
  if (!check) throw new AppError('INTERNAL', 'The database did not open with the new key after the rekey; the change is recorded and `carelens rekey` can be run again.');
  try {
    check.pragma('journal_mode = WAL');
    const integrity = check.pragma('integrity_check', { simple: true });
    if (integrity !== 'ok') throw new AppError('INTERNAL', `The rekeyed database fails its integrity check (${String(integrity)}).`);
    // 3. The audit trail, under the new key.
    new AuditLog({ db: check, clock: options.clock }).append({
      actorId: 'system',
      actorName: 'system',
      actorRole: 'system',
      transport: 'cli',
      channel: 'rekey',
      kind: 'change',
      outcome: result.problems.length ? 'partial' : 'ok',
      patientIds: [],
      detail: JSON.stringify({ oldKey: result.oldKey, newKey: result.newKey, filesReencrypted: result.filesReencrypted, filesRemoved: result.filesRemoved, problems: result.problems.length, resumed: result.resumed }),
    });
  } finally {
    check.close();
  }

  // 4. The key itself.
  if (options.current.source === 'file') {
    if (options.current.hex !== newHex) writeKeyFile(options.current.where, newHex);
    result.keyNote = `The new key is in ${options.current.where} (owner-only).`;
  } else {
    result.keyNote = `Set ${options.current.source === 'env' ? 'CARELENS_KEY' : 'the key'} to the new key (fingerprint ${result.newKey}) before starting CareLens: the old key no longer opens this data folder.`;
  }
  removePending(root);
  return result;
}

/** Old keyed name -> sha256 of every stored image. */
function shaByOldName(dbFile: string, oldHex: string, newHex: string, oldKeys: StoreKeys): Map<string, string> {
  const db = openWith(dbFile, oldHex) ?? openWith(dbFile, newHex);
  if (!db) throw new AppError('FORBIDDEN', 'The database opens with neither key.');
  try {
    const shas = storedSha256s(db);
    return new Map(shas.map((sha) => [keyedName(oldKeys, sha), sha]));
  } finally {
    db.close();
  }
}
