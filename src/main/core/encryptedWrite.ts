/**
 * Writing encrypted files (core/fileCrypto.ts's format) and small file helpers: a temp file
 * beside the target, chunk by chunk, then a rename, so a kill mid-write never leaves a half
 * file under the final name.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { ChunkSealer, CHUNK_BYTES, HEADER_BYTES, bindingOf, sealedParts, type StoreKeys } from './fileCrypto';

function tempName(target: string): string {
  return `${target}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`;
}

/**
 * Writes `plain` encrypted to `target`: a temp file beside it, chunk by chunk, then a rename, so
 * a kill mid-write never leaves a half file under the final name. Owner-only permissions.
 */
export async function writeEncrypted(keys: StoreKeys, target: string, plain: Buffer, options: { durable?: boolean } = {}): Promise<void> {
  await fs.promises.mkdir(path.dirname(target), { recursive: true, mode: 0o700 });
  const tmp = tempName(target);
  const fh = await fs.promises.open(tmp, 'wx', 0o600);
  try {
    let parts: Buffer[] = [];
    for (const p of sealedParts(keys, bindingOf(target), plain)) {
      parts.push(...p);
      // A few chunks per write call: fewer syscalls, still never a second copy of the file.
      if (parts.length >= 9) {
        await fh.writev(parts);
        parts = [];
      }
    }
    if (parts.length) await fh.writev(parts);
    if (options.durable) await fh.sync();
  } catch (err) {
    await fh.close();
    await fs.promises.rm(tmp, { force: true });
    throw err;
  }
  await fh.close();
  try {
    await fs.promises.rename(tmp, target);
  } catch (err) {
    await fs.promises.rm(tmp, { force: true });
    throw err;
  }
}

function writeAll(fd: number, parts: Buffer[]): void {
  for (const p of parts) {
    let off = 0;
    while (off < p.length) off += fs.writeSync(fd, p, off, p.length - off);
  }
}

function writePartsSync(target: string, parts: Iterable<Buffer[]>, durable: boolean): void {
  fs.mkdirSync(path.dirname(target), { recursive: true, mode: 0o700 });
  const tmp = tempName(target);
  const fd = fs.openSync(tmp, 'wx', 0o600);
  let open = true;
  try {
    for (const p of parts) writeAll(fd, p);
    if (durable) fs.fsyncSync(fd);
    fs.closeSync(fd);
    open = false;
    fs.renameSync(tmp, target);
  } catch (err) {
    if (open) fs.closeSync(fd);
    fs.rmSync(tmp, { force: true });
    throw err;
  }
}

/**
 * Writes an encrypted file from pieces pushed to it (any size; the buffer may be reused), to a
 * temp file beside `target`; `commit` renames it into place (fsync'd first when durable),
 * `abort` removes it.
 */
export class EncryptedWriter {
  private readonly tmp: string;
  private readonly fd: number;
  private readonly sealer: ChunkSealer;
  private closed = false;

  constructor(
    keys: StoreKeys,
    private readonly target: string,
  ) {
    fs.mkdirSync(path.dirname(target), { recursive: true, mode: 0o700 });
    this.tmp = tempName(target);
    this.fd = fs.openSync(this.tmp, 'wx', 0o600);
    this.sealer = new ChunkSealer(keys, bindingOf(target));
    this.guard(() => writeAll(this.fd, [this.sealer.header]));
  }

  private guard(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.abort();
      throw err;
    }
  }

  write(piece: Buffer): void {
    this.guard(() => writeAll(this.fd, this.sealer.push(piece)));
  }

  commit(options: { durable?: boolean } = {}): void {
    this.guard(() => {
      writeAll(this.fd, this.sealer.end());
      if (options.durable) fs.fsyncSync(this.fd);
      fs.closeSync(this.fd);
      this.closed = true;
      fs.renameSync(this.tmp, this.target);
    });
  }

  abort(): void {
    if (!this.closed) {
      this.closed = true;
      try {
        fs.closeSync(this.fd);
      } catch {
        // already closed
      }
    }
    fs.rmSync(this.tmp, { force: true });
  }
}

/** Encrypts what `read` hands out (null at the end) into `target` (temp file and rename). */
export function writeEncryptedFromSync(keys: StoreKeys, target: string, read: () => Buffer | null, options: { durable?: boolean } = {}): void {
  const w = new EncryptedWriter(keys, target);
  for (let piece = read(); piece !== null; piece = read()) w.write(piece);
  w.commit(options);
}

/** Writes `plain` encrypted to `target` (temp file and rename). */
export function writeEncryptedSync(keys: StoreKeys, target: string, plain: Buffer, options: { durable?: boolean } = {}): void {
  writePartsSync(target, sealedParts(keys, bindingOf(target), plain), options.durable ?? false);
}

/** A reader of a plain file in pieces (for encrypting a large file without holding it). */
export function plainPieces(file: string): { read: () => Buffer | null; close: () => void } {
  const fd = fs.openSync(file, 'r');
  const buf = Buffer.allocUnsafe(CHUNK_BYTES);
  return {
    read() {
      const n = fs.readSync(fd, buf, 0, buf.length, null);
      return n === 0 ? null : buf.subarray(0, n);
    },
    close: () => fs.closeSync(fd),
  };
}

/** The first bytes of a file (its header), or null when it is shorter. */
export function readHead(file: string, bytes = HEADER_BYTES): Buffer | null {
  const fd = fs.openSync(file, 'r');
  try {
    const head = Buffer.alloc(bytes);
    const n = fs.readSync(fd, head, 0, bytes, 0);
    return n === bytes ? head : head.subarray(0, n);
  } finally {
    fs.closeSync(fd);
  }
}

