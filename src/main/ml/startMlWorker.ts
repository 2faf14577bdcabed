import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { startWorker } from '../app/workers';

/**
 * Starts the ml worker. From a build this is app/workers.ts's startWorker. From sources
 * (vitest, tsx) Node 20 ignores `--import tsx` in a worker's execArgv ("Unknown file
 * extension .ts"), so the worker is bootstrapped through tsx's require hook instead
 * (the imaging feature does the same).
 */
export function startMlWorker(): Worker {
  if (!__filename.endsWith('.ts')) return startWorker('mlWorker');
  const entry = path.join(__dirname, 'worker.ts');
  return new Worker(`require('tsx/cjs'); require(${JSON.stringify(entry)});`, { eval: true });
}
