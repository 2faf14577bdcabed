/**
 * ZIP and gzip containers met during an import's folder walk: each member becomes a file of
 * its own (`archive.zip!/dir/file.dcm` in the report), read from the archive only when its
 * turn comes, one member at a time. Every inflate is bounded: a member may not inflate past
 * the size its directory entry declares nor past MAX_MEMBER_BYTES; an archive's members may
 * not add up past MAX_ARCHIVE_BYTES nor number more than MAX_ARCHIVE_MEMBERS. Unsafe names
 * ("zip slip": `..`, absolute paths, drive letters) and archives inside archives are refused
 * with a reason. Nothing is ever unpacked to disk.
 */
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { inflateRawBounded } from './limits';

/** Largest member CareLens inflates: 512 MiB. */
export const MAX_MEMBER_BYTES = 512 * 1024 * 1024;
/** Largest total (declared, uncompressed) of one archive's members: 8 GiB. */
export const MAX_ARCHIVE_BYTES = 8 * 1024 * 1024 * 1024;
/** Most members read from one archive. */
export const MAX_ARCHIVE_MEMBERS = 20_000;
/** Largest central directory read (it holds only names and sizes). */
const MAX_DIRECTORY_BYTES = 64 * 1024 * 1024;

export type ArchiveKind = 'zip' | 'gzip';

/** One member: where it is in the archive and what its directory says. */
export interface ArchiveMember {
  kind: ArchiveKind;
  archive: string;
  name: string;
  /** zip: the local header's offset; gzip: 0. */
  offset: number;
  compressedSize: number;
  /** Declared uncompressed size (gzip: unknown, -1). */
  size: number;
  method: number;
  crc32: number;
}

export interface ArchiveListing {
  members: ArchiveMember[];
  /** Members not read, each with why (the report shows `archive!/name: reason`). */
  refused: { name: string; reason: string }[];
}

/** An archive that cannot be opened at all, told in words. */
export class ArchiveError extends Error {}

/** ZIP (PK\x03\x04, or PK\x05\x06 for an empty one) or gzip (1F 8B 08) by the first bytes. */
export function archiveKind(head: Uint8Array): ArchiveKind | null {
  if (head.length >= 4 && head[0] === 0x50 && head[1] === 0x4b && ((head[2] === 0x03 && head[3] === 0x04) || (head[2] === 0x05 && head[3] === 0x06))) return 'zip';
  if (head.length >= 3 && head[0] === 0x1f && head[1] === 0x8b && head[2] === 0x08) return 'gzip';
  return null;
}

/** The path the report shows for a member. */
export function memberPath(m: Pick<ArchiveMember, 'archive' | 'name'>): string {
  return `${m.archive}!/${m.name}`;
}

/** Why a member name is unsafe to show or use as a path, or null when it is fine. */
export function unsafeName(name: string): string | null {
  if (name === '') return 'the member has no name';
  if (name.includes('\0')) return 'the member name holds a NUL byte';
  if (name.startsWith('/') || name.startsWith('\\') || /^[a-zA-Z]:/.test(name)) return 'the member name is an absolute path';
  if (name.split(/[\\/]/).some((p) => p === '..')) return 'the member name climbs out of the archive ("..")';
  return null;
}

/** Lists an archive's members (reading only its directory). Throws ArchiveError when unreadable. */
export async function listArchive(file: string, kind: ArchiveKind): Promise<ArchiveListing> {
  if (kind === 'gzip') return listGzip(file);
  return listZip(file);
}

async function readAt(fd: fs.promises.FileHandle, position: number, length: number): Promise<Buffer> {
  const buf = Buffer.alloc(length);
  const { bytesRead } = await fd.read(buf, 0, length, position);
  return buf.subarray(0, bytesRead);
}

async function listGzip(file: string): Promise<ArchiveListing> {
  const fd = await fs.promises.open(file, 'r');
  try {
    const head = await readAt(fd, 0, 1024);
    let name = path.basename(file).replace(/\.(gz|gzip)$/i, '') || 'member';
    const flags = head[3] ?? 0;
    if (flags & 0x08) {
      // FNAME: after the 10-byte header and an optional FEXTRA field, NUL-terminated.
      let p = 10;
      if (flags & 0x04) p += 2 + (head.readUInt16LE(10) || 0);
      const end = head.indexOf(0, p);
      if (end > p) name = path.basename(head.subarray(p, end).toString('latin1').replace(/\\/g, '/')) || name;
    }
    const compressedSize = (await fd.stat()).size;
    // The compressed file is read whole: one larger than a member may be is refused from its size.
    if (compressedSize > MAX_MEMBER_BYTES) return { members: [], refused: [{ name, reason: `too large: the gzip file is ${compressedSize} bytes; CareLens reads members up to ${MAX_MEMBER_BYTES}` }] };
    return { members: [{ kind: 'gzip', archive: file, name, offset: 0, compressedSize, size: -1, method: 8, crc32: 0 }], refused: [] };
  } finally {
    await fd.close();
  }
}

