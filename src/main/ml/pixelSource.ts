/**
 * Where training reads its model inputs from. A data set whose decoded inputs fit in
 * `HELD_BYTES` is decoded once and held (a Float32Array, as before). A larger one — 60,000
 * images at 112 x 112 x 3 would be 9 GB — is streamed: images are decoded when a batch or an
 * evaluation chunk needs them (`ensure`) into a bounded least-recently-used cache of 8-bit
 * inputs (`CACHE_BYTES`), and read from there synchronously (`subarray`). The 8-bit values
 * are exactly what the held path stores divided by 255, so both paths give the same numbers.
 */
import fs from 'node:fs';
import type * as TfNs from '@tensorflow/tfjs';
import type { ResizeMode } from '../../shared/domain/mlInput';
import { storeKeysFromHex } from '../core/fileCrypto';
import { Codecs } from '../imaging/codecs';
import { readStoreFileAtAsync } from '../imaging/store';
import { decodeWithTraits, type ImageTraits } from './imageTraits';
import { fitMahalanobis, mahalanobisScores, type OodStats } from './ood';
import { featuresOf, METHOD_NAMES, OOD_FEATURE_NAMES, OOD_FEATURE_SET } from './oodFeatures';
import { writeModelInput } from './preprocess';

type Tf = typeof TfNs;

/** Decoded inputs up to this size are held; above it they are streamed. */
export const HELD_BYTES = 512 * 2 ** 20;
/** The streamed path's cache of 8-bit inputs. */
export const CACHE_BYTES = 256 * 2 ** 20;

/** What batches, logits and OOD features read: image n is subarray(n * per, (n + 1) * per). */
export interface PixelsLike {
  subarray(begin: number, end: number): Float32Array;
}

/** Pixels read chunk by chunk: each chunk is made ready (`ensure`) before it is read. */
export interface ChunkedPixels extends PixelsLike {
  ensure(idx: readonly number[]): Promise<void>;
  readonly capacityImages: number;
}

/** A held array as chunked pixels (nothing to make ready). */
export class HeldPixels implements ChunkedPixels {
  readonly capacityImages = Number.POSITIVE_INFINITY;
  constructor(private readonly data: Float32Array) {}
  async ensure(): Promise<void> {}
  subarray(begin: number, end: number): Float32Array {
    return this.data.subarray(begin, end);
  }
}

/** Images decoded when first needed, kept in a bounded LRU cache as 8-bit inputs. */
export class StreamedPixels implements ChunkedPixels {
  readonly per: number;
  private readonly cache = new Map<number, Uint8Array>();
  private readonly capacity: number;
  private readonly keys: ReturnType<typeof storeKeysFromHex>;
  private readonly scratch: Float32Array;
  /** Images decoded so far (a benchmark reads it: every epoch decodes again when the cache is smaller than the set). */
  decoded = 0;

  constructor(
    private readonly files: string[],
    private readonly size: number,
    private readonly channels: number,
    private readonly mode: ResizeMode,
    storeKey: string | null,
    /** Each file's traits, by index, filled as images are first decoded. */
    readonly traits: ImageTraits[] = [],
    cacheBytes = CACHE_BYTES,
    private readonly codecs = new Codecs(),
  ) {
    this.per = size * size * channels;
    this.capacity = Math.max(1, Math.floor(cacheBytes / this.per));
    this.keys = storeKeysFromHex(storeKey);
    this.scratch = new Float32Array(this.per);
  }

  /** Images the cache holds at most. */
  get capacityImages(): number {
    return this.capacity;
  }

