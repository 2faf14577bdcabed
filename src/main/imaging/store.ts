/**
 * The content-addressed store's one place for names and bytes. A stored original lives at
 * store/<n[0:2]>/<n> and its grid thumbnail at thumbnails/<n[0:2]>/<n>, where n is the keyed
 * name HMAC-SHA256(name key, sha256 of the content): de-duplication still works (same bytes,
 * same name) but the name does not tell which public file a clinic holds. Both are encrypted
 * (core/fileCrypto.ts). Without a key (an in-memory test database) files are plain under
 * their sha256, as every store was before encryption ("legacy" names, which the migration in
 * trust/storeMigration.ts converts; readers accept both meanwhile).
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { MAGIC_V1, decryptFdSync, decryptFile, decryptFileSync, decryptHandle, isEncryptedHeader, keyedName, openV1, StoredFileError, type StoreKeys } from '../core/fileCrypto';
import { writeEncrypted } from '../core/encryptedWrite';

export type { StoreKeys } from '../core/fileCrypto';

/** Where the stored original with this sha256 lives (store/ab/<keyed name>). */
export function storePath(storeRoot: string, sha256: string, keys: StoreKeys | null): string {
  const name = keys ? keyedName(keys, sha256) : sha256;
  return path.join(storeRoot, name.slice(0, 2), name);
}

/** Where the grid's thumbnail of this file lives (thumbnails/ab/<keyed name>). */
export function thumbnailPath(thumbRoot: string, sha256: string, keys: StoreKeys | null): string {
  if (!keys) return legacyThumbnailPath(thumbRoot, sha256);
  const name = keyedName(keys, sha256);
  return path.join(thumbRoot, name.slice(0, 2), name);
}

/** The name a file had before encryption (store/ab/<sha256>). */
export function legacyStorePath(storeRoot: string, sha256: string): string {
  return path.join(storeRoot, sha256.slice(0, 2), sha256);
}

export function legacyThumbnailPath(thumbRoot: string, sha256: string): string {
  return path.join(thumbRoot, sha256.slice(0, 2), `${sha256}.png`);
}

const SHA_NAME = /^[0-9a-f]{64}$/;

/** The stored original's file as it is now: its encrypted name, else (mid-migration) its old one; null when missing. */
export function locateStored(storeRoot: string, sha256: string, keys: StoreKeys | null): string | null {
  const p = storePath(storeRoot, sha256, keys);
  if (fs.existsSync(p)) return p;
  const legacy = legacyStorePath(storeRoot, sha256);
  return keys && fs.existsSync(legacy) ? legacy : null;
}

/**
 * A file that is not in the current format is accepted only as what the store held before
 * encryption: a stored original whose content still hashes to its name, or a `<sha>.png`
 * thumbnail. A plain file under a keyed name (or anything else) is refused.
 */
function acceptLegacy(keys: StoreKeys | null, file: string, data: Buffer): Buffer {
  if (data.subarray(0, 8).equals(MAGIC_V1)) return openV1(keys, data);
  if (!keys) return data;
  const name = path.basename(file);
  if (SHA_NAME.test(name) && createHash('sha256').update(data).digest('hex') === name) return data;
  if (/^[0-9a-f]{64}\.png$/.test(name)) return data;
  throw new StoredFileError('not-encrypted', `The stored file ${name.slice(0, 16)}… is not encrypted and is not an original CareLens copy: it was altered or put there by something else. It was not used.`);
}

/** After a migration moved a file from its old name: the same file's encrypted name. */
function movedTo(keys: StoreKeys | null, file: string): string | null {
  const name = path.basename(file);
  if (!keys) return null;
  const root = path.dirname(path.dirname(file));
  if (SHA_NAME.test(name)) return storePath(root, name, keys);
  const m = /^([0-9a-f]{64})\.png$/.exec(name);
  return m ? thumbnailPath(root, m[1]!, keys) : null;
}

function isMissing(err: unknown): boolean {
  return (err as NodeJS.ErrnoException).code === 'ENOENT';
}

