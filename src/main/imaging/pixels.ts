/**
 * Pixel decoding: from a stored file (DICOM in any supported transfer syntax, PNG, JPEG) to
 * one frame of values a viewer or a model can use. This is the API other features call:
 *
 * - `decodeStoredImage(core, imageId, frame?, codecs?)` -> `DecodedImage`
 * - `decodeImageBytes(bytes, frame?, codecs?)` -> `DecodedImage`
 * - `toGray8(decoded, size?)` -> 8-bit grey, windowed, MONOCHROME1 inverted, optionally resized
 *
 * Grey images carry modality values (after rescale slope/intercept) as a Float32Array; colour
 * images (RGB, YBR, palette) are converted to interleaved 8-bit RGB.
 */
import fs from 'node:fs';
import { PNG } from 'pngjs';
import * as dicomParser from 'dicom-parser';
import type { DataSet, Element } from 'dicom-parser';
import type { Core } from '../core/Core';
import { AppError } from '../../shared/ipc/envelope';
import { Codecs, CodecError, decodeRle, inflateFrame, jpegPrecision, type CodecOutput } from './codecs';
import { DicomError, parseDicom, TS, type ParsedDicom } from './dicom';
import { sniff } from './sniff';
import { storePath } from './store';

export interface DecodedImage {
  width: number;
  height: number;
  /** 1 = grey (data holds modality values), 3 = colour (data holds interleaved 8-bit RGB). */
  samples: 1 | 3;
  /** The photometric interpretation as stored (MONOCHROME1/2, RGB, YBR_FULL, PALETTE COLOR ...). */
  photometric: string;
  data: Float32Array | Uint8Array;
  /** The window to show first: the file's own, else the full range of this frame. */
  windowCenter: number;
  windowWidth: number;
  /** Whether the window came from the file (false: computed from min/max). */
  windowFromFile: boolean;
  /** MONOCHROME1: low values are white. Viewers and toGray8 invert. */
  invert: boolean;
  min: number;
  max: number;
  frame: number;
  frames: number;
  /** The stored size; larger than width/height only for a reduced preview (`maxSize`). */
  fullWidth: number;
  fullHeight: number;
}

export interface DecodeOptions {
  /**
   * A quick preview: JPEG 2000 frames larger than this decode at a lower resolution level
   * (at least this size on the long side). Other images decode in full.
   */
  previewSize?: number;
}

/** A decode failure with a reason for the import report or the viewer. */
export class PixelError extends Error {}

const NATIVE = new Set<string>([TS.implicitLE, TS.explicitLE, TS.deflatedLE, TS.explicitBE]);

/** Decodes one frame of any file CareLens stores (sniffed by content). */
export async function decodeImageBytes(bytes: Uint8Array, frame = 0, codecs: Codecs = new Codecs(), options: DecodeOptions = {}): Promise<DecodedImage> {
  const kind = sniff(bytes.subarray(0, 512));
  if (kind === 'png') return decodePng(bytes);
  if (kind === 'jpeg') return decodeJpegFile(bytes, codecs);
  if (kind === 'dicom' || kind === 'dicom-raw') return decodeDicomFrame(parseDicom(bytes), frame, codecs, options);
  throw new PixelError('not DICOM, PNG or JPEG');
}

/**
 * Decodes one frame of a stored image by its CareLens id. Pass a long-lived `Codecs` when
 * decoding many images (the wasm codecs are then instantiated once).
 */
export async function decodeStoredImage(core: Pick<Core, 'db' | 'paths'>, imageId: string, frame = 0, codecs: Codecs = new Codecs()): Promise<DecodedImage> {
  const row = core.db.prepare('SELECT sha256, frames FROM images WHERE id = ?').get(imageId) as { sha256: string; frames: number } | undefined;
  if (!row) throw new AppError('NOT_FOUND', `No image with id ${imageId}.`);
  if (!Number.isInteger(frame) || frame < 0 || frame >= row.frames) throw new AppError('VALIDATION', `Image ${imageId} has ${row.frames} frame(s); frame ${frame} does not exist.`);
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(storePath(core.paths.store, row.sha256));
  } catch {
    throw new AppError('NOT_FOUND', `The stored file of image ${imageId} is missing from the data folder (${row.sha256.slice(0, 12)}…).`);
  }
  try {
    return await decodeImageBytes(bytes, frame, codecs);
  } catch (err) {
    if (err instanceof PixelError || err instanceof CodecError || err instanceof DicomError) throw new AppError('UNSUPPORTED', `Image ${imageId} cannot be shown: ${err.message}.`);
    throw err;
  }
}

