import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import Database from 'better-sqlite3-multiple-ciphers';
import { tempDir } from '../app/testing';
import { openDatabase } from './connection';
import { runMigrations, schemaVersion, type Migration } from './migrations';
import { allMigrations } from '../app/migrations';

describe('migrations', () => {
  it('apply in order on a fresh database and leave foreign keys on', () => {
    const db = openDatabase({ file: ':memory:', migrations: allMigrations() });
    const ids = allMigrations().map((m) => m.id);
    expect(schemaVersion(db)).toBe(Math.max(...ids));
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(db.pragma('user_version', { simple: true })).toBe(Math.max(...ids));
    db.close();
  });

  it('uses WAL on a real file and re-opening applies nothing twice', () => {
    const file = path.join(tempDir(), 'c.db');
    const a = openDatabase({ file, migrations: allMigrations() });
    expect(a.pragma('journal_mode', { simple: true })).toBe('wal');
    const count = (a.prepare('SELECT COUNT(*) AS n FROM schema_migrations').get() as { n: number }).n;
    a.close();
    const b = openDatabase({ file, migrations: allMigrations() });
    expect((b.prepare('SELECT COUNT(*) AS n FROM schema_migrations').get() as { n: number }).n).toBe(count);
    b.close();
  });

  it('roll back entirely when one migration fails', () => {
    const db = new Database(':memory:');
    const bad: Migration[] = [
      { id: 1, name: 'ok', up: 'CREATE TABLE a (x)' },
      { id: 2, name: 'broken', up: 'CREATE TABLE b (x); THIS IS NOT SQL' },
    ];
    expect(() => runMigrations(db, bad)).toThrow();
    expect(db.prepare("SELECT name FROM sqlite_master WHERE name = 'a'").get()).toBeUndefined();
    expect((db.prepare('SELECT COUNT(*) AS n FROM schema_migrations').get() as { n: number }).n).toBe(0);
  });

  it('refuse a database written by a newer CareLens, with a clear message, changing nothing', () => {
    const file = path.join(tempDir(), 'newer.db');
    openDatabase({ file, migrations: allMigrations() }).close();
    const raw = new Database(file);
    raw.prepare('INSERT INTO schema_migrations (id, name, applied_at) VALUES (9999, ?, ?)').run('from the future', new Date().toISOString());
    raw.close();
    const before = fs.readFileSync(file);
    expect(() => openDatabase({ file, migrations: allMigrations() })).toThrow(/newer version of CareLens/);
    expect(fs.readFileSync(file).equals(before)).toBe(true);
  });
});
