/**
 * Transfer syntax UID -> how one frame's stored samples are got at. One table, so that
 * supporting a syntax is one entry and every syntax outside it is refused in one place.
 */
import * as dicomParser from 'dicom-parser';
import type { DataSet, Element } from 'dicom-parser';
import { decodeRle, inflateFrame, jpegPrecision, type CodecOutput, type Codecs } from './codecs';
import { TS } from './dicom';
import { checkFrameSize, j2kSize, jpegSize } from './limits';
import { bytesToValues, readNative, readNativeBytes } from './nativePixels';
import { PixelError } from './pixelError';

/** One frame of integer pixel data, as the header describes it. */
export interface FrameRequest {
  ds: DataSet;
  frame: number;
  frames: number;
  rows: number;
  cols: number;
  samplesPerPixel: number;
  bitsAllocated: number;
  bitsStored: number;
  signed: boolean;
  /** Planar Configuration 1 in the header. */
  planar: boolean;
  photometric: string;
  codecs: Codecs;
  /** JPEG 2000 frames at least 4x this on the long side: decode a lower resolution level, still at least this size. */
  previewSize?: number;
}

/** One frame's samples, as the syntax's decoder left them. */
export interface FrameValues {
  values: ArrayLike<number>;
  /** Colour planes one after another rather than interleaved. */
  planar: boolean;
  /** The codec has already undone the colour transform: colour samples are RGB, whatever the header says. */
  alreadyRgb: boolean;
  /** The header's size, or smaller for a reduced JPEG 2000 preview. */
  width: number;
  height: number;
}

/** Native syntaxes are read in place; encapsulated ones decode one frame's compressed bytes. */
export type TransferSyntax =
  | { encapsulated: false; bigEndian: boolean }
  | { encapsulated: true; decode(bytes: Uint8Array, r: FrameRequest): FrameValues | Promise<FrameValues> };

const LITTLE_ENDIAN: TransferSyntax = { encapsulated: false, bigEndian: false };
const RLE: TransferSyntax = { encapsulated: true, decode: decodeRleFrame };
const DEFLATED_FRAME: TransferSyntax = { encapsulated: true, decode: decodeDeflatedFrame };
const JPEG: TransferSyntax = { encapsulated: true, decode: decodeJpeg };
const JPEG_LOSSLESS: TransferSyntax = {
  encapsulated: true,
  decode: (bytes, r) => {
    checkCodestreamSize(jpegSize(bytes), r, 'JPEG lossless');
    return checked(r.codecs.jpegLossless(bytes, r.bitsAllocated), r, false);
  },
};
const JPEG_LS: TransferSyntax = {
  encapsulated: true,
  decode: async (bytes, r) => {
    checkCodestreamSize(jpegSize(bytes), r, 'JPEG-LS');
    return checked(await r.codecs.jpegLs(bytes), r, false);
  },
};
const JPEG_2000: TransferSyntax = { encapsulated: true, decode: decodeJpeg2000 };

/** Every transfer syntax CareLens decodes. A Map, not an object: a UID read from a file must never hit a prototype key. */
export const TRANSFER_SYNTAXES: ReadonlyMap<string, TransferSyntax> = new Map<string, TransferSyntax>([
  [TS.implicitLE, LITTLE_ENDIAN],
  [TS.explicitLE, LITTLE_ENDIAN],
  // dicom-parser inflates a deflated data set while parsing: its pixel data is then native.
  [TS.deflatedLE, LITTLE_ENDIAN],
  [TS.explicitBE, { encapsulated: false, bigEndian: true }],
  [TS.rle, RLE],
  [TS.deflatedImageFrame, DEFLATED_FRAME],
  [TS.jpegBaseline, JPEG],
  [TS.jpegExtended, JPEG],
  [TS.jpegSpectral, JPEG],
  [TS.jpegProgressive, JPEG],
  [TS.jpegLossless14, JPEG_LOSSLESS],
  [TS.jpegLosslessSV1, JPEG_LOSSLESS],
  [TS.jpegLsLossless, JPEG_LS],
  [TS.jpegLsNear, JPEG_LS],
  [TS.j2kLossless, JPEG_2000],
  [TS.j2k, JPEG_2000],
  [TS.htj2kLossless, JPEG_2000],
  [TS.htj2kRpcl, JPEG_2000],
  [TS.htj2k, JPEG_2000],
]);