// ---------------------------------------------------------------- PNG / JPEG files

function decodePng(bytes: Uint8Array): DecodedImage {
  let png: PNG;
  try {
    png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  } catch (err) {
    throw new PixelError(`PNG data is corrupt (${(err as Error).message})`);
  }
  return fromRgba(png.width, png.height, png.data, 'PNG');
}

async function decodeJpegFile(bytes: Uint8Array, codecs: Codecs): Promise<DecodedImage> {
  const out = await codecs.jpeg8(bytes);
  if (out.components === 1) return grey(out.width, out.height, Float32Array.from(out.pixels), 'MONOCHROME2', null, null, 0, 1);
  return fromRgb(out.width, out.height, out.pixels as Uint8Array, 'RGB', 0, 1);
}

function fromRgba(width: number, height: number, rgba: Uint8Array, photometric: string): DecodedImage {
  const n = width * height;
  let isGrey = true;
  for (let i = 0; i < n; i++) {
    const o = i * 4;
    if (rgba[o] !== rgba[o + 1] || rgba[o] !== rgba[o + 2]) {
      isGrey = false;
      break;
    }
  }
  if (isGrey) {
    const data = new Float32Array(n);
    for (let i = 0; i < n; i++) data[i] = rgba[i * 4]!;
    return grey(width, height, data, 'MONOCHROME2', 127.5, 256, 0, 1, photometric === 'PNG');
  }
  const rgb = new Uint8Array(n * 3);
  for (let i = 0; i < n; i++) {
    rgb[i * 3] = rgba[i * 4]!;
    rgb[i * 3 + 1] = rgba[i * 4 + 1]!;
    rgb[i * 3 + 2] = rgba[i * 4 + 2]!;
  }
  return fromRgb(width, height, rgb, 'RGB', 0, 1);
}

function grey(width: number, height: number, data: Float32Array, photometric: string, wc: number | null, ww: number | null, frame: number, frames: number, fixedWindow = false): DecodedImage {
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < data.length; i++) {
    const v = data[i]!;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  if (!Number.isFinite(min)) min = max = 0;
  const fromFile = wc !== null && ww !== null && ww > 0;
  return {
    width,
    height,
    samples: 1,
    photometric,
    data,
    windowCenter: fromFile ? wc : (min + max) / 2,
    windowWidth: fromFile ? ww : Math.max(1, max - min),
    windowFromFile: fromFile && !fixedWindow,
    invert: photometric === 'MONOCHROME1',
    min,
    max,
    frame,
    frames,
    fullWidth: width,
    fullHeight: height,
  };
}

function fromRgb(width: number, height: number, rgb: Uint8Array, photometric: string, frame: number, frames: number): DecodedImage {
  return { width, height, samples: 3, photometric, data: rgb, windowCenter: 127.5, windowWidth: 256, windowFromFile: false, invert: false, min: 0, max: 255, frame, frames, fullWidth: width, fullHeight: height };
}

// ---------------------------------------------------------------- DICOM

