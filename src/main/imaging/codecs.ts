/**
 * The compressed-pixel codecs: maintained emscripten/wasm builds from the registry
 * (cornerstone's CharLS, libjpeg-turbo and OpenJPEG), jpeg-lossless-decoder-js for JPEG
 * lossless, node:zlib for deflate, and a small RLE decoder (PS3.5 Annex G) written here.
 *
 * The wasm modules are instantiated lazily, once per `Codecs` object: whoever decodes many
 * images (the import worker, the imaging service) keeps one and reuses it.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import { inflateRawBounded } from './limits';
import { WARMUP_J2K_BASE64 } from './warmupJ2k';

/** A decoded codestream: interleaved samples unless `planar`. */
export interface CodecOutput {
  width: number;
  height: number;
  components: number;
  bitsPerSample: number;
  signed: boolean;
  /** Uint8Array, Uint16Array or Int16Array (a copy, owned by the caller). */
  pixels: Uint8Array | Uint16Array | Int16Array;
  /** True when the codec returns colour planes one after another (JPEG-LS interleave mode 0). */
  planar?: boolean;
}

interface FrameInfo {
  width: number;
  height: number;
  bitsPerSample: number;
  componentCount: number;
  isSigned?: boolean;
}

interface WasmDecoder {
  getEncodedBuffer(length: number): Uint8Array;
  getDecodedBuffer(): Uint8Array;
  decode(): void;
  getFrameInfo(): FrameInfo;
  getInterleaveMode?(): number;
  decodeSubResolution?(level: number, layer: number): void;
  delete?(): void;
}

type WasmModule = Record<string, new () => WasmDecoder>;

/** Decodes of the warm-up codestream: in full, then one and two levels down (previews are 2k frames two levels down). */
const WARM_J2K_DECODES = 3;

/** A codec failure the import report can show as it is. */
export class CodecError extends Error {}

export class Codecs {
  private readonly require = createRequire(__filename);
  private readonly modules = new Map<string, Promise<WasmModule>>();

  private module(pkg: string): Promise<WasmModule> {
    let m = this.modules.get(pkg);
    if (!m) {
      const factory = this.require(`${pkg}/decodewasmjs`) as (opts: object) => Promise<WasmModule>;
      // Handing emscripten the bytes avoids its own file lookup, which breaks inside bundles.
      const wasmBinary = fs.readFileSync(this.require.resolve(`${pkg}/decodewasm`));
      m = factory({ wasmBinary, print: () => {}, printErr: () => {} });
      this.modules.set(pkg, m);
    }
    return m;
  }

  /** Instantiates the wasm codecs ahead of use (the viewer's decode worker does this when the Images view opens). */
  async warm(): Promise<void> {
    await Promise.all(['@cornerstonejs/codec-openjpeg', '@cornerstonejs/codec-libjpeg-turbo-8bit', '@cornerstonejs/codec-charls'].map((p) => this.module(p)));
    // The first JPEG 2000 decodes of a fresh wasm instance run slower (V8 has not optimised the
    // decoder yet), and the first is the first image a clinician opens: decode a synthetic
    // codestream now, in full and at a lower level (as previews are). warmupJ2k.ts has the numbers.
    const j2k = Buffer.from(WARMUP_J2K_BASE64, 'base64');
    for (let i = 0; i < WARM_J2K_DECODES; i++) await this.jpeg2000(j2k, i % 3);
  }

  private async runWasm(pkg: string, cls: string, data: Uint8Array, reduce = 0): Promise<CodecOutput> {
    const mod = await this.module(pkg);
    const Ctor = mod[cls];
    if (!Ctor) throw new CodecError(`${pkg} has no ${cls}`);
    const decoder = new Ctor();
    try {
      decoder.getEncodedBuffer(data.length).set(data);
      if (reduce > 0 && decoder.decodeSubResolution) decoder.decodeSubResolution(reduce, 0);
      else decoder.decode();
      const info = { ...decoder.getFrameInfo() };
      if (reduce > 0) {
        // OpenJPEG reports the full size; a sub-resolution is ceil(size / 2^level).
        info.width = Math.ceil(info.width / 2 ** reduce);
        info.height = Math.ceil(info.height / 2 ** reduce);
      }
      if (!(info.width > 0 && info.height > 0)) throw new CodecError('the codestream decodes to no image (0x0): it is not where the frame says, or it is damaged');
      const raw = decoder.getDecodedBuffer();
      const bytes = raw.slice(); // copy out of the wasm heap before the decoder is freed
      const signed = Boolean(info.isSigned);
      const pixels = info.bitsPerSample > 8 ? (signed ? new Int16Array(bytes.buffer, 0, bytes.length >> 1) : new Uint16Array(bytes.buffer, 0, bytes.length >> 1)) : bytes;
      const interleave = decoder.getInterleaveMode?.();
      return {
        width: info.width,
        height: info.height,
        components: info.componentCount,
        bitsPerSample: info.bitsPerSample,
        signed,
        pixels,
        planar: interleave === 0 && info.componentCount > 1,
      };
    } catch (err) {
      if (err instanceof CodecError) throw err;
      throw new CodecError(wasmMessage(err));
    } finally {
      decoder.delete?.();
    }
  }

