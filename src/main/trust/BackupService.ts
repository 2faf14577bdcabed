import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3-multiple-ciphers';
import type { Core } from '../core/Core';
import { AppError } from '../../shared/ipc/envelope';
import type { BackupInfo } from '../../shared/domain/trust';
import { applyKey, databaseKeyOf, type Db } from '../db/connection';
import { AuditLog } from '../audit/AuditLog';
import { auditHead as auditHeadOf } from '../audit/ports';
import type { CallContext } from '../ipc/dispatch';
import type { Clock } from '../core/clock';
import { decryptFileChunks, isEncryptedHeader, storeKeysFromDbKey, StoredFileError, type StoreKeys } from '../core/fileCrypto';
import { readHead } from '../core/encryptedWrite';
import { readStoreFileAt } from '../imaging/store';
import { storeKeysOf } from '../imaging/storeKeys';
import { convertFile, listStoreFiles } from './storeConversion';

/**
 * A backup is one file:
 *   "CARELENS-BACKUP\n" | u32 BE manifest length | manifest JSON | database bytes |
 *   each file's bytes in manifest order | SHA-256 of everything before it (32 bytes).
 * The database inside is the encrypted snapshot (same key); files are copied as stored, and
 * the stored originals and thumbnails are stored encrypted (a file still plain from before
 * encryption is encrypted in place first), so a backup holds no patient data in clear.
 */
const MAGIC = Buffer.from('CARELENS-BACKUP\n', 'latin1');
const FORMAT = 1;
/** Folders under the data folder that travel with the database. */
const FILE_FOLDERS = ['store', 'thumbnails', 'models'] as const;
/** Folders whose files are encrypted (core/fileCrypto.ts); restore checks every tag in them. */
const ENCRYPTED_FOLDERS = new Set(['store', 'thumbnails']);

interface Manifest {
  format: number;
  createdAt: string;
  appVersion: string;
  schemaVersion: number;
  auditRows: number;
  auditHead: string;
  database: { size: number; sha256: string };
  files: { path: string; size: number; sha256: string }[];
}

function sha256File(file: string): { size: number; sha256: string } {
  const hash = createHash('sha256');
  const fd = fs.openSync(file, 'r');
  const buf = Buffer.allocUnsafe(1 << 20);
  let size = 0;
  try {
    for (;;) {
      const n = fs.readSync(fd, buf, 0, buf.length, null);
      if (n === 0) break;
      hash.update(buf.subarray(0, n));
      size += n;
    }
  } finally {
    fs.closeSync(fd);
  }
  return { size, sha256: hash.digest('hex') };
}

function walkFiles(root: string, rel: string, out: string[]): void {
  const dir = path.join(root, rel);
  if (!fs.existsSync(dir)) return;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const r = path.posix.join(rel, entry.name);
    if (entry.isDirectory()) walkFiles(root, r, out);
    else if (entry.isFile()) out.push(r);
  }
}

/** A relative path from a manifest is used only if it stays inside store/ or models/. */
function safeRelative(rel: string): string {
  const norm = path.posix.normalize(rel);
  const top = norm.split('/')[0];
  if (path.posix.isAbsolute(norm) || norm.startsWith('..') || norm.includes('\0') || !FILE_FOLDERS.includes(top as (typeof FILE_FOLDERS)[number]) || norm === top) {
    throw new AppError('VALIDATION', `The backup names a file outside the data folder (${rel.slice(0, 100)}): refused.`);
  }
  return norm;
}

class HashingWriter {
  readonly hash = createHash('sha256');
  constructor(private readonly fd: number) {}
  write(buf: Buffer): void {
    this.hash.update(buf);
    let off = 0;
    while (off < buf.length) off += fs.writeSync(this.fd, buf, off, buf.length - off);
  }
  copyFile(file: string): void {
    const fd = fs.openSync(file, 'r');
    const buf = Buffer.allocUnsafe(1 << 20);
    try {
      for (;;) {
        const n = fs.readSync(fd, buf, 0, buf.length, null);
        if (n === 0) break;
        this.write(buf.subarray(0, n));
      }
    } finally {
      fs.closeSync(fd);
    }
  }
}

