/**
 * The size limits every decoder checks BEFORE it allocates: a small file must not be able to
 * ask for gigabytes (a "decompression bomb": a 3.6 MB deflated DICOM that inflates to 3.5 GB,
 * a 389 KB PNG that declares 20,000 x 20,000 pixels). Checked from what the file declares
 * (DICOM Rows/Columns/Frames, PNG IHDR, JPEG SOF, JPEG 2000 SIZ) and enforced again while
 * inflating (every inflate is bounded). The numbers are stated in docs/imaging.md.
 */
import { inflateRawSync } from 'node:zlib';
import { Inflate } from 'fflate';
import { PixelError } from './pixelError';

/** Largest frame CareLens decodes: 100 megapixels (a 10,000 x 10,000 image; mammograms are about 25). */
export const MAX_FRAME_PIXELS = 100_000_000;
/** Largest decoded (stored) pixel data of one file, all frames: 1 GiB. Also the cap on an inflated data set. */
export const MAX_DECODED_BYTES = 1024 * 1024 * 1024;
/** What a deflated data set may hold besides its pixel data (header, sequences, trailing elements). */
export const DATA_SET_SLACK_BYTES = 16 * 1024 * 1024;
/** Largest file an import reads (it is held in memory while decoded): the decoded cap plus the slack. */
export const MAX_FILE_BYTES = MAX_DECODED_BYTES + DATA_SET_SLACK_BYTES;
/** A deflated data set without pixel data (a report, a waveform) inflates to at most this. */
export const MAX_NON_IMAGE_DATA_SET_BYTES = 256 * 1024 * 1024;

/** A refusal because of size: the file asks for more memory than CareLens gives one image. */
export class TooLargeError extends PixelError {}

const mp = (n: number) => `${(n / 1e6).toFixed(n < 1e7 ? 1 : 0)} megapixels`;
const mb = (n: number) => `${(n / (1024 * 1024)).toFixed(n < 10 * 1024 * 1024 ? 1 : 0)} MB`;

/** Refuses a frame size over MAX_FRAME_PIXELS (or nonsense sizes) before anything is decoded. */
export function checkFrameSize(width: number, height: number, what: string): void {
  if (!Number.isFinite(width) || !Number.isFinite(height) || width <= 0 || height <= 0) {
    throw new PixelError(`${what} declares an image of ${width}x${height} pixels`);
  }
  const pixels = width * height;
  if (pixels > MAX_FRAME_PIXELS) {
    throw new TooLargeError(`too large: ${what} declares ${width}x${height} pixels (${mp(pixels)}); CareLens decodes at most ${mp(MAX_FRAME_PIXELS)} per frame`);
  }
}

/** Refuses a file whose declared pixel data (all frames) is over MAX_DECODED_BYTES. */
export function checkDecodedBytes(bytes: number, what: string): void {
  if (bytes > MAX_DECODED_BYTES) {
    throw new TooLargeError(`too large: ${what} declares ${mb(bytes)} of decoded pixel data; CareLens decodes at most ${mb(MAX_DECODED_BYTES)} per file`);
  }
}

/**
 * Inflates raw deflate (RFC 1951) data, refusing as soon as the output passes `limit` bytes
 * (zlib stops there: at most `limit` bytes are ever held, whatever the stream would inflate to).
 */
export function inflateRawBounded(data: Uint8Array, limit: number, what: string): Uint8Array {
  try {
    const out = inflateRawSync(data, { maxOutputLength: Math.max(1, Math.min(limit, MAX_DECODED_BYTES + DATA_SET_SLACK_BYTES)) });
    return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
      throw new TooLargeError(`too large: ${what} inflates to more than ${mb(limit)}, more than its header allows (a decompression bomb?)`);
    }
    throw new PixelError(`${what} is corrupt (deflate: ${err instanceof Error ? err.message : String(err)})`);
  }
}

/** The first `want` bytes (or fewer, if the stream is shorter) a raw deflate stream inflates to. */
export function inflateRawPrefix(data: Uint8Array, want: number): Uint8Array {
  const chunks: Uint8Array[] = [];
  let total = 0;
  const inflater = new Inflate((chunk) => {
    if (total >= want) return;
    chunks.push(chunk);
    total += chunk.length;
  });
  const STEP = 4 * 1024;
  try {
    for (let i = 0; i < data.length && total < want; i += STEP) {
      const end = Math.min(data.length, i + STEP);
      inflater.push(data.subarray(i, end), end === data.length);
    }
  } catch {
    // a corrupt stream: what was inflated so far is the prefix
  }
  const out = new Uint8Array(Math.min(total, want));
  let o = 0;
  for (const c of chunks) {
    if (o >= out.length) break;
    const part = c.subarray(0, out.length - o);
    out.set(part, o);
    o += part.length;
  }
  return out;
}

/** PNG: width and height from the IHDR chunk (bytes 16-23), or null when there is none. */
export function pngSize(bytes: Uint8Array): { width: number; height: number } | null {
  if (bytes.length < 24 || bytes[12] !== 0x49 || bytes[13] !== 0x48 || bytes[14] !== 0x44 || bytes[15] !== 0x52) return null;
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return { width: v.getUint32(16), height: v.getUint32(20) };
}

/**
 * JPEG (any process, including JPEG-LS SOF55): width and height from the first start-of-frame
 * marker, or null when none is found.
 */
export function jpegSize(data: Uint8Array): { width: number; height: number } | null {
  let i = 2;
  while (i + 8 < data.length) {
    if (data[i] !== 0xff) {
      i++;
      continue;
    }
    const marker = data[i + 1]!;
    if (((marker >= 0xc0 && marker <= 0xcf) || marker === 0xf7) && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      return { height: (data[i + 5]! << 8) | data[i + 6]!, width: (data[i + 7]! << 8) | data[i + 8]! };
    }
    if (marker === 0xd8 || marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7) || marker === 0xff) {
      i += marker === 0xff ? 1 : 2;
      continue;
    }
    i += 2 + ((data[i + 2]! << 8) | data[i + 3]!);
  }
  return null;
}

/** JPEG 2000: the image size in the SIZ marker (FF51) of a codestream, or null. */
export function j2kSize(data: Uint8Array): { width: number; height: number } | null {
  const start = j2kCodestreamStart(data);
  if (start < 0 || start + 22 > data.length) return null;
  const v = new DataView(data.buffer, data.byteOffset + start, data.byteLength - start);
  if (v.getUint16(2) !== 0xff51) return null;
  // SIZ: Lsiz(2) Rsiz(2) Xsiz(4) Ysiz(4) XOsiz(4) YOsiz(4)
  const xsiz = v.getUint32(8);
  const ysiz = v.getUint32(12);
  const xo = v.getUint32(16);
  const yo = v.getUint32(20);
  return { width: xsiz - xo, height: ysiz - yo };
}

/** Where a JPEG 2000 codestream's SOC + SIZ markers (FF4F FF51) start, or -1. */
export function j2kCodestreamStart(data: Uint8Array, searchLimit = 4096): number {
  const end = Math.min(data.length - 3, searchLimit);
  for (let i = 0; i < end; i++) {
    if (data[i] === 0xff && data[i + 1] === 0x4f && data[i + 2] === 0xff && data[i + 3] === 0x51) return i;
  }
  return -1;
}
