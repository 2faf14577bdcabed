import type { Worker } from 'node:worker_threads';
import { startWorker } from '../core/workers';

/** Starts the imaging worker (the built file in Electron and the CLI, the TypeScript source in tests). */
export function startImagingWorker(): Worker {
  return startWorker('imagingWorker');
}
