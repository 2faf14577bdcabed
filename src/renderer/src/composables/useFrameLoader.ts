import { ref } from 'vue';
import type { FramePixels } from '../../../shared/domain/imaging';
import { api, unwrapResult } from '../api';
import { framePixelValues } from '../components/imaging/render';

/** A frame with its pixel values, decoded once so a cache hit costs nothing. */
export interface LoadedFrame {
  frame: FramePixels;
  values: ArrayLike<number>;
}

export interface FrameLoaderOptions {
  imageId: () => string;
  /** Puts a frame on screen; the time to `onLoaded` includes it. */
  show: (entry: LoadedFrame, frame: number) => Promise<void>;
  /** After the first paint of a load: ms from the request to pixels on screen. */
  onLoaded: (info: { imageId: string; frame: number; ms: number }) => void;
  /** When a load shows nothing at all (a failed full frame after a preview is only in `error`). */
  onError: (message: string) => void;
}

// Enough for a multi-frame series to scroll back and forth without refetching.
const CACHE_SIZE = 25;

/**
 * Fetches an image's frames from the main process and keeps the recent ones. A large JPEG 2000
 * arrives first as a quick preview at a lower resolution level, then the full frame replaces it;
 * only full frames are cached. When loads overlap, the newest wins.
 */
export function useFrameLoader(options: FrameLoaderOptions) {
  const loading = ref(false);
  const error = ref<string | null>(null);
  const lastMs = ref<number | null>(null);
  const cache = new Map<string, LoadedFrame>();
  let requestSeq = 0;

  async function fetchFrame(id: string, frame: number, preview: boolean): Promise<LoadedFrame> {
    const f = unwrapResult(await api().imaging.frame({ id, frame, ...(preview ? { preview: true } : {}) }));
    return { frame: f, values: framePixelValues(f) };
  }

  function remember(key: string, entry: LoadedFrame) {
    if (cache.size >= CACHE_SIZE) cache.delete(cache.keys().next().value!);
    cache.set(key, entry);
  }

  async function load(frame: number): Promise<void> {
    const seq = ++requestSeq;
    const t0 = performance.now();
    // Read once: the full frame must come from (and be cached under) the image this load began with.
    const imageId = options.imageId();
    const key = `${imageId}#${frame}`;
    error.value = null;
    let entry = cache.get(key);
    if (!entry) {
      loading.value = true;
      try {
        entry = await fetchFrame(imageId, frame, true);
        if (!entry.frame.reduced) remember(key, entry);
      } catch (err) {
        if (seq !== requestSeq) return;
        error.value = (err as Error).message;
        loading.value = false;
        options.onError(error.value);
        return;
      }
    }
    if (seq !== requestSeq) return;
    loading.value = false;
    await options.show(entry, frame);
    requestAnimationFrame(() => {
      lastMs.value = Math.round(performance.now() - t0);
      options.onLoaded({ imageId, frame, ms: lastMs.value });
    });
    if (entry.frame.reduced) {
      try {
        const full = await fetchFrame(imageId, frame, false);
        remember(key, full);
        if (seq === requestSeq) await options.show(full, frame);
      } catch (err) {
        if (seq === requestSeq) error.value = (err as Error).message;
      }
    }
  }

  return { loading, error, lastMs, load };
}