function openKeyed(file: string, hex: string | null, readonly: boolean): Db {
  const db = new Database(file, { readonly, fileMustExist: true });
  if (hex) applyKey(db, hex);
  return db;
}

/** Makes consistent backups of a running app's data folder. */
export class BackupService {
  constructor(
    private readonly core: Pick<Core, 'db' | 'paths' | 'clock' | 'version'>,
    private readonly audit: AuditLog,
  ) {}

  /** The channel's entry: the UI writes to backups/; only the CLI (system) names a file. */
  backupFor(ctx: CallContext, file: string | undefined): BackupInfo {
    if (file !== undefined && ctx.actor?.role !== 'system') {
      throw new AppError('FORBIDDEN', 'Only the CareLens command line may choose where a backup is written.');
    }
    const stamp = this.core.clock.now().toISOString().replace(/[:.]/g, '-');
    const target = file !== undefined ? path.resolve(file) : path.join(this.core.paths.root, 'backups', `carelens-${stamp}.clbackup`);
    return this.backup(target);
  }

  /**
   * Takes a snapshot of the database with VACUUM INTO (one read transaction, so it is
   * consistent while others write; SQLite3MultipleCiphers writes it encrypted with the same
   * key; the page-copying backup API refuses an encrypted source), then adds the image
   * store and the models. The store is append-only and content-addressed, so every file
   * the snapshot refers to is already there. Written to a temp file and renamed.
   */
  backup(target: string): BackupInfo {
    if (fs.existsSync(target)) throw new AppError('CONFLICT', `${target} already exists: choose a new file name. Nothing was written.`);
    if (this.core.db.name === ':memory:') throw new AppError('UNSUPPORTED', 'This app keeps its database in memory: there is nothing on disk to back up.');
    const dir = path.dirname(target);
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    const work = path.join(this.core.paths.root, `.backup-${randomBytes(6).toString('hex')}`);
    fs.mkdirSync(work, { mode: 0o700 });
    const snapshot = path.join(work, 'carelens.db');
    const partial = `${target}.partial-${randomBytes(4).toString('hex')}`;
    try {
      this.core.db.prepare('VACUUM INTO ?').run(snapshot);
      const key = databaseKeyOf(this.core.db);
      const snap = openKeyed(snapshot, key?.hex ?? null, true);
      let auditRows = 0;
      let auditHead = '';
      let schemaVersion = 0;
      try {
        const check = snap.pragma('quick_check', { simple: true });
        if (check !== 'ok') throw new AppError('INTERNAL', `The database snapshot failed its check (${String(check)}); no backup was written.`);
        const head = auditHeadOf(snap);
        auditRows = head?.seq ?? 0;
        auditHead = head?.hash ?? '';
        schemaVersion = (snap.prepare('SELECT MAX(id) FROM schema_migrations').pluck().get() as number | null) ?? 0;
      } finally {
        snap.close();
      }
      // Nothing plain goes into a backup: files not yet converted by the start-up migration are converted now.
      const keys = storeKeysOf(this.core.db);
      if (keys) {
        for (const { folder, file } of listStoreFiles(this.core.paths.root)) {
          const outcome = convertFile(this.core.paths.root, folder, file, { keys, oldKeys: null });
          if (typeof outcome === 'object') throw new AppError('CONFLICT', `A stored file cannot be encrypted for the backup (${outcome.problem}); no backup was written.`);
        }
      }
      const rels: string[] = [];
      for (const folder of FILE_FOLDERS) walkFiles(this.core.paths.root, folder, rels);
      const files = rels.map((rel) => ({ path: rel, ...sha256File(path.join(this.core.paths.root, rel)) }));
      const manifest: Manifest = {
        format: FORMAT,
        createdAt: this.core.clock.now().toISOString(),
        appVersion: this.core.version,
        schemaVersion,
        auditRows,
        auditHead,
        database: sha256File(snapshot),
        files,
      };
      const manifestBytes = Buffer.from(JSON.stringify(manifest), 'utf8');
      const fd = fs.openSync(partial, 'wx', 0o600);
      try {
        const w = new HashingWriter(fd);
        const len = Buffer.alloc(4);
        len.writeUInt32BE(manifestBytes.length);
        w.write(MAGIC);
        w.write(len);
        w.write(manifestBytes);
        w.copyFile(snapshot);
        for (const f of files) {
          const now = sha256File(path.join(this.core.paths.root, f.path));
          if (now.sha256 !== f.sha256) throw new AppError('CONFLICT', `${f.path} changed while the backup was written; try again.`);
          w.copyFile(path.join(this.core.paths.root, f.path));
        }
        const digest = w.hash.digest();
        fs.writeSync(fd, digest);
        fs.fsyncSync(fd);
      } finally {
        fs.closeSync(fd);
      }
      fs.renameSync(partial, target);
      return {
        file: target,
        createdAt: manifest.createdAt,
        databaseBytes: manifest.database.size,
        storeFiles: files.length,
        storeBytes: files.reduce((s, f) => s + f.size, 0),
        auditRows,
      };
    } finally {
      fs.rmSync(work, { recursive: true, force: true });
      fs.rmSync(partial, { force: true });
    }
  }
}