  /** Decodes the images of `idx` not in the cache (at most the cache's capacity at once). */
  async ensure(idx: readonly number[]): Promise<void> {
    if (idx.length > this.capacity) throw new Error(`a chunk of ${idx.length} images does not fit the cache of ${this.capacity}`);
    for (const n of idx) {
      const hit = this.cache.get(n);
      if (hit) {
        // Most recently used last.
        this.cache.delete(n);
        this.cache.set(n, hit);
        continue;
      }
      const file = this.files[n]!;
      const bytes = this.keys ? await readStoreFileAtAsync(this.keys, file) : fs.readFileSync(file);
      const { decoded, traits } = await decodeWithTraits(bytes, this.codecs);
      this.traits[n] ??= traits;
      writeModelInput(decoded, this.size, this.channels, this.mode, this.scratch, 0);
      const u8 = new Uint8Array(this.per);
      for (let i = 0; i < this.per; i++) u8[i] = Math.round(this.scratch[i]! * 255);
      this.decoded++;
      while (this.cache.size >= this.capacity) this.cache.delete(this.cache.keys().next().value!);
      this.cache.set(n, u8);
    }
  }

  subarray(begin: number, end: number): Float32Array {
    const n = Math.floor(begin / this.per);
    const u8 = this.cache.get(n);
    if (!u8 || end - begin !== this.per || begin % this.per !== 0) throw new Error(`image ${n} was read before it was decoded (ensure it first)`);
    const out = new Float32Array(this.per);
    for (let i = 0; i < this.per; i++) out[i] = u8[i]! / 255;
    return out;
  }
}

/**
 * The inference batch for evaluation and OOD features on the streamed path: 256 at 28 px, fewer
 * as the input grows (activations grow with its area, and the wasm heap never shrinks: 256
 * images at 112 px would need ~200 MB per feature map), at least 8.
 */
export function evalBatch(size: number): number {
  return Math.max(8, Math.min(256, Math.floor((256 * 28 * 28) / (size * size))));
}

/** Whether `n` images of size x size x channels are streamed rather than held. */
export function streams(n: number, size: number, channels: number, heldBytes = HELD_BYTES): boolean {
  return n * size * size * channels * 4 > heldBytes;
}

/** Runs `f` over `idx` in chunks the cache can hold, each chunk decoded first; concatenates the results. */
export async function inChunks<T>(pixels: ChunkedPixels, idx: number[], f: (chunk: number[]) => T[], chunk = 256): Promise<T[]> {
  const step = Math.max(1, Math.min(chunk, pixels.capacityImages));
  const out: T[] = [];
  for (let i = 0; i < idx.length; i += step) {
    const part = idx.slice(i, i + step);
    await pixels.ensure(part);
    out.push(...f(part));
  }
  return out;
}

/**
 * fitOod (oodFeatures.ts) chunk by chunk, with the inference batch of `evalBatch`: the same
 * features, for streamed pixels and for held inputs above 28 px (where batches of 256 would
 * grow the wasm heap by gigabytes).
 */
export async function fitOodStreamed(
  tf: Tf,
  model: TfNs.LayersModel,
  pixels: ChunkedPixels,
  split: { train: number[]; val: number[]; test: number[] },
  labels: number[],
  classes: number,
  size: number,
  ch: number,
): Promise<{ stats: OodStats; valScores: number[]; testScores: number[] }> {
  const set = OOD_FEATURE_SET;
  const features = async (idx: number[]) => {
    let dim = 0;
    const rows = await inChunks(pixels, idx, (part) => {
      const f = featuresOf(tf, model, pixels, part, size, ch, set, evalBatch(size));
      dim = f.dim;
      return [f.data];
    });
    const data = new Float32Array(idx.length * dim);
    let o = 0;
    for (const r of rows) {
      data.set(r, o);
      o += r.length;
    }
    return { data, dim };
  };
  const train = await features(split.train);
  const stats = fitMahalanobis(train.data, split.train.length, train.dim, split.train.map((i) => labels[i]!), classes, METHOD_NAMES[set], OOD_FEATURE_NAMES[set]);
  const scoresOf = async (idx: number[]) => mahalanobisScores(stats, (await features(idx)).data, idx.length);
  return { stats, valScores: await scoresOf(split.val), testScores: await scoresOf(split.test) };
}
