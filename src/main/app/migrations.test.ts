import { describe, expect, it } from 'vitest';
import Database from 'better-sqlite3-multiple-ciphers';
import { runMigrations } from '../db/migrations';
import { allMigrations } from './migrations';
import { shippedMigration1, shippedMigration2 } from './fixtures/firstSchema';

type Row = { type: string; name: string; sql: string | null };

function schemaOf(db: Database.Database): Row[] {
  return (db.prepare("SELECT type, name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' AND name <> 'schema_migrations' ORDER BY type, name").all() as Row[]).map((r) => ({
    ...r,
    sql: r.sql?.replace(/\s+/g, ' ').trim() ?? null,
  }));
}

describe('migrations split by owner', () => {
  it('give a new database the same schema as one made by the shipped migrations 1 and 2', () => {
    const fresh = new Database(':memory:');
    runMigrations(fresh, allMigrations());

    const old = new Database(':memory:');
    runMigrations(old, [
      { id: 1, name: 'patients and settings', up: shippedMigration1 },
      { id: 2, name: 'studies, series, images, label sets and labels', up: shippedMigration2 },
    ]);
    // An existing data folder then opens with today's migrations: 3 and 4 must be no-ops.
    runMigrations(old, allMigrations());

    expect(schemaOf(old)).toEqual(schemaOf(fresh));
    expect(schemaOf(fresh).map((r) => r.name)).toEqual(expect.arrayContaining(['patients', 'settings', 'images', 'labels', 'label_sets', 'audit_log']));
  });

  it('number every migration once', () => {
    const ids = allMigrations().map((m) => m.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
  });
});