async function listZip(file: string): Promise<ArchiveListing> {
  const fd = await fs.promises.open(file, 'r');
  try {
    const fileSize = (await fd.stat()).size;
    const tailLength = Math.min(fileSize, 22 + 0xffff);
    const tail = await readAt(fd, fileSize - tailLength, tailLength);
    let eocd = -1;
    for (let i = tail.length - 22; i >= 0; i--) {
      if (tail.readUInt32LE(i) === 0x06054b50) {
        eocd = i;
        break;
      }
    }
    if (eocd < 0) throw new ArchiveError('ZIP archive is damaged: its central directory (end record PK\\x05\\x06) is missing; it may be truncated');
    const count = tail.readUInt16LE(eocd + 10);
    const dirSize = tail.readUInt32LE(eocd + 12);
    const dirOffset = tail.readUInt32LE(eocd + 16);
    if (count === 0xffff || dirSize === 0xffffffff || dirOffset === 0xffffffff) throw new ArchiveError('ZIP64 archive: CareLens reads ZIP archives up to 4 GB and 65,535 members; unpack it and import the folder');
    if (dirSize > MAX_DIRECTORY_BYTES) throw new ArchiveError(`ZIP archive's directory is ${dirSize} bytes, more than CareLens reads (${MAX_DIRECTORY_BYTES})`);
    if (dirOffset + dirSize > fileSize) throw new ArchiveError(`ZIP archive is damaged: its directory (at byte ${dirOffset}, ${dirSize} bytes) lies beyond the end of the file (${fileSize} bytes)`);
    const dir = await readAt(fd, dirOffset, dirSize);
    const listing: ArchiveListing = { members: [], refused: [] };
    let total = 0;
    let p = 0;
    for (let i = 0; i < count; i++) {
      if (p + 46 > dir.length || dir.readUInt32LE(p) !== 0x02014b50) throw new ArchiveError(`ZIP archive is damaged: directory entry ${i + 1} of ${count} (at byte ${dirOffset + p}) is not a file header`);
      const flags = dir.readUInt16LE(p + 8);
      const method = dir.readUInt16LE(p + 10);
      const crc32 = dir.readUInt32LE(p + 16);
      const compressedSize = dir.readUInt32LE(p + 20);
      const size = dir.readUInt32LE(p + 24);
      const nameLength = dir.readUInt16LE(p + 28);
      const extraLength = dir.readUInt16LE(p + 30);
      const commentLength = dir.readUInt16LE(p + 32);
      const offset = dir.readUInt32LE(p + 42);
      const rawName = dir.subarray(p + 46, p + 46 + nameLength);
      const name = (flags & 0x800 ? rawName.toString('utf8') : rawName.toString('latin1')).replace(/\\/g, '/');
      p += 46 + nameLength + extraLength + commentLength;
      if (name.endsWith('/') && size === 0) continue; // a folder entry
      const shown = name.replace(/\0/g, '?');
      const refuse = (reason: string) => listing.refused.push({ name: shown, reason });
      const unsafe = unsafeName(name);
      if (unsafe) refuse(`refused: ${unsafe}`);
      else if (listing.members.length >= MAX_ARCHIVE_MEMBERS) refuse(`not read: the archive has more than ${MAX_ARCHIVE_MEMBERS} members`);
      else if (flags & 0x01) refuse('not read: the member is encrypted');
      else if (method !== 0 && method !== 8) refuse(`not read: compression method ${method} (CareLens reads stored and deflated members)`);
      else if (size > MAX_MEMBER_BYTES || compressedSize > MAX_MEMBER_BYTES) refuse(`too large: the member inflates to ${size} bytes (${compressedSize} compressed); CareLens reads members up to ${MAX_MEMBER_BYTES}`);
      else if (total + size > MAX_ARCHIVE_BYTES) refuse(`not read: the archive's members add up to more than ${MAX_ARCHIVE_BYTES} bytes`);
      else {
        total += size;
        listing.members.push({ kind: 'zip', archive: file, name, offset, compressedSize, size, method, crc32 });
      }
    }
    listing.members.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    return listing;
  } finally {
    await fd.close();
  }
}

/** A member's bytes, inflated under its bounds. Throws ArchiveError with a reason. */
export async function readMember(m: ArchiveMember): Promise<Uint8Array> {
  if (m.kind === 'gzip') {
    const data = await fs.promises.readFile(m.archive);
    try {
      const out = zlib.gunzipSync(data, { maxOutputLength: MAX_MEMBER_BYTES });
      return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') throw new ArchiveError(`too large: the gzip member inflates to more than ${MAX_MEMBER_BYTES} bytes (a decompression bomb?)`);
      throw new ArchiveError(`gzip data is damaged (${(err as Error).message})`);
    }
  }
  const fd = await fs.promises.open(m.archive, 'r');
  let data: Buffer;
  try {
    const local = await readAt(fd, m.offset, 30);
    if (local.length < 30 || local.readUInt32LE(0) !== 0x04034b50) throw new ArchiveError(`ZIP archive is damaged: no local header for the member at byte ${m.offset}`);
    const start = m.offset + 30 + local.readUInt16LE(26) + local.readUInt16LE(28);
    data = await readAt(fd, start, m.compressedSize);
    if (data.length < m.compressedSize) throw new ArchiveError(`ZIP archive is truncated: the member needs ${m.compressedSize} bytes from byte ${start}, the file ends first`);
  } finally {
    await fd.close();
  }
  let out: Uint8Array;
  if (m.method === 0) out = data;
  else {
    try {
      // One byte over the declared size is enough to know it lies.
      out = inflateRawBounded(data, m.size + 1, 'the ZIP member');
    } catch (err) {
      throw new ArchiveError((err as Error).message);
    }
  }
  if (out.length !== m.size) throw new ArchiveError(`ZIP member is damaged: it holds ${out.length} bytes, its directory says ${m.size}`);
  const crc = (zlib as unknown as { crc32?: (d: Uint8Array) => number }).crc32;
  if (crc && crc(out) >>> 0 !== m.crc32 >>> 0) throw new ArchiveError('ZIP member is damaged: its CRC-32 does not match');
  return out;
}
