import type { Db } from '../db/types';

/**
 * The audit feature's port: what other features may ask of the tables audit owns. Plain
 * functions of a database handle, SQL over audit's own tables only; this module imports
 * nothing from other features, so ports never form import circles.
 */

/** The trail's head record: the newest row's seq and hash, written with every append. */
export interface AuditHead {
  seq: number;
  hash: string;
}

/** The head record of the trail in `db`, or null when nothing was ever appended there. */
export function auditHead(db: Db): AuditHead | null {
  return (db.prepare('SELECT seq, hash FROM audit_head WHERE id = 1').get() as AuditHead | undefined) ?? null;
}
