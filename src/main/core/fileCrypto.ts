/**
 * Encryption at rest for the files CareLens keeps beside its database (stored originals,
 * thumbnails): AES-256-GCM, streamed in chunks so a large multi-frame file is never held
 * twice in memory. Used by the imaging worker (writes), the viewer's decode worker, the ml
 * worker and the trust feature (migration, rekey, backups), so it lives in core.
 *
 * A file ("CLSTORE2") is
 *   header (40 bytes): "CLSTORE2" | key id (8) | chunk size u32 BE | salt (16) | reserved (4)
 *   chunk 0 .. n-1:    ciphertext (chunk size bytes, the last one fewer) | GCM tag (16)
 * Each file has its own key, HKDF-SHA256(file-encryption key, salt, "carelens file v2"), so
 * the 96-bit nonce of chunk i is simply i. Every chunk's additional data is
 *   header | binding | chunk index (u64 BE) | final flag (1 byte)
 * where the binding is the file's place in the data folder (its last three path parts, e.g.
 * "store/3f/3f9a..."). A reordered, dropped, appended or truncated chunk, a flipped byte, a
 * file renamed onto another's name, or another key: each fails a tag and is refused.
 */
import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

export const MAGIC = Buffer.from('CLSTORE2', 'latin1');
/** The first format (one GCM over the whole file); read for migration only. */
export const MAGIC_V1 = Buffer.from('CLSTORE1', 'latin1');
export const HEADER_BYTES = 40;
export const TAG_BYTES = 16;
export const CHUNK_BYTES = 256 * 1024;

/** The keys derived from one store key (see storeKeysFromRoot). */
export interface StoreKeys {
  /** The store key itself (what workers are handed, as hex). */
  root: Buffer;
  /** 8 bytes written into each file's header: which key encrypted it (not secret). */
  id: Buffer;
  enc: Buffer;
  /** Keys the file names (HMAC-SHA256 of the content's sha256). */
  name: Buffer;
}

/** Why a stored file could not be read. */
export class StoredFileError extends Error {
  constructor(
    readonly reason: 'tampered' | 'other-key' | 'not-encrypted' | 'no-key' | 'damaged',
    message: string,
  ) {
    super(message);
  }
}

const hkdf = (ikm: Buffer, salt: string | Buffer, info: string) => Buffer.from(hkdfSync('sha256', ikm, salt, Buffer.from(info), 32));

/** The store key from the database key (64 hex): HKDF-SHA256(db key, "carelens", "image-store-v1"). */
export function storeRootFromDbKey(hex: string): Buffer {
  return hkdf(Buffer.from(hex, 'hex'), Buffer.from('carelens'), 'image-store-v1');
}

export function storeKeysFromRoot(root: Buffer): StoreKeys {
  return {
    root,
    id: createHmac('sha256', root).update('carelens key id').digest().subarray(0, 8),
    enc: hkdf(root, 'carelens', 'file-encryption-v2'),
    name: hkdf(root, 'carelens', 'file-names-v2'),
  };
}

/** Store keys from a database key (null: no key, files stay plain, as for an in-memory test database). */
export function storeKeysFromDbKey(key: { hex: string } | null | undefined): StoreKeys | null {
  return key ? storeKeysFromRoot(storeRootFromDbKey(key.hex)) : null;
}

/** Store keys from a store key in hex, as a worker is handed it. */
export function storeKeysFromHex(hex: string | null | undefined): StoreKeys | null {
  return hex ? storeKeysFromRoot(Buffer.from(hex, 'hex')) : null;
}

/** The keyed file name of content with this sha256: HMAC-SHA256(name key, sha256 hex), in hex. */
export function keyedName(keys: StoreKeys, sha256: string): string {
  return createHmac('sha256', keys.name).update(sha256).digest('hex');
}

/** What a file's chunks are bound to: its last three path parts ("store/ab/<name>"). */
export function bindingOf(file: string): Buffer {
  const parts = path.resolve(file).split(path.sep);
  return Buffer.from(parts.slice(-3).join('/'), 'utf8');
}

export function isEncryptedHeader(head: Buffer): boolean {
  return head.length >= HEADER_BYTES && head.subarray(0, 8).equals(MAGIC);
}

