import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3-multiple-ciphers';
import { AppError } from '../../shared/ipc/envelope';
import { allMigrations, runMigrations, type Migration } from './migrations';

export type Db = Database.Database;

export interface OpenOptions {
  /** A file path, or ':memory:' for tests. */
  file: string;
  /** Migrations to apply; all of CareLens's by default. */
  migrations?: Migration[];
  readonly?: boolean;
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
    db = new Database(options.file, { readonly: options.readonly ?? false, ...(nativeBinding ? { nativeBinding } : {}) });
  } catch (err) {
    throw new AppError('INTERNAL', `Cannot open the database at ${options.file}: ${(err as Error).message}`);
  }
  try {
    if (options.file !== ':memory:') db.pragma('journal_mode = WAL');
    db.pragma('foreign_keys = ON');
    db.pragma('busy_timeout = 5000');
    db.pragma('synchronous = NORMAL');
    if (!options.readonly) runMigrations(db, options.migrations ?? allMigrations());
  } catch (err) {
    db.close();
    if (err instanceof AppError) throw err;
    const message = (err as Error).message;
    if (/file is not a database|file is encrypted/i.test(message)) {
      throw new AppError('FORBIDDEN', `The database at ${options.file} cannot be read: it is encrypted with another key, or it is not a CareLens database.`);
    }
    throw err;
  }
  return db;
}
