/**
 * Native (uncompressed) pixel data: one frame's stored values read out of the bytes, in
 * whatever width, sign and byte order the header declares.
 */
import type { DataSet } from 'dicom-parser';
import { PixelError } from './pixelError';

/** One frame of Float (7FE0,0008) or Double Float (7FE0,0009) Pixel Data. */
export function readFloatPixels(ds: DataSet, double: boolean, n: number, frame: number): Float64Array | Float32Array {
  const el = ds.elements[double ? 'x7fe00009' : 'x7fe00008']!;
  const size = double ? 8 : 4;
  const start = el.dataOffset + frame * n * size;
  if (start + n * size > ds.byteArray.length) throw truncated(start + n * size, ds.byteArray.length);
  const view = new DataView(ds.byteArray.buffer, ds.byteArray.byteOffset + start, n * size);
  const out = double ? new Float64Array(n) : new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = double ? view.getFloat64(i * 8, true) : view.getFloat32(i * 4, true);
  return out;
}

function truncated(needed: number, have: number): PixelError {
  return new PixelError(`truncated: pixel data ends at byte ${have} of ${needed}`);
}

/** One frame of the data set's own (integer) Pixel Data element. */
export function readNative(ds: DataSet, samples: number, bitsAllocated: number, signed: boolean, frame: number, bigEndian: boolean): ArrayLike<number> {
  const el = ds.elements.x7fe00010!;
  return readNativeBytes(ds.byteArray, el.dataOffset, samples, bitsAllocated, signed, frame, bigEndian);
}

/** One frame of native pixel data starting at `offset` (also a frame inflated on its own). */
export function readNativeBytes(bytes: Uint8Array, offset: number, samples: number, bitsAllocated: number, signed: boolean, frame: number, bigEndian: boolean): ArrayLike<number> {
  if (bitsAllocated === 1) {
    // Bit-packed frames need not start on a byte boundary: count in bits from the element's start.
    const firstBit = frame * samples;
    const lastByte = offset + Math.ceil((firstBit + samples) / 8);
    if (lastByte > bytes.length) throw truncated(lastByte, bytes.length);
    const out = new Uint8Array(samples);
    for (let i = 0; i < samples; i++) {
      const bit = firstBit + i;
      out[i] = (bytes[offset + (bit >> 3)]! >> (bit & 7)) & 1;
    }
    return out;
  }
  const size = bitsAllocated / 8;
  if (![1, 2, 4].includes(size)) throw new PixelError(`Bits Allocated ${bitsAllocated} is not supported`);
  const start = offset + frame * samples * size;
  const end = start + samples * size;
  if (end > bytes.length) throw truncated(end, bytes.length);
  return bytesToValues(bytes.subarray(start, end), samples, bitsAllocated, signed, bigEndian);
}

/** Samples of 8, 16 or 32 bits. 8-bit samples are a view of `bytes` (not a copy): do not write to them. */
export function bytesToValues(bytes: Uint8Array, samples: number, bits: number, signed: boolean, bigEndian: boolean): ArrayLike<number> {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bits === 8) return signed ? new Int8Array(bytes.buffer, bytes.byteOffset, samples) : bytes.subarray(0, samples);
  if (bits === 16) {
    const out = signed ? new Int16Array(samples) : new Uint16Array(samples);
    for (let i = 0; i < samples; i++) out[i] = signed ? view.getInt16(i * 2, !bigEndian) : view.getUint16(i * 2, !bigEndian);
    return out;
  }
  const out = signed ? new Int32Array(samples) : new Uint32Array(samples);
  for (let i = 0; i < samples; i++) out[i] = signed ? view.getInt32(i * 4, !bigEndian) : view.getUint32(i * 4, !bigEndian);
  return out;
}
