/** Users, sessions and the audit trail, as the renderer and the CLI see them. */

import type { Role } from './actor';

/** A local user account (never carries the password hash). */
export interface User {
  id: string;
  username: string;
  displayName: string;
  role: Role;
  disabled: boolean;
  createdAt: string;
  createdBy: string;
  lastLoginAt: string | null;
}

/** Interface languages a user may choose (the renderer's catalogues; the CLI stays English). */
export const LANGUAGES = ['en', 'zh-CN'] as const;
export type Language = (typeof LANGUAGES)[number];

/** What the app shows before anything else: set up, log in, locked, or in. */
export interface AuthStatus {
  /** No user exists yet: the first start asks for an admin account. */
  needsSetup: boolean;
  /** The session's user (also while locked, so the lock screen can name them). */
  user: User | null;
  locked: boolean;
  /** Minutes without a call before the session locks itself. */
  idleMinutes: number;
  /** The signed-in user's chosen interface language; null before they choose (the OS/browser language applies). */
  language?: Language | null;
}

/** One row of the append-only, hash-chained audit trail. */
export interface AuditEntry {
  seq: number;
  at: string;
  actorId: string;
  actorName: string;
  actorRole: string;
  transport: string;
  channel: string;
  kind: string;
  /** 'ok' or the error code (FORBIDDEN, VALIDATION, ...). */
  outcome: string;
  /** CareLens ids of the patients the call touched. */
  patientIds: string[];
  /** The call's input (passwords redacted, long values cut) and a short note. */
  detail: string;
  prevHash: string;
  hash: string;
}

export interface AuditPage {
  items: AuditEntry[];
  total: number;
  /** Who the page's patient ids are (name and MRN), so the audit view names patients, not ids. Ids that name no patient are absent. */
  patients: Record<string, { name: string; mrn: string }>;
}

/** The result of walking the whole chain. */
export interface AuditVerification {
  ok: boolean;
  rows: number;
  /** The newest row's hash: write it down to detect truncation later. */
  headHash: string;
  /** The first row that does not match, when the chain is broken. */
  firstBrokenSeq: number | null;
  problem: string | null;
}

export interface BackupInfo {
  file: string;
  createdAt: string;
  databaseBytes: number;
  storeFiles: number;
  storeBytes: number;
  auditRows: number;
}

/** Progress of encrypting the files of a data folder stored before encryption (the 'auth:storeEncryption' event). */
export interface StoreEncryptionProgress {
  state: 'running' | 'done' | 'stopped' | 'failed';
  /** Files looked at so far, of `total` in store/ and thumbnails/. */
  checked: number;
  total: number;
  /** Plain files encrypted (and renamed) by this run. */
  converted: number;
  /** Files that could not be converted, with why (they stay as they were). */
  problems: string[];
  /**
   * Backups in the data folder's backups/ made before encryption: they hold stored images in
   * clear and are not rewritten. Make a new backup, then delete these.
   */
  plainBackups: string[];
}