  private jpeg12Ready: Promise<Jpeg12Decoder> | null = null;

  /**
   * JPEG with 12-bit samples (processes 2&4, 6&8, 10&12): libjpeg-turbo's 8-bit build cannot,
   * so dcmjs-imaging's wasm build of libjpeg (8/12/16-bit) does it. Its NativePixelDecoder is
   * initialised once per process (the library keeps it statically).
   */
  async jpeg12(data: Uint8Array, image: { width: number; height: number; bitsAllocated: number; bitsStored: number; samples: number; signed: boolean; photometric: string }): Promise<CodecOutput> {
    this.jpeg12Ready ??= (async () => {
      const lib = this.require('dcmjs-imaging') as { NativePixelDecoder: Jpeg12Decoder };
      if (!lib.NativePixelDecoder.isInitialized()) {
        await lib.NativePixelDecoder.initializeAsync({ webAssemblyModulePathOrUrl: this.require.resolve('dcmjs-imaging/build/dcmjs-native-codecs.wasm'), logNativeDecodersMessages: false });
      }
      return lib.NativePixelDecoder;
    })();
    const decoder = await this.jpeg12Ready;
    const pixel = {
      getWidth: () => image.width,
      getHeight: () => image.height,
      getBitsAllocated: () => image.bitsAllocated,
      getBitsStored: () => image.bitsStored,
      getSamplesPerPixel: () => image.samples,
      getPixelRepresentation: () => (image.signed ? 1 : 0),
      getPlanarConfiguration: () => 0,
      getPhotometricInterpretation: () => image.photometric,
    };
    let out: Uint8Array;
    try {
      out = new Uint8Array(decoder.decodeJpeg(pixel, data, {}));
    } catch (err) {
      throw new CodecError(`JPEG data is corrupt (${wasmMessage(err)})`);
    }
    const pixels = image.bitsAllocated > 8 ? (image.signed ? new Int16Array(out.buffer, out.byteOffset, out.byteLength >> 1) : new Uint16Array(out.buffer, out.byteOffset, out.byteLength >> 1)) : out;
    return { width: image.width, height: image.height, components: image.samples, bitsPerSample: image.bitsStored, signed: image.signed, pixels };
  }

  /** JPEG baseline / extended 8-bit (libjpeg-turbo); colour comes back as RGB. */
  async jpeg8(data: Uint8Array): Promise<CodecOutput> {
    const precision = jpegPrecision(data);
    if (precision !== null && precision !== 8) {
      throw new CodecError(`JPEG with ${precision}-bit samples needs the 12-bit decoder`);
    }
    try {
      return await this.runWasm('@cornerstonejs/codec-libjpeg-turbo-8bit', 'JPEGDecoder', data);
    } catch (err) {
      throw new CodecError(`JPEG data is corrupt (${(err as Error).message})`);
    }
  }

  /** JPEG-LS lossless and near-lossless (CharLS). */
  async jpegLs(data: Uint8Array): Promise<CodecOutput> {
    try {
      return await this.runWasm('@cornerstonejs/codec-charls', 'JpegLSDecoder', data);
    } catch (err) {
      throw new CodecError(`JPEG-LS data is corrupt (${(err as Error).message})`);
    }
  }

  /**
   * JPEG 2000 and HTJ2K (OpenJPEG). `reduce` > 0 decodes a lower resolution level (each level
   * halves both sides): a fast first picture of a large radiograph. Falls back to full size
   * when the codestream has fewer levels.
   */
  async jpeg2000(data: Uint8Array, reduce = 0): Promise<CodecOutput> {
    if (reduce > 0) {
      try {
        return await this.runWasm('@cornerstonejs/codec-openjpeg', 'J2KDecoder', data, reduce);
      } catch {
        // not that many resolution levels: decode in full below
      }
    }
    try {
      return await this.runWasm('@cornerstonejs/codec-openjpeg', 'J2KDecoder', data);
    } catch (err) {
      throw new CodecError(`JPEG 2000 codestream is corrupt (${(err as Error).message})`);
    }
  }

  /** JPEG lossless, process 14 (any selection value). */
  jpegLossless(data: Uint8Array, bitsAllocated: number): CodecOutput {
    const { Decoder } = this.require('jpeg-lossless-decoder-js') as { Decoder: new () => LosslessDecoder };
    const decoder = new Decoder();
    try {
      const copy = padBeforeEoi(data);
      const out = decoder.decode(copy.buffer as ArrayBuffer, 0, copy.length, bitsAllocated > 8 ? 2 : 1);
      const width = decoder.xDim ?? 0;
      const height = decoder.yDim ?? 0;
      const components = decoder.numComp ?? 1;
      const bytes = new Uint8Array(out.buffer, out.byteOffset, out.byteLength).slice();
      const pixels = bitsAllocated > 8 ? new Uint16Array(bytes.buffer, 0, bytes.length >> 1) : bytes;
      return { width, height, components, bitsPerSample: decoder.precision ?? bitsAllocated, signed: false, pixels };
    } catch (err) {
      throw new CodecError(`JPEG lossless data is corrupt (${(err as Error).message})`);
    }
  }
}

