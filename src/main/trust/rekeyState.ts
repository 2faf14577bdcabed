/**
 * The record of a key change in progress (`<data>/rekey-pending.json`): while it exists the
 * data folder holds files under both keys, so the app refuses to open it and `carelens rekey`
 * finishes the change. It holds each key sealed under the other (AES-256-GCM under a key
 * derived from the sealing key), so whichever of the two the administrator still has, both
 * are known until the change is done; then the file is removed.
 */
import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { AppError } from '../../shared/ipc/envelope';

export const PENDING_FILE = 'rekey-pending.json';

export interface PendingRekey {
  format: 1;
  startedAt: string;
  /** Which key source the new key goes to when done ('file': the key file is replaced). */
  source: 'file' | 'env' | 'keychain';
  newSealedByOld: string;
  oldSealedByNew: string;
}

function wrapKey(hex: string): Buffer {
  return Buffer.from(hkdfSync('sha256', Buffer.from(hex, 'hex'), Buffer.from('carelens'), Buffer.from('rekey-wrap-v1'), 32));
}

export function sealKey(byHex: string, secretHex: string): string {
  const nonce = randomBytes(12);
  const c = createCipheriv('aes-256-gcm', wrapKey(byHex), nonce);
  c.setAAD(Buffer.from('carelens-rekey'));
  const body = Buffer.concat([c.update(Buffer.from(secretHex, 'hex')), c.final()]);
  return Buffer.concat([nonce, body, c.getAuthTag()]).toString('base64');
}

/** The sealed key, or null when `byHex` is not the key that sealed it. */
export function unsealKey(byHex: string, sealed: string): string | null {
  try {
    const b = Buffer.from(sealed, 'base64');
    const d = createDecipheriv('aes-256-gcm', wrapKey(byHex), b.subarray(0, 12));
    d.setAAD(Buffer.from('carelens-rekey'));
    d.setAuthTag(b.subarray(b.length - 16));
    return Buffer.concat([d.update(b.subarray(12, b.length - 16)), d.final()]).toString('hex');
  } catch {
    return null;
  }
}

/** A short, non-secret name of a key for messages and the audit trail. */
export function keyFingerprint(hex: string): string {
  return createHmac('sha256', Buffer.from(hex, 'hex')).update('carelens key fingerprint').digest('hex').slice(0, 12);
}

export function readPending(root: string): PendingRekey | null {
  const file = path.join(root, PENDING_FILE);
  if (!fs.existsSync(file)) return null;
  try {
    const p = JSON.parse(fs.readFileSync(file, 'utf8')) as PendingRekey;
    if (p.format !== 1 || typeof p.newSealedByOld !== 'string' || typeof p.oldSealedByNew !== 'string') throw new Error('unknown format');
    return p;
  } catch (err) {
    throw new AppError('VALIDATION', `${file} (an interrupted key change) cannot be read: ${(err as Error).message}. Restore a backup, or ask support.`);
  }
}

/** Written durably (temp file, fsync, rename) before anything is re-encrypted. */
export function writePending(root: string, pending: PendingRekey): void {
  const file = path.join(root, PENDING_FILE);
  const tmp = `${file}.${process.pid}.tmp`;
  const fd = fs.openSync(tmp, 'w', 0o600);
  try {
    fs.writeSync(fd, JSON.stringify(pending));
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
}

export function removePending(root: string): void {
  fs.rmSync(path.join(root, PENDING_FILE), { force: true });
}

/** The app does not open a data folder in the middle of a key change. */
export function assertNoPendingRekey(root: string): void {
  if (fs.existsSync(path.join(root, PENDING_FILE))) {
    throw new AppError('CONFLICT', `A change of the data folder's key was interrupted (${path.join(root, PENDING_FILE)}). Run \`carelens rekey\` again (with the old or the new key) to finish it, then start CareLens.`);
  }
}
