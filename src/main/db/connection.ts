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
 * Opens the CareLens database: WAL, foreign keys on, migrations applied at start-up
 * inside one transaction. A database written by a newer CareLens is refused.
 */
export function openDatabase(options: OpenOptions): Db {
  let db: Db;
  try {
    db = new Database(options.file, { readonly: options.readonly ?? false });
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