/**
 * The nonce and additional data of chunk i, written into buffers made once per file (a chunk
 * index fits in 53 bits; it is written as a u64 BE). OpenSSL copies both when they are set.
 */
class ChunkParams {
  private readonly nonce = Buffer.alloc(12);
  private readonly aad: Buffer;
  constructor(header: Buffer, binding: Buffer) {
    this.aad = Buffer.alloc(header.length + binding.length + 9);
    header.copy(this.aad, 0);
    binding.copy(this.aad, header.length);
  }
  /** Sets chunk i's values; returns the nonce (the additional data is `additionalData`). */
  set(index: number, final: boolean): Buffer {
    const hi = Math.floor(index / 2 ** 32);
    const lo = index >>> 0;
    this.nonce.writeUInt32BE(hi, 4);
    this.nonce.writeUInt32BE(lo, 8);
    const at = this.aad.length - 9;
    this.aad.writeUInt32BE(hi, at);
    this.aad.writeUInt32BE(lo, at + 4);
    this.aad[at + 8] = final ? 1 : 0;
    return this.nonce;
  }
  get additionalData(): Buffer {
    return this.aad;
  }
}

/**
 * Encrypts plaintext into chunks: `sealChunk` for a buffer already cut into chunks, or `push`
 * pieces of any size (copied into one chunk-sized buffer, so a reused read buffer is safe)
 * and `end` for the last (final) chunk.
 */
export class ChunkSealer {
  readonly header: Buffer;
  private readonly fileKey: Buffer;
  private buf: Buffer | null = null;
  private pendingBytes = 0;
  private index = 0;
  private readonly params: ChunkParams;

  constructor(
    keys: StoreKeys,
    private readonly binding: Buffer,
    readonly chunkBytes = CHUNK_BYTES,
  ) {
    const salt = randomBytes(16);
    this.header = Buffer.alloc(HEADER_BYTES);
    MAGIC.copy(this.header, 0);
    keys.id.copy(this.header, 8);
    this.header.writeUInt32BE(chunkBytes, 16);
    salt.copy(this.header, 20);
    this.fileKey = hkdf(keys.enc, salt, 'carelens file v2');
    this.params = new ChunkParams(this.header, binding);
  }

  /** Seals the next chunk (at most chunkBytes; only the last one may be shorter, and it is `final`). */
  sealChunk(plain: Buffer, final: boolean): Buffer[] {
    const nonce = this.params.set(this.index, final);
    const cipher = createCipheriv('aes-256-gcm', this.fileKey, nonce);
    cipher.setAAD(this.params.additionalData);
    this.index++;
    const ct = cipher.update(plain);
    cipher.final();
    return [ct, cipher.getAuthTag()];
  }

  /** Sealed chunks ready to write; a full chunk is sealed only once more data follows it. */
  push(data: Buffer): Buffer[] {
    const out: Buffer[] = [];
    this.buf ??= Buffer.allocUnsafe(this.chunkBytes);
    let off = 0;
    while (off < data.length) {
      if (this.pendingBytes === this.chunkBytes) {
        out.push(...this.sealChunk(this.buf, false));
        this.pendingBytes = 0;
      }
      const take = Math.min(this.chunkBytes - this.pendingBytes, data.length - off);
      data.copy(this.buf, this.pendingBytes, off, off + take);
      this.pendingBytes += take;
      off += take;
    }
    return out;
  }

  /** Seals what is left as the final chunk (an empty file is one empty final chunk). */
  end(): Buffer[] {
    const rest = this.buf ? this.buf.subarray(0, this.pendingBytes) : Buffer.alloc(0);
    this.pendingBytes = 0;
    return this.sealChunk(rest, true);
  }
}

/** The sealed parts of a whole buffer: header, then each chunk's ciphertext and tag. */
export function* sealedParts(keys: StoreKeys, binding: Buffer, plain: Buffer): Generator<Buffer[]> {
  const sealer = new ChunkSealer(keys, binding);
  yield [sealer.header];
  let off = 0;
  do {
    const end = Math.min(plain.length, off + CHUNK_BYTES);
    yield sealer.sealChunk(plain.subarray(off, end), end === plain.length);
    off = end;
  } while (off < plain.length);
}