/** Reads and checks a backup's framing and every hash; returns the manifest and offsets. */
export function readBackup(file: string): { manifest: Manifest; dbOffset: number } {
  let st: fs.Stats;
  try {
    st = fs.statSync(file);
  } catch {
    throw new AppError('NOT_FOUND', `No backup file at ${file}.`);
  }
  if (st.size < MAGIC.length + 4 + 32) throw new AppError('VALIDATION', `${file} is not a CareLens backup (too short).`);
  const fd = fs.openSync(file, 'r');
  try {
    const head = Buffer.alloc(MAGIC.length + 4);
    fs.readSync(fd, head, 0, head.length, 0);
    if (!head.subarray(0, MAGIC.length).equals(MAGIC)) throw new AppError('VALIDATION', `${file} is not a CareLens backup.`);
    const mlen = head.readUInt32BE(MAGIC.length);
    if (mlen > 64 * 1024 * 1024 || MAGIC.length + 4 + mlen + 32 > st.size) throw new AppError('VALIDATION', `${file} is damaged (bad manifest length).`);
    // The whole-file digest first: a damaged or edited backup is refused before anything is read from it.
    const hash = createHash('sha256');
    const buf = Buffer.allocUnsafe(1 << 20);
    let pos = 0;
    const end = st.size - 32;
    while (pos < end) {
      const n = fs.readSync(fd, buf, 0, Math.min(buf.length, end - pos), pos);
      if (n === 0) break;
      hash.update(buf.subarray(0, n));
      pos += n;
    }
    const trailer = Buffer.alloc(32);
    fs.readSync(fd, trailer, 0, 32, end);
    if (!hash.digest().equals(trailer)) throw new AppError('VALIDATION', `${file} is damaged or was altered (its checksum does not match). Nothing was changed.`);
    const mbuf = Buffer.alloc(mlen);
    fs.readSync(fd, mbuf, 0, mlen, MAGIC.length + 4);
    let manifest: Manifest;
    try {
      manifest = JSON.parse(mbuf.toString('utf8')) as Manifest;
    } catch {
      throw new AppError('VALIDATION', `${file} is damaged (unreadable manifest).`);
    }
    if (manifest.format !== FORMAT) throw new AppError('UNSUPPORTED', `${file} is a backup format this CareLens does not know (${String(manifest.format)}).`);
    const total = manifest.database.size + manifest.files.reduce((s, f) => s + f.size, 0);
    if (MAGIC.length + 4 + mlen + total + 32 !== st.size) throw new AppError('VALIDATION', `${file} is damaged (sizes do not add up).`);
    for (const f of manifest.files) safeRelative(f.path);
    if (new Set(manifest.files.map((f) => path.posix.normalize(f.path))).size !== manifest.files.length) throw new AppError('VALIDATION', `${file} is damaged (a file is listed twice).`);
    return { manifest, dbOffset: MAGIC.length + 4 + mlen };
  } finally {
    fs.closeSync(fd);
  }
}

