/**
 * Pixel decoding: from a file's bytes (DICOM in any supported transfer syntax, PNG, JPEG) to
 * one frame of values a viewer or a model can use. Grey images carry modality values (after
 * rescale slope/intercept) as a Float32Array; colour images (RGB, YBR, palette) are
 * converted to interleaved 8-bit RGB.
 *
 * Around it: storedImage.ts decodes a stored image by id, display.ts turns a DecodedImage
 * into 8-bit pixels, transferSyntaxes.ts says how each syntax's frames are decoded.
 */
import { PNG } from 'pngjs';
import { Codecs } from './codecs';
import { applyPalette, toRgb8 } from './colour';
import { parseDicom, type ParsedDicom } from './dicom';
import { readFloatPixels } from './nativePixels';
import { PixelError } from './pixelError';
import { sniff } from './sniff';
import { checkDecodedBytes, checkFrameSize, jpegSize, pngSize } from './limits';
import { decodeFrameValues, samplesStored } from './transferSyntaxes';

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
  /** The stored size; larger than width/height only for a reduced preview (`previewSize`). */
  fullWidth: number;
  fullHeight: number;
  /** A DICOM frame's plane and spacing tags as stored (absent for PNG/JPEG): viewerFrame.ts reads them. */
  header?: DicomPlaneTags;
}

/** The values of (0020,0037), (0020,0032), (0020,0052), (0028,0030) and (0018,1164); null when absent. */
export interface DicomPlaneTags {
  orientation: string | null;
  position: string | null;
  frameOfReferenceUID: string | null;
  pixelSpacing: string | null;
  imagerPixelSpacing: string | null;
}

export interface DecodeOptions {
  /**
   * A quick preview: JPEG 2000 frames at least 4x this on the long side decode at a lower
   * resolution level (at least this size on the long side). Other images decode in full.
   */
  previewSize?: number;
}

/** Decodes one frame of any file CareLens stores (sniffed by content). */
export async function decodeImageBytes(bytes: Uint8Array, frame = 0, codecs: Codecs = new Codecs(), options: DecodeOptions = {}): Promise<DecodedImage> {
  const kind = sniff(bytes.subarray(0, 512));
  if (kind === 'png') return decodePng(bytes);
  if (kind === 'jpeg') return decodeJpegFile(bytes, codecs);
  if (kind === 'dicom' || kind === 'dicom-raw') return decodeDicomFrame(parseDicom(bytes), frame, codecs, options);
  throw new PixelError('not DICOM, PNG or JPEG');
}

// ---------------------------------------------------------------- PNG / JPEG files

function decodePng(bytes: Uint8Array): DecodedImage {
  const size = pngSize(bytes);
  if (!size) throw new PixelError('PNG data is corrupt (no IHDR chunk at byte 12)');
  checkFrameSize(size.width, size.height, 'the PNG header (IHDR)');
  let png: PNG;
  try {
    png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  } catch (err) {
    throw new PixelError(`PNG data is corrupt (${(err as Error).message})`);
  }
  return fromRgba(png.width, png.height, png.data);
}

async function decodeJpegFile(bytes: Uint8Array, codecs: Codecs): Promise<DecodedImage> {
  const size = jpegSize(bytes);
  if (!size) throw new PixelError('JPEG data is corrupt (no start-of-frame marker)');
  checkFrameSize(size.width, size.height, 'the JPEG header (SOF)');
  const out = await codecs.jpeg8(bytes);
  if (out.components === 1) return grey(out.width, out.height, Float32Array.from(out.pixels), 'MONOCHROME2', null, null, 0, 1);
  return fromRgb(out.width, out.height, out.pixels as Uint8Array, 'RGB', 0, 1);
}

/** A PNG whose channels are all equal is grey, kept as values 0-255 under a fixed full-range window. */
function fromRgba(width: number, height: number, rgba: Uint8Array): DecodedImage {
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
    return grey(width, height, data, 'MONOCHROME2', 127.5, 256, 0, 1, true);
  }
  const rgb = new Uint8Array(n * 3);
  for (let i = 0; i < n; i++) {
    rgb[i * 3] = rgba[i * 4]!;
    rgb[i * 3 + 1] = rgba[i * 4 + 1]!;
    rgb[i * 3 + 2] = rgba[i * 4 + 2]!;
  }
  return fromRgb(width, height, rgb, 'RGB', 0, 1);
}

/** `fixedWindow`: the window given is ours, not the file's, so `windowFromFile` stays false. */
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

