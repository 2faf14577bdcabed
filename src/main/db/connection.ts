import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3-multiple-ciphers';
import { AppError } from '../../shared/ipc/envelope';
import { runMigrations, type Migration } from './migrations';

export type { Db } from './types';
import type { Db } from './types';

export interface OpenOptions {
  /** A file path, or ':memory:' for tests. */
  file: string;
  /** Migrations to apply (the composition root passes every feature's); none when absent. */
  migrations?: Migration[];
  readonly?: boolean;
  /**
   * The encryption key (64 hex characters, a raw 256-bit key) and where it came from (for
   * messages). Files are encrypted with SQLCipher's format through SQLite3MultipleCiphers;
   * ':memory:' databases are never written anywhere and take no key.
   */
  key?: { hex: string; where: string } | null;
}

/** The key each open database was opened with (backups and restores need it); gone with the handle. */
const keys = new WeakMap<Db, { hex: string; where: string }>();

/** The key a database handle was opened with, or null for an unencrypted (in-memory) one. */
export function databaseKeyOf(db: Db): { hex: string; where: string } | null {
  return keys.get(db) ?? null;
}

const SQLITE_HEADER = Buffer.from('SQLite format 3\0', 'latin1');

/** Whether a file is a plain (unencrypted) SQLite database. */
export function isPlainSqlite(file: string): boolean {
  try {
    const fd = fs.openSync(file, 'r');
    try {
      const head = Buffer.alloc(16);
      return fs.readSync(fd, head, 0, 16, 0) === 16 && head.equals(SQLITE_HEADER);
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    return false;
  }
}

/** Selects SQLCipher v4's format and sets the key; must come before any other statement. */
export function applyKey(db: Db, hex: string): void {
  if (!/^[0-9a-f]{64}$/i.test(hex)) throw new AppError('INTERNAL', 'The database key is malformed.');
  db.pragma(`cipher = 'sqlcipher'`);
  db.pragma('legacy = 4');
  db.pragma(`key = "x'${hex}'"`);
}

/**
 * Encrypts a database written before encryption existed, in place: SQLite3MultipleCiphers
 * rewrites every page under the key (rekey), outside WAL mode.
 */
function encryptPlainDatabase(file: string, hex: string, nativeBinding: string | undefined): void {
  const plain = new Database(file, nativeBinding ? { nativeBinding } : {});
  try {
    plain.pragma('wal_checkpoint(TRUNCATE)');
    plain.pragma('journal_mode = DELETE');
    plain.pragma(`cipher = 'sqlcipher'`);
    plain.pragma('legacy = 4');
    plain.pragma(`rekey = "x'${hex}'"`);
  } finally {
    plain.close();
  }
}

/**
 * In a development Electron run the SQLite module built for Electron's ABI sits in
 * .electron-native/ (scripts/electron-native.mjs), so node_modules keeps the Node build the
 * tests and CLI use. Packaged apps carry an Electron build in node_modules and need none.
 */
function electronNativeBinding(): string | undefined {
  const electron = process.versions.electron;
  if (!electron) return undefined;
  for (const base of [process.cwd(), path.join(__dirname, '..', '..')]) {
    const file = path.join(base, '.electron-native', `electron-${electron}`, 'better-sqlite3-multiple-ciphers', 'build', 'Release', 'better_sqlite3.node');
    if (fs.existsSync(file)) return file;
  }
  return undefined;
}

/**
 * Opens the CareLens database: WAL, foreign keys on, migrations applied at start-up
 * inside one transaction. A database written by a newer CareLens is refused.
 */
export function openDatabase(options: OpenOptions): Db {
  let db: Db;
  try {
    const nativeBinding = electronNativeBinding();
    if (options.key && options.file !== ':memory:' && !options.readonly && isPlainSqlite(options.file)) {
      encryptPlainDatabase(options.file, options.key.hex, nativeBinding);
    }
    db = new Database(options.file, { readonly: options.readonly ?? false, ...(nativeBinding ? { nativeBinding } : {}) });
  } catch (err) {
    throw new AppError('INTERNAL', `Cannot open the database at ${options.file}: ${(err as Error).message}`);
  }
  try {
    if (options.key && options.file !== ':memory:') {
      applyKey(db, options.key.hex);
      // The first read is what fails on a wrong key: make it here, with a clear message.
      db.prepare('SELECT COUNT(*) FROM sqlite_master').get();
      keys.set(db, options.key);
    }
    if (options.file !== ':memory:') db.pragma('journal_mode = WAL');
    db.pragma('foreign_keys = ON');
    db.pragma('busy_timeout = 5000');
    db.pragma('synchronous = NORMAL');
    if (!options.readonly && options.migrations) runMigrations(db, options.migrations);
  } catch (err) {
    db.close();
    if (err instanceof AppError) throw err;
    const message = (err as Error).message;
    if (/file is not a database|file is encrypted/i.test(message)) {
      throw new AppError(
        'FORBIDDEN',
        options.key
          ? `The database at ${options.file} cannot be opened with the key from ${options.key.where}: it was encrypted with another key (or it is not a CareLens database). Use the key it was made with (CARELENS_KEY), or restore a backup.`
          : `The database at ${options.file} is encrypted and no key was given: CareLens needs its key (the OS keychain, CARELENS_KEY, or the key file) to open it.`,
      );
    }
    throw err;
  }
  return db;
}
