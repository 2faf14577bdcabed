import type { Db } from '../db/connection';
import type { Settings } from '../core/settings';

/** The settings table's one repository (the system feature owns the table). */
export function createSettings(db: Db): Settings {
  const get = db.prepare('SELECT value FROM settings WHERE key = ?').pluck();
  const put = db.prepare('INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value');
  const putNew = db.prepare('INSERT OR IGNORE INTO settings (key, value) VALUES (?, ?)');
  const del = db.prepare('DELETE FROM settings WHERE key = ?');
  return {
    get: (key) => (get.get(key) as string | undefined) ?? null,
    set: (key, value) => void put.run(key, value),
    setIfAbsent: (key, value) => {
      putNew.run(key, value);
      return get.get(key) as string;
    },
    delete: (key) => void del.run(key),
    transaction: (fn) => db.transaction(fn)(),
  };
}