interface Layout {
  header: Buffer;
  chunkBytes: number;
  chunks: number;
  plainBytes: number;
}

function layoutOf(head: Buffer, size: number, keys: StoreKeys | null, file: string): Layout {
  if (!isEncryptedHeader(head)) throw new StoredFileError('not-encrypted', `${path.basename(file)} is not an encrypted CareLens file.`);
  if (!keys) throw new StoredFileError('no-key', 'This stored file is encrypted and no key is available to read it.');
  if (!head.subarray(8, 16).equals(keys.id)) {
    throw new StoredFileError('other-key', `The stored file ${path.basename(file).slice(0, 16)}… was encrypted with another key than this data folder's: it belongs to another CareLens, or a key change was interrupted (run \`carelens rekey\` to finish it).`);
  }
  const chunkBytes = head.readUInt32BE(16);
  const body = size - HEADER_BYTES;
  const full = chunkBytes + TAG_BYTES;
  if (chunkBytes < 1024 || chunkBytes > 64 * 1024 * 1024 || body < TAG_BYTES) throw new StoredFileError('damaged', `The stored file ${path.basename(file).slice(0, 16)}… is damaged (its size or header is wrong).`);
  const chunks = Math.ceil(body / full);
  const last = body - (chunks - 1) * full;
  if (last < TAG_BYTES || (chunks > 1 && last === TAG_BYTES)) throw new StoredFileError('damaged', `The stored file ${path.basename(file).slice(0, 16)}… is damaged (it was cut short).`);
  return { header: Buffer.from(head.subarray(0, HEADER_BYTES)), chunkBytes, chunks, plainBytes: body - chunks * TAG_BYTES };
}

class ChunkOpener {
  private readonly fileKey: Buffer;
  private readonly params: ChunkParams;
  constructor(
    keys: StoreKeys,
    private readonly layout: Layout,
    private readonly binding: Buffer,
    private readonly file: string,
  ) {
    this.fileKey = hkdf(keys.enc, layout.header.subarray(20, 36), 'carelens file v2');
    this.params = new ChunkParams(layout.header, binding);
  }

  /** `sealed` is chunk i's ciphertext and tag; writes the plaintext into `out` at `at`. */
  open(i: number, sealed: Buffer, out: Buffer, at: number): number {
    const ct = sealed.subarray(0, sealed.length - TAG_BYTES);
    const nonce = this.params.set(i, i === this.layout.chunks - 1);
    const decipher = createDecipheriv('aes-256-gcm', this.fileKey, nonce);
    decipher.setAAD(this.params.additionalData);
    decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
    try {
      const n = decipher.update(ct).copy(out, at);
      decipher.final();
      return n;
    } catch {
      throw new StoredFileError(
        'tampered',
        `The stored file ${path.basename(this.file).slice(0, 16)}… failed its integrity check (part ${i + 1} of ${this.layout.chunks}): it was altered, damaged or moved from another name. It was not used.`,
      );
    }
  }
}

function readFully(fd: number, buf: Buffer, length: number, position: number): void {
  let done = 0;
  while (done < length) {
    const n = fs.readSync(fd, buf, done, length - done, position + done);
    if (n === 0) throw new StoredFileError('damaged', 'The stored file ended early.');
    done += n;
  }
}

/**
 * Decrypts a file chunk by chunk, handing each chunk's plaintext to `onChunk` (the buffer is
 * reused: copy what you keep). Every tag is checked; nothing past a bad chunk is handed out.
 */
