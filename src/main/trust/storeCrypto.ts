import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { AppError } from '../../shared/ipc/envelope';
import { databaseKeyOf, type Db } from '../db/connection';

/**
 * The store key, from which core/fileCrypto.ts derives the keys of every encrypted file
 * (imaging/store.ts writes and reads them; docs/security.md). `sealStoreBytes` /
 * `openStoreBytes` are the first, one-shot format
 *   "CLSTORE1" | 12-byte random nonce | AES-256-GCM ciphertext | 16-byte tag
 * kept for small secrets held in memory or in the database (the PACS feature's passwords).
 * Every key here is derived (HKDF-SHA256) from the database key, so one key protects both
 * and a backup restores both.
 */
const MAGIC = Buffer.from('CLSTORE1', 'latin1');
const NONCE = 12;
const TAG = 16;

/** The store key for an open database (null for an in-memory test database: files stay plain). Pass `.toString('hex')` to workers. */
export function storeKeyFor(db: Db): Buffer | null {
  const dbKey = databaseKeyOf(db);
  if (!dbKey) return null;
  return Buffer.from(hkdfSync('sha256', Buffer.from(dbKey.hex, 'hex'), Buffer.from('carelens'), Buffer.from('image-store-v1'), 32));
}

export function isSealed(data: Buffer): boolean {
  return data.length >= MAGIC.length + NONCE + TAG && data.subarray(0, MAGIC.length).equals(MAGIC);
}

/** Encrypts bytes for the store. */
export function sealStoreBytes(key: Buffer, plain: Buffer): Buffer {
  const nonce = randomBytes(NONCE);
  const cipher = createCipheriv('aes-256-gcm', key, nonce);
  cipher.setAAD(MAGIC);
  const body = Buffer.concat([cipher.update(plain), cipher.final()]);
  return Buffer.concat([MAGIC, nonce, body, cipher.getAuthTag()]);
}

/** Decrypts a stored file's bytes (plain bytes pass through). Throws on a wrong key or any altered byte. */
export function openStoreBytes(key: Buffer | null, data: Buffer): Buffer {
  if (!isSealed(data)) return data;
  if (!key) throw new AppError('FORBIDDEN', 'This stored file is encrypted and no key is available to read it.');
  const nonce = data.subarray(MAGIC.length, MAGIC.length + NONCE);
  const tag = data.subarray(data.length - TAG);
  const decipher = createDecipheriv('aes-256-gcm', key, nonce);
  decipher.setAAD(MAGIC);
  decipher.setAuthTag(tag);
  try {
    return Buffer.concat([decipher.update(data.subarray(MAGIC.length + NONCE, data.length - TAG)), decipher.final()]);
  } catch {
    throw new AppError('VALIDATION', 'A stored file failed its integrity check: it was altered, or it belongs to another key.');
  }
}