/**
 * jpeg-lossless-decoder-js drops the last sample when its bit reader's look-ahead meets the
 * EOI marker; zero bytes before EOI give it something to look at (they decode to nothing:
 * the decoder stops after the last sample).
 */
function padBeforeEoi(data: Uint8Array): Uint8Array {
  let end = data.length;
  while (end > 2 && !(data[end - 2] === 0xff && data[end - 1] === 0xd9)) end--;
  if (end <= 2) return new Uint8Array(data);
  const out = new Uint8Array(end + 8);
  out.set(data.subarray(0, end - 2), 0);
  out[end + 6] = 0xff;
  out[end + 7] = 0xd9;
  return out;
}

interface Jpeg12Decoder {
  isInitialized(): boolean;
  initializeAsync(opts: { webAssemblyModulePathOrUrl: string; logNativeDecodersMessages: boolean }): Promise<void>;
  decodeJpeg(pixel: object, data: Uint8Array, params: object): Uint8Array | ArrayBuffer;
}

interface LosslessDecoder {
  decode(buffer: ArrayBuffer, offset: number, length: number, numBytes: number): Uint8Array | Uint16Array;
  xDim?: number;
  yDim?: number;
  numComp?: number;
  precision?: number;
}

function wasmMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  if (typeof err === 'string') return err;
  if (typeof err === 'number') return `decoder error ${err}`;
  return String(err);
}

/** The sample precision in the JPEG's start-of-frame marker, or null if none is found. */
export function jpegPrecision(data: Uint8Array): number | null {
  let i = 2;
  while (i + 4 < data.length) {
    if (data[i] !== 0xff) {
      i++;
      continue;
    }
    const marker = data[i + 1]!;
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) return data[i + 4] ?? null;
    if (marker === 0xd8 || marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7) || marker === 0xff) {
      i += marker === 0xff ? 1 : 2;
      continue;
    }
    const len = (data[i + 2]! << 8) | data[i + 3]!;
    i += 2 + len;
  }
  return null;
}

/**
 * Deflate (RFC 1951, raw), as in the Deflated Image Frame Compression transfer syntax, bounded:
 * refused as soon as it inflates past `maxBytes` (the frame's declared size).
 */
export function inflateFrame(data: Uint8Array, maxBytes: number): Uint8Array {
  return inflateRawBounded(data, maxBytes, 'the deflated frame');
}

/**
 * DICOM RLE (PS3.5 Annex G): a 64-byte header of segment offsets, one PackBits segment per
 * byte plane (most significant byte first, sample by sample). Returns the bytes of one frame
 * in the native layout: samples interleaved per pixel... as planes when `planar`.
 * The output is little-endian, `bytesPerSample` per sample, colour-by-plane (planar).
 */
export function decodeRle(data: Uint8Array, width: number, height: number, samples: number, bytesPerSample: number): Uint8Array {
  if (data.length < 64) throw new CodecError(`RLE frame is too short (${data.length} bytes, the header alone is 64)`);
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const segments = view.getUint32(0, true);
  const expected = samples * bytesPerSample;
  if (segments !== expected) throw new CodecError(`RLE frame has ${segments} segments; ${expected} were expected`);
  const pixels = width * height;
  const out = new Uint8Array(pixels * expected);
  for (let s = 0; s < segments; s++) {
    const start = view.getUint32(4 + 4 * s, true);
    const end = s + 1 < segments ? view.getUint32(8 + 4 * s, true) : data.length;
    if (start >= data.length || end > data.length || end < start) throw new CodecError(`RLE segment ${s + 1} points outside the frame`);
    const sample = Math.floor(s / bytesPerSample);
    const byteInSample = bytesPerSample - 1 - (s % bytesPerSample); // segment 0 is the most significant byte
    // planar output: plane `sample`, pixel p at (sample * pixels + p) * bytesPerSample + byteInSample
    let p = 0;
    let i = start;
    const base = sample * pixels;
    while (i < end && p < pixels) {
      const n = (data[i++]! << 24) >> 24;
      if (n >= 0) {
        for (let k = 0; k <= n && p < pixels && i < end; k++) out[(base + p++) * bytesPerSample + byteInSample] = data[i++]!;
      } else if (n !== -128) {
        const v = data[i++]!;
        for (let k = 0; k < 1 - n && p < pixels; k++) out[(base + p++) * bytesPerSample + byteInSample] = v;
      }
    }
    if (p < pixels) throw new CodecError(`RLE segment ${s + 1} ends after ${p} of ${pixels} pixels`);
  }
  return out;
}