function extract(fd: number, offset: number, size: number, expectSha: string, to: string): void {
  fs.mkdirSync(path.dirname(to), { recursive: true, mode: 0o700 });
  const out = fs.openSync(to, 'wx', 0o600);
  const hash = createHash('sha256');
  const buf = Buffer.allocUnsafe(1 << 20);
  try {
    let done = 0;
    while (done < size) {
      const n = fs.readSync(fd, buf, 0, Math.min(buf.length, size - done), offset + done);
      if (n === 0) throw new AppError('VALIDATION', 'The backup ended early.');
      hash.update(buf.subarray(0, n));
      fs.writeSync(out, buf, 0, n);
      done += n;
    }
    fs.fsyncSync(out);
  } finally {
    fs.closeSync(out);
  }
  if (hash.digest('hex') !== expectSha) throw new AppError('VALIDATION', `The backup's copy of ${path.basename(to)} does not match its checksum.`);
}

export interface RestoreResult {
  file: string;
  createdAt: string;
  auditRows: number;
  storeFiles: number;
  /** Where the data that was replaced now is (nothing is deleted). */
  previousDataMovedTo: string | null;
}

/**
 * Restores a backup into a data folder. Everything is checked before anything is
 * replaced: the file's checksum, every entry's checksum, the database opens with the key,
 * passes PRAGMA integrity_check, is not from a newer CareLens, and its audit chain
 * verifies. Then the current database and files move aside (kept, not deleted) and the
 * backup's take their place. CareLens must not be running on that folder.
 */
/**
 * Refuses while any process has the database open: every connection to a WAL database
 * holds a shared lock on it, so an exclusive lock is granted only when nobody else is there.
 */
export function assertNotInUse(file: string, keyHex: string | null): void {
  if (!fs.existsSync(file)) return;
  let probe: Db | null = null;
  try {
    probe = new Database(file, { timeout: 0, fileMustExist: true });
    if (keyHex) applyKey(probe, keyHex);
    probe.pragma('locking_mode = EXCLUSIVE');
    probe.exec('BEGIN EXCLUSIVE');
    probe.exec('COMMIT');
  } catch (err) {
    if (/locked|busy/i.test((err as Error).message)) {
      throw new AppError('CONFLICT', `CareLens is running on ${path.dirname(file)} (the database is in use). Close the app and any \`carelens serve\`, then restore. Nothing was changed.`);
    }
    // Any other problem (wrong key, damaged file) does not block replacing it.
  } finally {
    probe?.close();
  }
}

/**
 * `newestSchema` is the newest schema migration this build knows (the composition root's
 * `newestSchema()`): a backup past it was made by a newer CareLens and is refused.
 */