/** Refuses a DICOM image over the size limits (limits.ts) from its header alone, before any decoding. */
export function checkDicomSize(info: Pick<ParsedDicom['info'], 'rows' | 'columns' | 'frames' | 'samplesPerPixel'>, bitsAllocated: number): void {
  const rows = info.rows ?? 0;
  const cols = info.columns ?? 0;
  checkFrameSize(cols, rows, 'the DICOM header (Rows, Columns)');
  checkDecodedBytes(rows * cols * info.samplesPerPixel * Math.max(1, bitsAllocated / 8) * info.frames, `the DICOM header (${info.frames} frame(s) of ${cols}x${rows}x${info.samplesPerPixel}, ${bitsAllocated} bits)`);
}

/** Decodes frame `frame` (0-based) of a parsed DICOM object. */
export async function decodeDicomFrame(parsed: ParsedDicom, frame: number, codecs: Codecs, options: DecodeOptions = {}): Promise<DecodedImage> {
  const { dataSet: ds, info } = parsed;
  if (!info.pixelData) throw new PixelError('no pixel data: this DICOM object is not an image (a report, a waveform or a directory)');
  const fullRows = info.rows;
  const fullCols = info.columns;
  if (!fullRows || !fullCols) throw new PixelError(`missing element: ${!fullRows ? 'Rows (0028,0010)' : 'Columns (0028,0011)'} is absent, so the image size is unknown`);
  if (frame < 0 || frame >= info.frames) throw new PixelError(`frame ${frame + 1} does not exist (the file has ${info.frames})`);
  const spp = info.samplesPerPixel;
  if (spp !== 1 && spp !== 3) throw new PixelError(`Samples per Pixel (0028,0002) is ${spp}; CareLens decodes 1 (grey, palette) or 3 (colour)`);
  const bitsAllocated = info.bitsAllocated ?? (info.pixelData === 'float' ? 32 : info.pixelData === 'double' ? 64 : null);
  if (!bitsAllocated) throw new PixelError('missing element: Bits Allocated (0028,0100)');
  checkDicomSize(info, bitsAllocated);
  const bitsStored = info.bitsStored ?? bitsAllocated;
  const signed = info.pixelRepresentation === 1;
  const planar = info.planarConfiguration === 1;

  // Float pixel data has its own elements and is never compressed, whatever the syntax says.
  const { values, planar: isPlanar, alreadyRgb, width: cols, height: rows } =
    info.pixelData === 'integer'
      ? await decodeFrameValues(info.transferSyntax, { ds, frame, frames: info.frames, rows: fullRows, cols: fullCols, samplesPerPixel: spp, bitsAllocated, bitsStored, signed, planar, photometric: info.photometric, codecs, previewSize: options.previewSize })
      : { values: readFloatPixels(ds, info.pixelData === 'double', fullRows * fullCols, frame), planar, alreadyRgb: false, width: fullCols, height: fullRows };
  const n = rows * cols;
  // Native YBR_FULL_422 holds 2 samples per pixel (toRgb8 expands it); decoded codestreams hold 3.
  const stored = alreadyRgb || info.pixelData !== 'integer' ? spp : samplesStored(info);
  if (values.length < n * stored) throw new PixelError(`pixel data holds ${values.length} samples; ${n * stored} were expected for ${cols}x${rows}x${stored}`);

  const photometric = info.photometric;
  const full = { fullWidth: fullCols, fullHeight: fullRows, header: planeTags(ds, info.pixelSpacing) };
  if (spp === 3) {
    const rgb = toRgb8(values, n, isPlanar, bitsAllocated, alreadyRgb ? 'RGB' : photometric);
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
    const range = bitsStored >= 32 ? 0 : 1 << bitsStored;
    for (let i = 0; i < n; i++) {
      // 32 stored bits: the typed array already holds the value with its sign (& would wrap it to int32).
      let v = bitsStored >= 32 ? values[i]! : values[i]! & mask;
      if (signed && v & sign) v -= range;
      data[i] = v * slope + intercept;
    }
  }
  return { ...grey(cols, rows, data, photometric, info.windowCenter, info.windowWidth, frame, info.frames), ...full };
}

function planeTags(ds: ParsedDicom['dataSet'], pixelSpacing: string | null): DicomPlaneTags {
  const text = (tag: string): string | null => {
    try {
      return ds.string(tag)?.replace(/\0/g, '').trim() || null;
    } catch {
      return null;
    }
  };
  return { orientation: text('x00200037'), position: text('x00200032'), frameOfReferenceUID: text('x00200052'), pixelSpacing, imagerPixelSpacing: text('x00181164') };
}
