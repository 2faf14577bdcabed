import type { Migration } from '../db/migrations';

/** The PACS feature's schema changes (numbers 650-699). */
export const pacsMigrations: Migration[] = [
  {
    id: 650,
    name: 'PACS nodes, retrieves and sends',
    up: `
      -- A PACS (or research archive) CareLens talks to. auth_secret and ca_pem are sealed
      -- (AES-256-GCM under a key derived from the database key) on top of the encrypted
      -- database, and never leave the main process.
      CREATE TABLE pacs_nodes (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL UNIQUE COLLATE NOCASE,
        dicomweb_url TEXT,
        auth_kind TEXT NOT NULL DEFAULT 'none' CHECK (auth_kind IN ('none', 'basic', 'bearer')),
        auth_user TEXT,
        auth_secret BLOB,
        ca_pem BLOB,
        dimse_called_aet TEXT,
        dimse_host TEXT,
        dimse_port INTEGER,
        dimse_calling_aet TEXT,
        -- 'get' (C-GET) or 'move' (C-MOVE to our storage SCP on dimse_move_port, for a PACS that refuses C-GET).
        dimse_retrieve TEXT NOT NULL DEFAULT 'get' CHECK (dimse_retrieve IN ('get', 'move')),
        dimse_move_port INTEGER,
        research INTEGER NOT NULL DEFAULT 0,
        created_by TEXT NOT NULL,
        created_at TEXT NOT NULL,
        removed_at TEXT
      );
      -- One retrieve request; resuming starts it again (stored instances are skipped).
      CREATE TABLE pacs_retrieves (
        id TEXT PRIMARY KEY,
        node_id TEXT NOT NULL REFERENCES pacs_nodes (id),
        via TEXT NOT NULL CHECK (via IN ('dicomweb', 'dimse')),
        study_uids TEXT NOT NULL,
        series_uids TEXT NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('running', 'done', 'cancelled', 'failed', 'interrupted')),
        import_id TEXT,
        found INTEGER NOT NULL DEFAULT 0,
        already_stored INTEGER NOT NULL DEFAULT 0,
        fetched INTEGER NOT NULL DEFAULT 0,
        failed INTEGER NOT NULL DEFAULT 0,
        bytes INTEGER NOT NULL DEFAULT 0,
        error TEXT,
        started_by TEXT NOT NULL,
        started_at TEXT NOT NULL,
        finished_at TEXT
      );
      CREATE INDEX pacs_retrieves_started ON pacs_retrieves (started_at);
      -- What was sent for a reviewed finding: the SR and Secondary Capture UIDs.
      CREATE TABLE pacs_sends (
        id TEXT PRIMARY KEY,
        node_id TEXT NOT NULL REFERENCES pacs_nodes (id),
        diagnosis_id TEXT NOT NULL,
        sr_uid TEXT,
        sc_uid TEXT,
        deidentified INTEGER NOT NULL,
        ok INTEGER NOT NULL,
        error TEXT,
        sent_by TEXT NOT NULL,
        sent_at TEXT NOT NULL
      );
      CREATE INDEX pacs_sends_diagnosis ON pacs_sends (diagnosis_id);
    `,
  },
];