/** One frame's samples in transfer syntax `ts`; PixelError names the syntax when it is not supported. */
export async function decodeFrameValues(ts: string, r: FrameRequest): Promise<FrameValues> {
  const syntax = TRANSFER_SYNTAXES.get(ts);
  if (syntax && !syntax.encapsulated) {
    const values = readNative(r.ds, r.rows * r.cols * samplesStored(r), r.bitsAllocated, r.signed, r.frame, syntax.bigEndian);
    return { values, planar: r.planar, alreadyRgb: false, width: r.cols, height: r.rows };
  }
  // A syntax outside the table is presumed compressed, so pixel data that is not even
  // encapsulated (or has no such frame) is reported as that before "not supported".
  const el = r.ds.elements.x7fe00010!;
  if (!el.encapsulatedPixelData) throw new PixelError(`transfer syntax ${ts} says compressed, but the pixel data is not encapsulated`);
  const bytes = encapsulatedFrame(r.ds, el, r.frame, r.frames);
  if (!syntax) throw new PixelError(`transfer syntax ${ts} is not supported`);
  return syntax.decode(bytes, r);
}

/**
 * Samples per pixel as stored: native YBR_FULL_422 keeps two luma samples and one Cb, Cr
 * pair for every two pixels (PS3.3 C.7.6.3.1.2), i.e. 2 samples per pixel, not 3.
 */
export function samplesStored(r: Pick<FrameRequest, 'photometric' | 'samplesPerPixel'>): number {
  return r.photometric === 'YBR_FULL_422' && r.samplesPerPixel === 3 ? 2 : r.samplesPerPixel;
}

/**
 * The fragments of encapsulated pixel data. dicom-parser stops at the first item that is not a
 * fragment (an Item Delimitation Item some writers put between fragments, a stray tag) and takes
 * the rest of the file as one last fragment; this re-reads the items, skipping empty
 * delimitation items and stopping at the Sequence Delimitation Item.
 */
function fragmentsOf(ds: DataSet, el: Element): NonNullable<Element['fragments']> {
  const given = el.fragments ?? [];
  const bytes = ds.byteArray;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let pos = el.dataOffset;
  if (pos + 8 > bytes.length) return given;
  const botLength = view.getUint32(pos + 4, true);
  pos += 8 + botLength;
  const base = pos;
  const out: NonNullable<Element['fragments']> = [];
  while (pos + 8 <= bytes.length) {
    const group = view.getUint16(pos, true);
    const element = view.getUint16(pos + 2, true);
    const length = view.getUint32(pos + 4, true);
    if (group !== 0xfffe) break;
    if (element === 0xe0dd) break;
    if (element === 0xe00d) {
      pos += 8; // an Item Delimitation Item: no value, not a fragment
      continue;
    }
    if (element !== 0xe000 || length === 0xffffffff) break;
    out.push({ offset: pos - base, position: pos + 8, length: Math.min(length, bytes.length - pos - 8) });
    pos += 8 + length;
  }
  if (out.length === 0 || (out.length === given.length && out.every((f, i) => f.position === given[i]!.position && f.length === given[i]!.length))) return given;
  return out;
}

/** The bytes of one compressed frame, whatever the fragment / offset-table layout. */
function encapsulatedFrame(ds: DataSet, given: Element, frame: number, frames: number): Uint8Array {
  const fragments = fragmentsOf(ds, given);
  const el = fragments === given.fragments ? given : { ...given, fragments };
  if (fragments.length === 0) throw new PixelError('the compressed pixel data holds no fragments');
  for (const f of fragments) {
    if (f.position + f.length > ds.byteArray.length) throw new PixelError(`truncated: compressed pixel data ends at byte ${ds.byteArray.length} of ${f.position + f.length}`);
  }
  try {
    if (frames === 1) return dicomParser.readEncapsulatedPixelDataFromFragments(ds, el, 0, fragments.length);
    const bot = el.basicOffsetTable ?? [];
    if (bot.length > 0) return dicomParser.readEncapsulatedImageFrame(ds, el, frame);
    if (fragments.length === frames) return dicomParser.readEncapsulatedPixelDataFromFragments(ds, el, frame, 1);
    return dicomParser.readEncapsulatedImageFrame(ds, el, frame, dicomParser.createJPEGBasicOffsetTable(ds, el));
  } catch (err) {
    throw new PixelError(`cannot find frame ${frame + 1} in the compressed pixel data (${err instanceof Error ? err.message : String(err)})`);
  }
}

function decodeRleFrame(bytes: Uint8Array, r: FrameRequest): FrameValues {
  // One segment per byte of each sample: 1, 2 or 4 bytes (32 bits allocated: 4 segments per sample, 12 for RGB).
  const bytesPerSample = r.bitsAllocated > 16 ? 4 : r.bitsAllocated > 8 ? 2 : 1;
  if (r.bitsAllocated > 32) throw new PixelError(`RLE with Bits Allocated ${r.bitsAllocated} is not supported (at most 32)`);
  const raw = decodeRle(bytes, r.cols, r.rows, r.samplesPerPixel, bytesPerSample);
  // decodeRle returns little-endian colour planes, whatever the header's Planar Configuration.
  const values = bytesToValues(raw, r.rows * r.cols * r.samplesPerPixel, bytesPerSample * 8, r.signed, false);
  return { values, planar: true, alreadyRgb: false, width: r.cols, height: r.rows };
}

