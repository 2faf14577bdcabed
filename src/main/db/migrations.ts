import { AppError } from '../../shared/ipc/envelope';
import type { Db } from './types';

/**
 * One numbered schema change. Numbers are global and never reused; each feature owns a
 * range so features can add migrations independently:
 * the first schema 1-99 (split by owner: patients 1, imaging 2, system 3, labels 4),
 * trust 100-199 (audit keeps 101 from when trust held it), imaging 200-299,
 * labels 300-349, ml 350-399, careplans 400-499, reports 500-599, patients 600-649.
 * A shipped migration is never edited: add a new one. The features export their own lists;
 * the composition root (app/migrations.ts) gathers them, so this module knows no feature.
 */
export interface Migration {
  id: number;
  name: string;
  /** SQL run as one script, or a function for changes SQL alone cannot make. */
  up: string | ((db: Db) => void);
}

/** Orders a gathered list of migrations by number and refuses two with the same number. */
export function orderMigrations(migrations: Migration[]): Migration[] {
  const list = [...migrations].sort((a, b) => a.id - b.id);
  for (let i = 1; i < list.length; i++) {
    if (list[i]!.id === list[i - 1]!.id) throw new Error(`Two migrations share number ${list[i]!.id}`);
  }
  return list;
}

/** Applies the migrations not yet applied, all in one transaction; refuses a newer database. */
export function runMigrations(db: Db, migrations: Migration[]): number {
  db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (id INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)');
  const applied = new Set((db.prepare('SELECT id FROM schema_migrations').all() as { id: number }[]).map((r) => r.id));
  const known = new Set(migrations.map((m) => m.id));
  const unknown = [...applied].filter((id) => !known.has(id)).sort((a, b) => a - b);
  if (unknown.length > 0) {
    const newest = Math.max(...applied);
    throw new AppError(
      'UNSUPPORTED',
      `This data folder was written by a newer version of CareLens (schema migration ${newest}; this version knows up to ${Math.max(0, ...known)}). ` +
        'Update CareLens to open it, or choose another data folder. Nothing was changed.',
    );
  }
  const pending = migrations.filter((m) => !applied.has(m.id));
  if (pending.length === 0) return schemaVersion(db);
  const insert = db.prepare('INSERT INTO schema_migrations (id, name, applied_at) VALUES (?, ?, ?)');
  db.transaction(() => {
    for (const m of pending) {
      if (typeof m.up === 'string') db.exec(m.up);
      else m.up(db);
      insert.run(m.id, m.name, new Date().toISOString());
    }
    db.pragma(`user_version = ${Math.max(...migrations.map((m) => m.id))}`);
  })();
  return schemaVersion(db);
}

export function schemaVersion(db: Db): number {
  const row = db.prepare('SELECT MAX(id) AS v FROM schema_migrations').get() as { v: number | null };
  return row.v ?? 0;
}
