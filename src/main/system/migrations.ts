import type { Migration } from '../db/migrations';

/**
 * The system feature owns the settings table (a key-value store every feature reaches through
 * the Settings port, core/settings.ts). It was created by migration 1 until the split by
 * owner; IF NOT EXISTS makes this a no-op on databases that already have it.
 */
export const systemMigrations: Migration[] = [
  {
    id: 3,
    name: 'settings',
    up: `
      CREATE TABLE IF NOT EXISTS settings (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
      );
    `,
  },
];
