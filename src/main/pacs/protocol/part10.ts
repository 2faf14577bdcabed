/**
 * Part-10 framing without decoding: read the File Meta Information (group 2), check that
 * the data set's elements are whole (a truncated transfer is caught here, before anything
 * reaches the store), and build a meta header for a raw data set received over DIMSE.
 * Only element headers are walked; values (pixel data included) are skipped, never copied.
 */
import zlib from 'node:zlib';
import { MAX_FILE_BYTES } from '../../imaging/limits';
import { PacsError } from './types';

export interface Part10Info {
  sopClassUid: string;
  /** From the meta header; '' when it lacks one. */
  sopInstanceUid: string;
  transferSyntaxUid: string;
  /** Offset of the data set after the meta group. */
  datasetOffset: number;
}

const IMPLICIT_LE = '1.2.840.10008.1.2';
const EXPLICIT_BE = '1.2.840.10008.1.2.2';
const DEFLATED = ['1.2.840.10008.1.2.1.99', '1.2.840.10008.1.2.4.95'];
/** VRs whose explicit encoding has a 2-byte reserved field and a 4-byte length. */
const LONG_VRS = new Set(['OB', 'OD', 'OF', 'OL', 'OV', 'OW', 'SQ', 'SV', 'UC', 'UN', 'UR', 'UT', 'UV']);
const UNDEFINED = 0xffffffff;

function uidString(buf: Buffer, start: number, len: number): string {
  return buf.toString('latin1', start, start + len).replace(/[\0\s]+$/, '');
}

function truncated(what: string): PacsError {
  return new PacsError(`The instance is truncated or malformed (${what}).`, 'malformed');
}

/** Reads and checks a Part-10 instance; throws PacsError('malformed') when it is not whole. */
export function checkPart10(buf: Buffer): Part10Info {
  if (buf.length < 132 || buf.toString('latin1', 128, 132) !== 'DICM') throw truncated('no DICM preamble');
  let off = 132;
  let sopClassUid = '';
  let sopInstanceUid = '';
  let transferSyntaxUid = '';
  while (off + 8 <= buf.length && buf.readUInt16LE(off) === 0x0002) {
    const element = buf.readUInt16LE(off + 2);
    const vr = buf.toString('latin1', off + 4, off + 6);
    let len: number;
    let head: number;
    if (LONG_VRS.has(vr)) {
      if (off + 12 > buf.length) throw truncated('meta header cut');
      len = buf.readUInt32LE(off + 8);
      head = 12;
    } else {
      len = buf.readUInt16LE(off + 6);
      head = 8;
    }
    if (off + head + len > buf.length) throw truncated('meta header cut');
    if (element === 0x0002) sopClassUid = uidString(buf, off + head, len);
    if (element === 0x0003) sopInstanceUid = uidString(buf, off + head, len);
    if (element === 0x0010) transferSyntaxUid = uidString(buf, off + head, len);
    off += head + len;
  }
  if (!transferSyntaxUid) throw truncated('no transfer syntax in the meta header');
  const datasetOffset = off;
  const ids: DatasetIds = {};
  if (!DEFLATED.includes(transferSyntaxUid)) {
    walkDataset(buf, off, buf.length, transferSyntaxUid !== IMPLICIT_LE, transferSyntaxUid === EXPLICIT_BE, 0, ids);
  } else {
    let inflated: Buffer;
    try {
      // Bounded like every inflate in CareLens (imaging/limits.ts): a deflated data set from a
      // hostile or broken PACS cannot grow past what an import would accept.
      inflated = zlib.inflateRawSync(buf.subarray(datasetOffset), { maxOutputLength: MAX_FILE_BYTES });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
        throw truncated(`the deflated data set inflates to more than ${Math.round(MAX_FILE_BYTES / 1048576)} MB (a decompression bomb?)`);
      }
      throw truncated('the deflated data set does not inflate');
    }
    if (transferSyntaxUid === DEFLATED[0]) walkDataset(inflated, 0, inflated.length, true, false, 0, ids);
  }
  // The data set's own UIDs win over the meta header's (some archives hold files whose meta disagrees).
  sopClassUid = ids.sopClassUid ?? sopClassUid;
  sopInstanceUid = ids.sopInstanceUid ?? sopInstanceUid;
  return { sopClassUid, sopInstanceUid, transferSyntaxUid, datasetOffset };
}

/**
 * Checks an instance and returns it as Part-10: a whole Part-10 file as it is (no copy), or a
 * bare little-endian data set (as some archives store and serve them) wrapped in a meta header.
 */
export function normalizePart10(buf: Buffer): { part10: Buffer; info: Part10Info } {
  if (buf.length >= 132 && buf.toString('latin1', 128, 132) === 'DICM') return { part10: buf, info: checkPart10(buf) };
  if (buf.length < 8 || buf.readUInt16LE(0) === 0 || buf.readUInt16LE(0) > 0x0008) throw truncated('no DICM preamble');
  const vr = buf.toString('latin1', 4, 6);
  const explicit = /^[A-Z]{2}$/.test(vr);
  const ids: DatasetIds = {};
  walkDataset(buf, 0, buf.length, explicit, false, 0, ids);
  if (!ids.sopClassUid || !ids.sopInstanceUid) throw truncated('a bare data set without SOP Class and Instance UIDs');
  const ts = explicit ? '1.2.840.10008.1.2.1' : IMPLICIT_LE;
  const meta = buildMetaHeader(ids.sopClassUid, ids.sopInstanceUid, ts);
  return { part10: Buffer.concat([meta, buf]), info: { sopClassUid: ids.sopClassUid, sopInstanceUid: ids.sopInstanceUid, transferSyntaxUid: ts, datasetOffset: meta.length } };
}

