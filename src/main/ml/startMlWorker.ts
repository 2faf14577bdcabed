import type { Worker } from 'node:worker_threads';
import { startWorker } from '../core/workers';

/** Starts the ml worker (the built file in Electron and the CLI, the TypeScript source in tests). */
export function startMlWorker(): Worker {
  return startWorker('mlWorker');
}