/** Decodes frame `frame` (0-based) of a parsed DICOM object. */
export async function decodeDicomFrame(parsed: ParsedDicom, frame: number, codecs: Codecs, options: DecodeOptions = {}): Promise<DecodedImage> {
  const { dataSet: ds, info } = parsed;
  if (!info.pixelData) throw new PixelError('no pixel data: this DICOM object is not an image (a report, a waveform or a directory)');
  const fullRows = info.rows;
  const fullCols = info.columns;
  if (!fullRows || !fullCols) throw new PixelError(`missing element: ${!fullRows ? 'Rows (0028,0010)' : 'Columns (0028,0011)'} is absent, so the image size is unknown`);
  let rows = fullRows;
  let cols = fullCols;
  if (frame < 0 || frame >= info.frames) throw new PixelError(`frame ${frame + 1} does not exist (the file has ${info.frames})`);
  const spp = info.samplesPerPixel;
  const bitsAllocated = info.bitsAllocated ?? (info.pixelData === 'float' ? 32 : info.pixelData === 'double' ? 64 : null);
  if (!bitsAllocated) throw new PixelError('missing element: Bits Allocated (0028,0100)');
  const bitsStored = info.bitsStored ?? bitsAllocated;
  const signed = info.pixelRepresentation === 1;
  let n = rows * cols;
  const ts = info.transferSyntax;

  let values: ArrayLike<number>;
  let planar = info.planarConfiguration === 1;
  let alreadyRgb = false;

  if (info.pixelData !== 'integer') {
    values = readFloatPixels(ds, info.pixelData === 'double', n, frame);
  } else if (NATIVE.has(ts)) {
    values = readNative(ds, n * spp, bitsAllocated, signed, frame, ts === TS.explicitBE);
  } else {
    const el = ds.elements.x7fe00010!;
    if (!el.encapsulatedPixelData) throw new PixelError(`transfer syntax ${ts} says compressed, but the pixel data is not encapsulated`);
    const bytes = encapsulatedFrame(ds, el, frame, info.frames);
    const bytesPerSample = bitsAllocated > 8 ? 2 : 1;
    if (ts === TS.rle) {
      const raw = decodeRle(bytes, cols, rows, spp, bytesPerSample);
      values = bytesToValues(raw, n * spp, bytesPerSample * 8, signed, false);
      planar = true;
    } else if (ts === TS.deflatedImageFrame) {
      const raw = inflateFrame(bytes);
      const view = { byteArray: raw, offset: 0 };
      values = readNativeBytes(view.byteArray, view.offset, n * spp, bitsAllocated, signed, 0, false);
    } else {
      let out: CodecOutput;
      if (ts === TS.jpegBaseline || ts === TS.jpegExtended || ts === TS.jpegSpectral || ts === TS.jpegProgressive) {
        const precision = jpegPrecision(bytes);
        out =
          precision !== null && precision > 8
            ? await codecs.jpeg12(bytes, { width: cols, height: rows, bitsAllocated, bitsStored, samples: spp, signed, photometric: info.photometric })
            : await codecs.jpeg8(bytes);
      }
      else if (ts === TS.jpegLossless14 || ts === TS.jpegLosslessSV1) out = codecs.jpegLossless(bytes, bitsAllocated);
      else if (ts === TS.jpegLsLossless || ts === TS.jpegLsNear) out = await codecs.jpegLs(bytes);
      else if (ts === TS.j2kLossless || ts === TS.j2k || ts === TS.htj2k || ts === TS.htj2kLossless || ts === TS.htj2kRpcl) {
        let reduce = 0;
        if (options.previewSize) while (Math.max(cols, rows) / 2 ** (reduce + 1) >= options.previewSize) reduce++;
        out = await codecs.jpeg2000(bytes, reduce);
        if (reduce > 0 && out.width === Math.ceil(cols / 2 ** reduce) && out.height === Math.ceil(rows / 2 ** reduce)) {
          cols = out.width;
          rows = out.height;
          n = rows * cols;
        }
      } else throw new PixelError(`transfer syntax ${ts} is not supported`);
      if (out.width !== cols || out.height !== rows) throw new PixelError(`the compressed frame is ${out.width}x${out.height} but the header says ${cols}x${rows}`);
      values = out.pixels;
      planar = Boolean(out.planar);
      // JPEG and JPEG 2000 decoders undo the colour transform: what comes out is RGB.
      alreadyRgb = spp === 3 && ts !== TS.jpegLsLossless && ts !== TS.jpegLsNear && ts !== TS.jpegLossless14 && ts !== TS.jpegLosslessSV1;
    }
  }
  if (values.length < n * spp) throw new PixelError(`pixel data holds ${values.length} samples; ${n * spp} were expected for ${cols}x${rows}x${spp}`);

  const photometric = info.photometric;
  const full = { fullWidth: fullCols, fullHeight: fullRows };
  if (spp === 3) {
    const rgb = toRgb8(values, n, planar, bitsAllocated, alreadyRgb ? 'RGB' : photometric);
    return { ...fromRgb(cols, rows, rgb, photometric, frame, info.frames), ...full };
  }
  if (photometric === 'PALETTE COLOR') {
    return { ...fromRgb(cols, rows, applyPalette(ds, values, n, bitsStored, signed), photometric, frame, info.frames), ...full };
  }
  if (photometric === 'YBR_FULL_422' && spp === 1) throw new PixelError('YBR_FULL_422 with one sample per pixel is inconsistent');

  // Grey: keep only the stored bits (overlays may live in the high bits), sign-extend, rescale.
  const slope = info.rescaleSlope ?? 1;
  const intercept = info.rescaleIntercept ?? 0;
  const data = new Float32Array(n);
  if (info.pixelData !== 'integer' || bitsAllocated === 1) {
    for (let i = 0; i < n; i++) data[i] = values[i]! * slope + intercept;
  } else {
    const mask = bitsStored >= 32 ? 0xffffffff : (1 << bitsStored) - 1;
    const sign = bitsStored >= 32 ? 0 : 1 << (bitsStored - 1);
    const full = bitsStored >= 32 ? 0 : 1 << bitsStored;
    for (let i = 0; i < n; i++) {
      let v = values[i]! & mask;
      if (signed && v & sign) v -= full;
      data[i] = v * slope + intercept;
    }
  }
  return { ...grey(cols, rows, data, photometric, info.windowCenter, info.windowWidth, frame, info.frames), ...full };
}