interface DatasetIds {
  sopClassUid?: string;
  sopInstanceUid?: string;
}

/** Walks elements from off to end; returns the offset after the last one (or after an item/sequence delimiter when nested). */
function walkDataset(buf: Buffer, start: number, end: number, explicit: boolean, bigEndian: boolean, depth: number, ids?: DatasetIds): number {
  if (depth > 32) throw truncated('sequences nested too deep');
  let off = start;
  const u16 = (o: number): number => (bigEndian ? buf.readUInt16BE(o) : buf.readUInt16LE(o));
  const u32 = (o: number): number => (bigEndian ? buf.readUInt32BE(o) : buf.readUInt32LE(o));
  while (off < end) {
    if (off + 8 > end) throw truncated(`element header cut at byte ${off}`);
    const group = u16(off);
    const element = u16(off + 2);
    // Item delimiter / sequence delimiter (always implicit, 4-byte length): end of an undefined-length item or sequence.
    if (group === 0xfffe) {
      if (element === 0xe00d || element === 0xe0dd) return off + 8;
      throw truncated(`unexpected item tag at byte ${off}`);
    }
    let len: number;
    let head: number;
    let vr = '';
    if (explicit) {
      vr = buf.toString('latin1', off + 4, off + 6);
      if (LONG_VRS.has(vr)) {
        if (off + 12 > end) throw truncated(`element header cut at byte ${off}`);
        len = u32(off + 8);
        head = 12;
      } else {
        len = u16(off + 6);
        head = 8;
      }
    } else {
      len = u32(off + 4);
      head = 8;
    }
    off += head;
    if (len === UNDEFINED) {
      // A sequence, or encapsulated pixel data (items then a sequence delimiter).
      const isPixelData = group === 0x7fe0 && element === 0x0010;
      off = walkItems(buf, off, end, explicit && !(vr === 'UN'), bigEndian, depth + 1, isPixelData);
      continue;
    }
    if (off + len > end) throw truncated(`element (${group.toString(16)},${element.toString(16)}) needs ${len} bytes, ${end - off} left`);
    if (ids && group === 0x0008 && (element === 0x0016 || element === 0x0018)) {
      ids[element === 0x0016 ? 'sopClassUid' : 'sopInstanceUid'] = uidString(buf, off, len);
    }
    off += len;
  }
  return off;
}

/** Walks the items of an undefined-length sequence (or pixel fragments) up to its delimiter. */
function walkItems(buf: Buffer, start: number, end: number, explicit: boolean, bigEndian: boolean, depth: number, fragments: boolean): number {
  let off = start;
  const u16 = (o: number): number => (bigEndian ? buf.readUInt16BE(o) : buf.readUInt16LE(o));
  const u32 = (o: number): number => (bigEndian ? buf.readUInt32BE(o) : buf.readUInt32LE(o));
  for (;;) {
    if (off + 8 > end) throw truncated(`sequence cut at byte ${off}`);
    const group = u16(off);
    const element = u16(off + 2);
    const len = u32(off + 4);
    if (group !== 0xfffe) throw truncated(`expected an item at byte ${off}`);
    off += 8;
    if (element === 0xe0dd) return off; // sequence delimiter
    if (element !== 0xe000) throw truncated(`unexpected tag in a sequence at byte ${off - 8}`);
    if (len === UNDEFINED) {
      if (fragments) throw truncated('undefined-length pixel fragment');
      off = walkDataset(buf, off, end, explicit, bigEndian, depth + 1);
      continue;
    }
    if (off + len > end) throw truncated(`item needs ${len} bytes, ${end - off} left`);
    off += len;
  }
}

/** The Implementation Class UID written in meta headers built here. */
export const CARELENS_IMPLEMENTATION_UID = '1.2.826.0.1.3680043.10.1482.1';
const CARELENS_IMPLEMENTATION_VERSION = 'CARELENS_01';

function metaElement(element: number, vr: string, value: Buffer): Buffer {
  const long = LONG_VRS.has(vr);
  const head = Buffer.alloc(long ? 12 : 8);
  head.writeUInt16LE(0x0002, 0);
  head.writeUInt16LE(element, 2);
  head.write(vr, 4, 'latin1');
  if (long) head.writeUInt32LE(value.length, 8);
  else head.writeUInt16LE(value.length, 6);
  return Buffer.concat([head, value]);
}

function padded(text: string, pad: number): Buffer {
  const b = Buffer.from(text, 'latin1');
  return b.length % 2 ? Buffer.concat([b, Buffer.from([pad])]) : b;
}

/** Preamble + File Meta Information for a raw data set (the caller appends the data set bytes). */
export function buildMetaHeader(sopClassUid: string, sopInstanceUid: string, transferSyntaxUid: string): Buffer {
  const elements = Buffer.concat([
    metaElement(0x0001, 'OB', Buffer.from([0, 1])),
    metaElement(0x0002, 'UI', padded(sopClassUid, 0)),
    metaElement(0x0003, 'UI', padded(sopInstanceUid, 0)),
    metaElement(0x0010, 'UI', padded(transferSyntaxUid, 0)),
    metaElement(0x0012, 'UI', padded(CARELENS_IMPLEMENTATION_UID, 0)),
    metaElement(0x0013, 'SH', padded(CARELENS_IMPLEMENTATION_VERSION, 0x20)),
  ]);
  const groupLength = Buffer.alloc(4);
  groupLength.writeUInt32LE(elements.length, 0);
  const preamble = Buffer.alloc(132);
  preamble.write('DICM', 128, 'latin1');
  return Buffer.concat([preamble, metaElement(0x0000, 'UL', groupLength), elements]);
}
