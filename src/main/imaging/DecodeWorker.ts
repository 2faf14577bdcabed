import type { Worker } from 'node:worker_threads';
import type { Logger } from '../core/logger';
import type { WorkerIn, WorkerOut } from './importProtocol';
import { PixelError } from './pixelError';
import type { ViewerFrame } from './viewerFrame';

/**
 * Decodes viewer frames in a long-lived imaging worker, so a 2,000 x 2,000 JPEG 2000 never
 * blocks the main thread (which also serves the UI). Started on first use, restarted if it dies.
 */
export class DecodeWorker {
  private worker: Worker | null = null;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (d: ViewerFrame) => void; reject: (e: Error) => void }>();

  constructor(
    private readonly start: () => Worker,
    private readonly logger: Logger,
  ) {}

  /** `storeKey` (hex) decrypts the stored file in the worker; absent for a plain store. */
  decode(file: string, frame: number, previewSize?: number, storeKey?: string): Promise<ViewerFrame> {
    const worker = this.ensure();
    const requestId = this.nextId++;
    return new Promise<ViewerFrame>((resolve, reject) => {
      this.pending.set(requestId, { resolve, reject });
      worker.postMessage({ type: 'decode', requestId, file, frame, ...(previewSize ? { previewSize } : {}), ...(storeKey ? { storeKey } : {}) } satisfies WorkerIn);
    });
  }

  /** Starts the worker and loads its codecs, without waiting. */
  warm(): void {
    try {
      this.ensure().postMessage({ type: 'warm' } satisfies WorkerIn);
    } catch (err) {
      this.logger.error('imaging decode worker could not start', err);
    }
  }

  private ensure(): Worker {
    if (this.worker) return this.worker;
    const worker = this.start();
    worker.unref(); // an idle decoder must not keep the CLI alive
    worker.on('message', (m: WorkerOut) => {
      if (m.type !== 'decoded') return;
      const p = this.pending.get(m.requestId);
      if (!p) return;
      this.pending.delete(m.requestId);
      if (m.image) p.resolve(m.image);
      else p.reject(new PixelError(m.error ?? 'the frame could not be decoded'));
    });
    const fail = (why: string) => {
      this.logger.error(`imaging decode worker stopped: ${why}`);
      this.worker = null;
      for (const p of this.pending.values()) p.reject(new Error(`the decoder stopped (${why})`));
      this.pending.clear();
    };
    worker.on('error', (err) => fail(err.message));
    worker.on('exit', (code) => {
      if (this.worker === worker) fail(`exit code ${code}`);
    });
    this.worker = worker;
    return worker;
  }

  async dispose(): Promise<void> {
    const w = this.worker;
    this.worker = null;
    if (w) await w.terminate();
  }
}
