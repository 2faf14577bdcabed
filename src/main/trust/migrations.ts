import type { Migration } from '../db/migrations';

/** The trust feature's schema changes (numbers in its range; see db/migrations.ts). */
export const trustMigrations: Migration[] = [
  {
    id: 100,
    name: 'local users',
    up: `
      CREATE TABLE users (
        id TEXT PRIMARY KEY,
        username TEXT NOT NULL,
        -- usernames are unique regardless of case, so 'Ana' and 'ana' cannot both exist
        username_key TEXT NOT NULL UNIQUE,
        display_name TEXT NOT NULL,
        role TEXT NOT NULL CHECK (role IN ('clinician', 'reviewer', 'admin')),
        -- scrypt$N$r$p$salt$hash (base64url), per-user random salt
        password_hash TEXT NOT NULL,
        disabled INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),
        created_at TEXT NOT NULL,
        created_by TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        last_login_at TEXT
      );
    `,
  },
  {
    id: 102,
    name: 'per-user interface language',
    // NULL: the user has not chosen; the OS/browser language applies. The contract limits the values.
    up: `ALTER TABLE users ADD COLUMN language TEXT;`,
  },
];
