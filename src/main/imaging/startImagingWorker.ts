import type { Worker } from 'node:worker_threads';
import { startWorker } from '../core/workers';

/**
 * The imaging worker's JavaScript heap limits. A runaway decode (a file built to exhaust
 * memory that got past the size checks in limits.ts) ends that worker with
 * ERR_WORKER_OUT_OF_MEMORY instead of taking the host down: the import reports the error, and
 * the decode worker is restarted on the next request. Pixel buffers live outside this heap;
 * they are bounded by limits.ts (MAX_FRAME_PIXELS, MAX_DECODED_BYTES) before they are allocated.
 */
export const IMAGING_WORKER_LIMITS = { maxOldGenerationSizeMb: 1024, maxYoungGenerationSizeMb: 64, stackSizeMb: 8 } as const;

/** Starts the imaging worker (the built file in Electron and the CLI, the TypeScript source in tests). */
export function startImagingWorker(): Worker {
  return startWorker('imagingWorker', { resourceLimits: { ...IMAGING_WORKER_LIMITS } });
}
