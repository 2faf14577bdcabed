/**
 * Colour pixel data to interleaved 8-bit RGB: RGB and YBR samples (interleaved, planar or
 * native 4:2:2) and PALETTE COLOR indices through the file's lookup tables.
 */
import type { DataSet } from 'dicom-parser';
import { PixelError } from './pixelError';

/** Three samples per pixel to 8-bit RGB; samples allocated more than 8 bits keep their top 8 allocated bits. */
export function toRgb8(values: ArrayLike<number>, n: number, planar: boolean, bitsAllocated: number, photometric: string): Uint8Array {
  const shift = bitsAllocated > 8 ? bitsAllocated - 8 : 0;
  const out = new Uint8Array(n * 3);
  if (photometric === 'YBR_FULL_422' && values.length < n * 3) {
    // Native 4:2:2: Y1 Y2 Cb Cr per pair of pixels.
    for (let p = 0; p < n; p += 2) {
      const o = p * 2;
      const cb = values[o + 2]!, cr = values[o + 3]!;
      ybr(out, p * 3, values[o]!, cb, cr);
      if (p + 1 < n) ybr(out, (p + 1) * 3, values[o + 1]!, cb, cr);
    }
    return out;
  }
  for (let p = 0; p < n; p++) {
    // >>> and a mask: 32-bit samples above 2^31 must not turn negative.
    const a = ((planar ? values[p] : values[p * 3])! >>> shift) & 0xff;
    const b = ((planar ? values[p + n] : values[p * 3 + 1])! >>> shift) & 0xff;
    const c = ((planar ? values[p + 2 * n] : values[p * 3 + 2])! >>> shift) & 0xff;
    if (photometric.startsWith('YBR_FULL')) ybr(out, p * 3, a, b, c);
    else {
      out[p * 3] = a;
      out[p * 3 + 1] = b;
      out[p * 3 + 2] = c;
    }
  }
  return out;
}

/** Rounds to the nearest 8-bit value, saturating. */
export function clamp8(v: number): number {
  return v < 0 ? 0 : v > 255 ? 255 : Math.round(v);
}

function ybr(out: Uint8Array, o: number, y: number, cb: number, cr: number): void {
  out[o] = clamp8(y + 1.402 * (cr - 128));
  out[o + 1] = clamp8(y - 0.344136 * (cb - 128) - 0.714136 * (cr - 128));
  out[o + 2] = clamp8(y + 1.772 * (cb - 128));
}

/** PALETTE COLOR: each stored index through the red, green and blue lookup tables. */
export function applyPalette(ds: DataSet, values: ArrayLike<number>, n: number, bitsStored: number, signed: boolean): Uint8Array {
  const luts = (['x00281201', 'x00281202', 'x00281203'] as const).map((dataTag, i) => readLut(ds, i, dataTag));
  const out = new Uint8Array(n * 3);
  const mask = (1 << bitsStored) - 1;
  for (let c = 0; c < 3; c++) {
    const { table, first } = luts[c]!;
    const last = table.length - 1;
    for (let p = 0; p < n; p++) {
      let v = values[p]! & mask;
      if (signed && v & (1 << (bitsStored - 1))) v -= 1 << bitsStored;
      const i = v - first;
      out[p * 3 + c] = table[i < 0 ? 0 : i > last ? last : i]!;
    }
  }
  return out;
}

/** One palette LUT as 8-bit entries; segmented LUTs (PS3.3 C.7.9.2) are expanded. */
function readLut(ds: DataSet, channel: number, dataTag: string): { table: Uint8Array; first: number } {
  const descTag = ['x00281101', 'x00281102', 'x00281103'][channel]!;
  const segTag = ['x00281221', 'x00281222', 'x00281223'][channel]!;
  const desc = ds.elements[descTag];
  if (!desc) throw new PixelError('missing element: the palette colour lookup table descriptor (0028,1101-1103)');
  const count = ds.uint16(descTag, 0) || 65536;
  // The first mapped value is US or SS depending on Pixel Representation; read it as stored.
  const first = ds.uint16(descTag, 1) ?? 0;
  const bits = ds.uint16(descTag, 2) ?? 16;
  const el = ds.elements[dataTag];
  let words: number[];
  if (el && el.length > 0) {
    if (bits === 8 && el.length === count) {
      words = Array.from(ds.byteArray.subarray(el.dataOffset, el.dataOffset + count));
    } else {
      words = [];
      for (let i = 0; i < Math.min(count, el.length >> 1); i++) words.push(ds.uint16(dataTag, i) ?? 0);
    }
  } else if (ds.elements[segTag]) {
    const seg = ds.elements[segTag]!;
    const raw: number[] = [];
    for (let i = 0; i < seg.length >> 1; i++) raw.push(ds.uint16(segTag, i) ?? 0);
    words = expandSegmented(raw, count);
  } else {
    throw new PixelError('missing element: the palette colour lookup table data (0028,1201-1203)');
  }
  let max = 0;
  for (const w of words) if (w > max) max = w;
  const shift = bits === 16 || max > 255 ? 8 : 0;
  return { table: Uint8Array.from(words, (w) => w >> shift), first };
}

function expandSegmented(raw: number[], count: number): number[] {
  const out: number[] = [];
  let i = 0;
  while (i < raw.length && out.length < count) {
    const type = raw[i++]!;
    const len = raw[i++] ?? 0;
    if (type === 0) {
      for (let k = 0; k < len; k++) out.push(raw[i++] ?? 0);
    } else if (type === 1) {
      const y0 = out.length > 0 ? out[out.length - 1]! : 0;
      const y1 = raw[i++] ?? 0;
      for (let k = 1; k <= len; k++) out.push(Math.round(y0 + ((y1 - y0) * k) / len));
    } else if (type === 2) {
      // Indirect segments copy earlier segments; rare enough to refuse plainly.
      throw new PixelError('segmented palette with indirect segments is not supported');
    } else {
      throw new PixelError(`segmented palette has an unknown segment type ${type}`);
    }
  }
  while (out.length < count) out.push(out[out.length - 1] ?? 0);
  return out;
}