export function restoreBackup(options: { file: string; dataDir: string; keyHex: string | null; clock: Clock; newestSchema: number }): RestoreResult {
  const { manifest, dbOffset } = readBackup(options.file);
  const root = options.dataDir;
  assertNotInUse(path.join(root, 'carelens.db'), options.keyHex);
  fs.mkdirSync(root, { recursive: true, mode: 0o700 });
  const stamp = options.clock.now().toISOString().replace(/[:.]/g, '-');
  const work = path.join(root, `.restore-${randomBytes(6).toString('hex')}`);
  fs.mkdirSync(work, { mode: 0o700 });
  let moved: string | null = null;
  try {
    const fd = fs.openSync(options.file, 'r');
    try {
      extract(fd, dbOffset, manifest.database.size, manifest.database.sha256, path.join(work, 'carelens.db'));
      let off = dbOffset + manifest.database.size;
      for (const f of manifest.files) {
        extract(fd, off, f.size, f.sha256, path.join(work, safeRelative(f.path)));
        off += f.size;
      }
    } finally {
      fs.closeSync(fd);
    }
    const db = openKeyed(path.join(work, 'carelens.db'), options.keyHex, false);
    try {
      try {
        db.prepare('SELECT COUNT(*) FROM sqlite_master').get();
      } catch (err) {
        throw new AppError('FORBIDDEN', `The backup's database cannot be opened with this key (${(err as Error).message}): restore it with the key it was made with (CARELENS_KEY). Nothing was changed.`);
      }
      const check = db.pragma('integrity_check', { simple: true });
      if (check !== 'ok') throw new AppError('VALIDATION', `The backup's database fails its integrity check (${String(check)}). Nothing was changed.`);
      const newest = options.newestSchema;
      const version = (db.prepare('SELECT MAX(id) FROM schema_migrations').pluck().get() as number | null) ?? 0;
      if (version > newest) throw new AppError('UNSUPPORTED', `The backup was made by a newer CareLens (schema ${version}). Nothing was changed.`);
      const verification = new AuditLog({ db, clock: options.clock }).verify();
      if (!verification.ok) throw new AppError('VALIDATION', `The backup's audit trail does not verify: ${verification.problem} Nothing was changed.`);
      db.pragma('journal_mode = WAL');
    } finally {
      db.close();
    }
    // Every encrypted file's every tag, under this key, before anything is replaced.
    const keys = storeKeysFromDbKey(options.keyHex ? { hex: options.keyHex } : null);
    for (const f of manifest.files) {
      const rel = safeRelative(f.path);
      if (!ENCRYPTED_FOLDERS.has(rel.split('/')[0]!)) continue;
      const problem = verifyStoredFile(keys, path.join(work, rel));
      if (problem) throw new AppError('VALIDATION', `The backup's copy of ${rel} ${problem}: the backup was altered or damaged. Nothing was changed.`);
    }
    // Checked: move the current data aside, then the backup's into place.
    const aside = path.join(root, `pre-restore-${stamp}`);
    const current = ['carelens.db', 'carelens.db-wal', 'carelens.db-shm', ...FILE_FOLDERS].filter((n) => fs.existsSync(path.join(root, n)));
    if (current.length > 0) {
      fs.mkdirSync(aside, { mode: 0o700 });
      for (const n of current) fs.renameSync(path.join(root, n), path.join(aside, n));
      moved = aside;
    }
    for (const n of ['carelens.db', 'carelens.db-wal', 'carelens.db-shm', ...FILE_FOLDERS]) {
      if (fs.existsSync(path.join(work, n))) fs.renameSync(path.join(work, n), path.join(root, n));
    }
    for (const folder of FILE_FOLDERS) fs.mkdirSync(path.join(root, folder), { recursive: true, mode: 0o700 });
    // The restore itself goes into the restored trail.
    const db2 = openKeyed(path.join(root, 'carelens.db'), options.keyHex, false);
    try {
      new AuditLog({ db: db2, clock: options.clock }).append({
        actorId: 'system',
        actorName: 'system',
        actorRole: 'system',
        transport: 'cli',
        channel: 'restore',
        kind: 'change',
        outcome: 'ok',
        patientIds: [],
        detail: JSON.stringify({ file: options.file, backupCreatedAt: manifest.createdAt, previousDataMovedTo: moved }),
      });
    } finally {
      db2.close();
    }
    return { file: options.file, createdAt: manifest.createdAt, auditRows: manifest.auditRows, storeFiles: manifest.files.length, previousDataMovedTo: moved };
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

/** Why a restored store file is not acceptable (every GCM tag is checked), or null when it is. */
function verifyStoredFile(keys: StoreKeys | null, file: string): string | null {
  try {
    const head = readHead(file);
    if (head && isEncryptedHeader(head)) decryptFileChunks(keys, file, () => {});
    // A backup made before encryption: only a file that still proves its name (store.ts) is taken.
    else readStoreFileAt(keys, file);
    return null;
  } catch (err) {
    if (err instanceof StoredFileError) return err.reason === 'other-key' || err.reason === 'no-key' ? 'is encrypted with another key than the one given' : 'failed its integrity check';
    return `cannot be read (${(err as Error).message})`;
  }
}
