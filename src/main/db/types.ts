import type Database from 'better-sqlite3-multiple-ciphers';

/** An open database handle (better-sqlite3's, with SQLite3MultipleCiphers for encryption). */
export type Db = Database.Database;
