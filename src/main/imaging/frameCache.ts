/**
 * The last few decoded viewer frames, by stored content (sha256), frame and preview size, as
 * promises: a request that comes while the same frame is decoding waits for that decode instead
 * of starting another. Bounded in bytes. A stored file never changes (it is named by its content),
 * so an entry can never be stale; an image deleted from the archive is refused before the cache is
 * asked (ImagingService.frame checks the database first).
 */
import type { ViewerFrame } from './viewerFrame';

export class FrameCache {
  private readonly entries = new Map<string, { promise: Promise<ViewerFrame>; bytes: number }>();
  private bytes = 0;

  constructor(private readonly maxBytes: number) {}

  get(key: string, decode: () => Promise<ViewerFrame>): Promise<ViewerFrame> {
    const hit = this.entries.get(key);
    if (hit) {
      // Most recently used last.
      this.entries.delete(key);
      this.entries.set(key, hit);
      return hit.promise;
    }
    const entry = { promise: decode(), bytes: 0 };
    this.entries.set(key, entry);
    entry.promise.then(
      (f) => {
        if (this.entries.get(key) !== entry) return;
        entry.bytes = f.data.byteLength;
        this.bytes += entry.bytes;
        this.trim();
      },
      // A failed decode is not kept: the next request tries again (and gets the error again).
      () => {
        if (this.entries.get(key) === entry) this.entries.delete(key);
      },
    );
    return entry.promise;
  }

  /** Whether the frame is decoded or decoding. */
  has(key: string): boolean {
    return this.entries.has(key);
  }

  get size(): number {
    return this.entries.size;
  }

  get totalBytes(): number {
    return this.bytes;
  }

  private trim(): void {
    for (const [key, e] of this.entries) {
      if (this.bytes <= this.maxBytes) return;
      if (e.bytes === 0) continue; // still decoding
      this.entries.delete(key);
      this.bytes -= e.bytes;
    }
  }
}