function decodeDeflatedFrame(bytes: Uint8Array, r: FrameRequest): FrameValues {
  const samples = r.rows * r.cols * samplesStored(r);
  // Bounded: a frame inflates to exactly its declared size (bit-packed frames to whole bytes), plus a padding byte.
  const expected = r.bitsAllocated === 1 ? Math.ceil(samples / 8) : samples * (r.bitsAllocated / 8);
  const values = readNativeBytes(inflateFrame(bytes, expected + 1), 0, samples, r.bitsAllocated, r.signed, 0, false);
  return { values, planar: r.planar, alreadyRgb: false, width: r.cols, height: r.rows };
}

/** Refuses a codestream whose own size is over the limit or disagrees with the header, before decoding it. */
function checkCodestreamSize(size: { width: number; height: number } | null, r: FrameRequest, what: string): void {
  if (!size) return;
  checkFrameSize(size.width, size.height, `the ${what} codestream`);
  if (size.width !== r.cols || size.height !== r.rows) throw new PixelError(`the compressed frame is ${size.width}x${size.height} but the header says ${r.cols}x${r.rows}`);
}

async function decodeJpeg(bytes: Uint8Array, r: FrameRequest): Promise<FrameValues> {
  checkCodestreamSize(jpegSize(bytes), r, 'JPEG');
  const precision = jpegPrecision(bytes);
  const out =
    precision !== null && precision > 8
      ? await r.codecs.jpeg12(bytes, { width: r.cols, height: r.rows, bitsAllocated: r.bitsAllocated, bitsStored: r.bitsStored, samples: r.samplesPerPixel, signed: r.signed, photometric: r.photometric })
      : await r.codecs.jpeg8(bytes);
  return checked(out, r, r.samplesPerPixel === 3);
}

async function decodeJpeg2000(given: Uint8Array, r: FrameRequest): Promise<FrameValues> {
  // Some writers leave an extra item (an empty or stale fragment, a copy of the offset table)
  // before the codestream: start at the SOC marker, or the JP2 signature box.
  const bytes = jpeg2000Start(given);
  checkCodestreamSize(j2kSize(bytes), r, 'JPEG 2000');
  let reduce = 0;
  // Only frames at least 4x the preview size get one (a 512x512 CT decodes in full at once).
  if (r.previewSize && Math.max(r.cols, r.rows) >= 4 * r.previewSize) while (Math.max(r.cols, r.rows) / 2 ** (reduce + 1) >= r.previewSize) reduce++;
  const out = await r.codecs.jpeg2000(bytes, reduce);
  // The codec decodes in full when the codestream has fewer levels than asked for.
  const reduced = reduce > 0 && out.width === Math.ceil(r.cols / 2 ** reduce) && out.height === Math.ceil(r.rows / 2 ** reduce);
  return checked(out, reduced ? { cols: out.width, rows: out.height } : r, r.samplesPerPixel === 3);
}

const JP2_SIGNATURE = [0x00, 0x00, 0x00, 0x0c, 0x6a, 0x50, 0x20, 0x20];

/** The frame from its JPEG 2000 codestream (SOC, FF4F FF51) or JP2 file signature on. */
function jpeg2000Start(bytes: Uint8Array): Uint8Array {
  if (bytes[0] === 0xff && bytes[1] === 0x4f) return bytes;
  if (JP2_SIGNATURE.every((b, i) => bytes[i] === b)) return bytes;
  for (let i = 1; i + 8 < bytes.length; i++) {
    if (bytes[i] === 0xff && bytes[i + 1] === 0x4f && bytes[i + 2] === 0xff && bytes[i + 3] === 0x51) return bytes.subarray(i);
    if (bytes[i] === 0x00 && JP2_SIGNATURE.every((b, k) => bytes[i + k] === b)) return bytes.subarray(i);
  }
  throw new PixelError('the JPEG 2000 frame holds no codestream (no SOC marker FF4F FF51 and no JP2 signature)');
}

/**
 * A codec's output, refused if its size disagrees with the header's. JPEG and JPEG 2000
 * decoders undo the colour transform (`alreadyRgb`); JPEG lossless and JPEG-LS do not.
 */
function checked(out: CodecOutput, size: { cols: number; rows: number }, alreadyRgb: boolean): FrameValues {
  if (out.width !== size.cols || out.height !== size.rows) throw new PixelError(`the compressed frame is ${out.width}x${out.height} but the header says ${size.cols}x${size.rows}`);
  return { values: out.pixels, planar: Boolean(out.planar), alreadyRgb, width: size.cols, height: size.rows };
}
