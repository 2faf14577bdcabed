/**
 * The ml worker thread's entry (built to out/main/mlWorker.js). Heavy ml work runs
 * here, never on the main thread. See app/workers.ts for how it is started.
 */
import { parentPort } from 'node:worker_threads';

parentPort?.on('message', (message: unknown) => {
  parentPort?.postMessage({ type: 'error', message: `The ml worker does not handle ${JSON.stringify(message)} yet.` });
});