/**
 * Reads a stored file by its path (decrypting it), whichever state it is in; a file that was
 * migrated between finding it and reading it is read from its new name. Throws
 * StoredFileError for a file that fails its checks, ENOENT when it is missing.
 */
export function readStoreFileAt(keys: StoreKeys | null, file: string): Buffer {
  try {
    const fd = fs.openSync(file, 'r');
    try {
      const head = Buffer.alloc(40);
      const n = fs.readSync(fd, head, 0, 40, 0);
      if (isEncryptedHeader(head.subarray(0, n))) return decryptFdSync(keys, fd, file);
      return acceptLegacy(keys, file, fs.readFileSync(fd));
    } finally {
      fs.closeSync(fd);
    }
  } catch (err) {
    const moved = isMissing(err) ? movedTo(keys, file) : null;
    if (moved) return decryptFileSync(keys, moved);
    throw err;
  }
}

/** As readStoreFileAt, with the reads off the thread (one open of the file). */
export async function readStoreFileAtAsync(keys: StoreKeys | null, file: string): Promise<Buffer> {
  try {
    const fh = await fs.promises.open(file, 'r');
    try {
      const head = Buffer.alloc(40);
      const { bytesRead } = await fh.read(head, 0, 40, 0);
      if (isEncryptedHeader(head.subarray(0, bytesRead))) return await decryptHandle(keys, fh, file);
      return acceptLegacy(keys, file, await fh.readFile());
    } finally {
      await fh.close();
    }
  } catch (err) {
    const moved = isMissing(err) ? movedTo(keys, file) : null;
    if (moved) return decryptFile(keys, moved);
    throw err;
  }
}

/** The stored original with this sha256, decrypted; null when it is missing. */
export function readStored(storeRoot: string, sha256: string, keys: StoreKeys | null): Buffer | null {
  const file = locateStored(storeRoot, sha256, keys);
  if (!file) return null;
  try {
    return readStoreFileAt(keys, file);
  } catch (err) {
    if (isMissing(err)) return null;
    throw err;
  }
}

/** The thumbnail of the file with this sha256 (PNG bytes), in either state; null when there is none. */
export function readThumbnail(thumbRoot: string, sha256: string, keys: StoreKeys | null): Buffer | null {
  for (const file of keys ? [thumbnailPath(thumbRoot, sha256, keys), legacyThumbnailPath(thumbRoot, sha256), thumbnailPath(thumbRoot, sha256, keys)] : [legacyThumbnailPath(thumbRoot, sha256)]) {
    try {
      return readStoreFileAt(keys, file);
    } catch (err) {
      if (!isMissing(err)) throw err;
    }
  }
  return null;
}

/**
 * The one write path into the store (folder import, PACS import, tests): encrypts the bytes
 * under their keyed name unless a copy is already there. Write then rename: a kill mid-write
 * never leaves a half file under the final name.
 */
export async function writeStored(storeRoot: string, sha256: string, keys: StoreKeys | null, bytes: Buffer): Promise<void> {
  const target = storePath(storeRoot, sha256, keys);
  if (fs.existsSync(target)) return;
  await writeBytes(keys, target, bytes);
}

/** Removes a stored file and its thumbnail that no image row uses (missing files are fine). */
export function removeStored(storeRoot: string, thumbRoot: string, sha256: string, keys: StoreKeys | null): void {
  for (const file of [storePath(storeRoot, sha256, keys), thumbnailPath(thumbRoot, sha256, keys)]) fs.rmSync(file, { force: true });
}

/** Writes a thumbnail (PNG bytes), encrypted under its keyed name. */
export async function writeThumbnailFile(thumbRoot: string, sha256: string, keys: StoreKeys | null, png: Buffer): Promise<void> {
  await writeBytes(keys, thumbnailPath(thumbRoot, sha256, keys), png);
}

async function writeBytes(keys: StoreKeys | null, target: string, bytes: Buffer): Promise<void> {
  if (keys) return writeEncrypted(keys, target, bytes);
  await fs.promises.mkdir(path.dirname(target), { recursive: true });
  const tmp = `${target}.${process.pid}.tmp`;
  await fs.promises.writeFile(tmp, bytes);
  await fs.promises.rename(tmp, target);
}