export function decryptFileChunks(keys: StoreKeys | null, file: string, onChunk: (plain: Buffer) => void): number {
  const fd = fs.openSync(file, 'r');
  try {
    const size = fs.fstatSync(fd).size;
    const head = Buffer.alloc(Math.min(HEADER_BYTES, size));
    readFully(fd, head, head.length, 0);
    const layout = layoutOf(head, size, keys, file);
    const opener = new ChunkOpener(keys!, layout, bindingOf(file), file);
    const sealed = Buffer.allocUnsafe(layout.chunkBytes + TAG_BYTES);
    const plain = Buffer.allocUnsafe(layout.chunkBytes);
    let pos = HEADER_BYTES;
    for (let i = 0; i < layout.chunks; i++) {
      const len = Math.min(layout.chunkBytes + TAG_BYTES, size - pos);
      readFully(fd, sealed, len, pos);
      pos += len;
      const n = opener.open(i, sealed.subarray(0, len), plain, 0);
      onChunk(plain.subarray(0, n));
    }
    return layout.plainBytes;
  } finally {
    fs.closeSync(fd);
  }
}

/** Decrypts a whole open file into one buffer of exactly its plaintext size (never a second copy). */
export function decryptFdSync(keys: StoreKeys | null, fd: number, file: string): Buffer {
  const size = fs.fstatSync(fd).size;
  const head = Buffer.alloc(Math.min(HEADER_BYTES, size));
  readFully(fd, head, head.length, 0);
  const layout = layoutOf(head, size, keys, file);
  const opener = new ChunkOpener(keys!, layout, bindingOf(file), file);
  const out = Buffer.allocUnsafe(layout.plainBytes);
  const sealed = Buffer.allocUnsafe(Math.min(layout.chunkBytes + TAG_BYTES, size));
  let pos = HEADER_BYTES;
  let at = 0;
  for (let i = 0; i < layout.chunks; i++) {
    const len = Math.min(layout.chunkBytes + TAG_BYTES, size - pos);
    readFully(fd, sealed, len, pos);
    pos += len;
    at += opener.open(i, sealed.subarray(0, len), out, at);
  }
  return out;
}

export function decryptFileSync(keys: StoreKeys | null, file: string): Buffer {
  const fd = fs.openSync(file, 'r');
  try {
    return decryptFdSync(keys, fd, file);
  } finally {
    fs.closeSync(fd);
  }
}

/** As decryptFdSync, with the reads off the thread (the worker's decode path). */
export async function decryptHandle(keys: StoreKeys | null, fh: fs.promises.FileHandle, file: string): Promise<Buffer> {
  const size = (await fh.stat()).size;
  const head = Buffer.alloc(Math.min(HEADER_BYTES, size));
  await fh.read(head, 0, head.length, 0);
  const layout = layoutOf(head, size, keys, file);
  const opener = new ChunkOpener(keys!, layout, bindingOf(file), file);
  const out = Buffer.allocUnsafe(layout.plainBytes);
  const sealed = Buffer.allocUnsafe(Math.min(layout.chunkBytes + TAG_BYTES, size));
  let pos = HEADER_BYTES;
  let at = 0;
  for (let i = 0; i < layout.chunks; i++) {
    const len = Math.min(layout.chunkBytes + TAG_BYTES, size - pos);
    const { bytesRead } = await fh.read(sealed, 0, len, pos);
    if (bytesRead !== len) throw new StoredFileError('damaged', 'The stored file ended early.');
    pos += len;
    at += opener.open(i, sealed.subarray(0, len), out, at);
  }
  return out;
}

export async function decryptFile(keys: StoreKeys | null, file: string): Promise<Buffer> {
  const fh = await fs.promises.open(file, 'r');
  try {
    return await decryptHandle(keys, fh, file);
  } finally {
    await fh.close();
  }
}

/**
 * Opens the first format ("CLSTORE1" | nonce 12 | ciphertext | tag 16, one GCM over the whole
 * file under the store key itself, additional data the magic). Only migration meets it.
 */
export function openV1(keys: StoreKeys | null, data: Buffer): Buffer {
  if (!keys) throw new StoredFileError('no-key', 'This stored file is encrypted and no key is available to read it.');
  const nonce = data.subarray(8, 20);
  const decipher = createDecipheriv('aes-256-gcm', keys.root, nonce);
  decipher.setAAD(MAGIC_V1);
  decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
  try {
    return Buffer.concat([decipher.update(data.subarray(20, data.length - TAG_BYTES)), decipher.final()]);
  } catch {
    throw new StoredFileError('tampered', 'A stored file failed its integrity check: it was altered, or it belongs to another key.');
  }
}