function readFloatPixels(ds: DataSet, double: boolean, n: number, frame: number): Float64Array | Float32Array {
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

function readNative(ds: DataSet, samples: number, bitsAllocated: number, signed: boolean, frame: number, bigEndian: boolean): ArrayLike<number> {
  const el = ds.elements.x7fe00010!;
  return readNativeBytes(ds.byteArray, el.dataOffset, samples, bitsAllocated, signed, frame, bigEndian);
}

function readNativeBytes(bytes: Uint8Array, offset: number, samples: number, bitsAllocated: number, signed: boolean, frame: number, bigEndian: boolean): ArrayLike<number> {
  if (bitsAllocated === 1) {
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

function bytesToValues(bytes: Uint8Array, samples: number, bits: number, signed: boolean, bigEndian: boolean): ArrayLike<number> {
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

/** The bytes of one compressed frame, whatever the fragment / offset-table layout. */
function encapsulatedFrame(ds: DataSet, el: Element, frame: number, frames: number): Uint8Array {
  const fragments = el.fragments ?? [];
  if (fragments.length === 0) throw new PixelError('the compressed pixel data holds no fragments');
  const end = el.dataOffset + el.length;
  for (const f of fragments) {
    if (f.position + f.length > ds.byteArray.length) throw new PixelError(`truncated: compressed pixel data ends at byte ${ds.byteArray.length} of ${f.position + f.length}`);
  }
  void end;
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

function toRgb8(values: ArrayLike<number>, n: number, planar: boolean, bitsAllocated: number, photometric: string): Uint8Array {
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
    const a = (planar ? values[p] : values[p * 3])! >> shift;
    const b = (planar ? values[p + n] : values[p * 3 + 1])! >> shift;
    const c = (planar ? values[p + 2 * n] : values[p * 3 + 2])! >> shift;
    if (photometric.startsWith('YBR_FULL')) ybr(out, p * 3, a, b, c);
    else {
      out[p * 3] = a;
      out[p * 3 + 1] = b;
      out[p * 3 + 2] = c;
    }
  }
  return out;
}

function clamp8(v: number): number {
  return v < 0 ? 0 : v > 255 ? 255 : Math.round(v);
}

function ybr(out: Uint8Array, o: number, y: number, cb: number, cr: number): void {
  out[o] = clamp8(y + 1.402 * (cr - 128));
  out[o + 1] = clamp8(y - 0.344136 * (cb - 128) - 0.714136 * (cr - 128));
  out[o + 2] = clamp8(y + 1.772 * (cb - 128));
}

function applyPalette(ds: DataSet, values: ArrayLike<number>, n: number, bitsStored: number, signed: boolean): Uint8Array {
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

// ---------------------------------------------------------------- for display and ML

export interface Gray8 {
  width: number;
  height: number;
  data: Uint8Array;
}

/**
 * An 8-bit grey rendering: grey images through their window (inverted for MONOCHROME1),
 * colour images as luma. `size` resizes (a number gives a square; box-averaged when
 * shrinking, bilinear when growing).
 */
export function toGray8(decoded: DecodedImage, size?: number | { width: number; height: number }, window?: { center: number; width: number }): Gray8 {
  const { width, height } = decoded;
  const n = width * height;
  const g = new Uint8Array(n);
  if (decoded.samples === 3) {
    const d = decoded.data;
    for (let i = 0; i < n; i++) g[i] = clamp8(0.299 * d[i * 3]! + 0.587 * d[i * 3 + 1]! + 0.114 * d[i * 3 + 2]!);
  } else {
    const c = window?.center ?? decoded.windowCenter;
    const w = Math.max(1, window?.width ?? decoded.windowWidth);
    const lo = c - 0.5 - (w - 1) / 2;
    const scale = 255 / Math.max(1e-9, w - 1);
    const d = decoded.data;
    for (let i = 0; i < n; i++) {
      let v = (d[i]! - lo) * scale;
      v = v < 0 ? 0 : v > 255 ? 255 : v;
      g[i] = decoded.invert ? 255 - Math.round(v) : Math.round(v);
    }
  }
  if (size === undefined) return { width, height, data: g };
  const tw = typeof size === 'number' ? size : size.width;
  const th = typeof size === 'number' ? size : size.height;
  return { width: tw, height: th, data: resize(g, width, height, 1, tw, th) };
}

/** 8-bit RGB for thumbnails and colour display (grey images windowed as in toGray8). */
export function toRgb8Display(decoded: DecodedImage): Uint8Array {
  if (decoded.samples === 3) return decoded.data as Uint8Array;
  const g = toGray8(decoded).data;
  const out = new Uint8Array(g.length * 3);
  for (let i = 0; i < g.length; i++) out[i * 3] = out[i * 3 + 1] = out[i * 3 + 2] = g[i]!;
  return out;
}

/** Resizes interleaved 8-bit pixels with `channels` channels. */
export function resize(src: Uint8Array, sw: number, sh: number, channels: number, tw: number, th: number): Uint8Array {
  const out = new Uint8Array(tw * th * channels);
  const fx = sw / tw;
  const fy = sh / th;
  if (fx >= 1 && fy >= 1) {
    for (let y = 0; y < th; y++) {
      const y0 = Math.floor(y * fy);
      const y1 = Math.max(y0 + 1, Math.floor((y + 1) * fy));
      for (let x = 0; x < tw; x++) {
        const x0 = Math.floor(x * fx);
        const x1 = Math.max(x0 + 1, Math.floor((x + 1) * fx));
        for (let c = 0; c < channels; c++) {
          let sum = 0;
          for (let yy = y0; yy < y1; yy++) for (let xx = x0; xx < x1; xx++) sum += src[(yy * sw + xx) * channels + c]!;
          out[(y * tw + x) * channels + c] = Math.round(sum / ((y1 - y0) * (x1 - x0)));
        }
      }
    }
    return out;
  }
  for (let y = 0; y < th; y++) {
    const sy = Math.min(sh - 1, Math.max(0, (y + 0.5) * fy - 0.5));
    const y0 = Math.floor(sy);
    const y1 = Math.min(sh - 1, y0 + 1);
    const wy = sy - y0;
    for (let x = 0; x < tw; x++) {
      const sx = Math.min(sw - 1, Math.max(0, (x + 0.5) * fx - 0.5));
      const x0 = Math.floor(sx);
      const x1 = Math.min(sw - 1, x0 + 1);
      const wx = sx - x0;
      for (let c = 0; c < channels; c++) {
        const a = src[(y0 * sw + x0) * channels + c]!;
        const b = src[(y0 * sw + x1) * channels + c]!;
        const d = src[(y1 * sw + x0) * channels + c]!;
        const e = src[(y1 * sw + x1) * channels + c]!;
        out[(y * tw + x) * channels + c] = Math.round((a * (1 - wx) + b * wx) * (1 - wy) + (d * (1 - wx) + e * wx) * wy);
      }
    }
  }
  return out;
}
