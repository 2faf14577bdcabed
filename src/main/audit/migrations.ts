import type { Migration } from '../db/migrations';

/** The audit feature's schema: the hash-chained trail (its number, 101, is from when trust held it). */
export const auditMigrations: Migration[] = [
  {
    id: 101,
    name: 'append-only hash-chained audit trail',
    up: `
      CREATE TABLE audit_log (
        seq INTEGER PRIMARY KEY,
        at TEXT NOT NULL,
        actor_id TEXT NOT NULL,
        actor_name TEXT NOT NULL,
        actor_role TEXT NOT NULL,
        transport TEXT NOT NULL,
        channel TEXT NOT NULL,
        kind TEXT NOT NULL,
        outcome TEXT NOT NULL,
        patient_ids TEXT NOT NULL DEFAULT '[]',
        detail TEXT NOT NULL DEFAULT '',
        prev_hash TEXT NOT NULL,
        hash TEXT NOT NULL
      );
      CREATE INDEX audit_log_at ON audit_log (at);
      CREATE INDEX audit_log_actor ON audit_log (actor_name);
      CREATE INDEX audit_log_channel ON audit_log (channel);
      -- The trail is append-only: the database itself refuses edits and deletions.
      -- Someone who drops these triggers is caught by the hash chain instead.
      CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
        BEGIN SELECT RAISE(ABORT, 'The audit trail is append-only: rows cannot be changed.'); END;
      CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
        BEGIN SELECT RAISE(ABORT, 'The audit trail is append-only: rows cannot be removed.'); END;
      -- The newest row's seq and hash, written with each append, so cutting rows off the
      -- end of the trail (which no chain can show by itself) is noticed too.
      CREATE TABLE audit_head (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        seq INTEGER NOT NULL,
        hash TEXT NOT NULL
      );
    `,
  },
];
