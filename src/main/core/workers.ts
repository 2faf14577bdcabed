import fs from 'node:fs';
import path from 'node:path';
import { Worker, type WorkerOptions } from 'node:worker_threads';

/**
 * Starts one of CareLens's worker threads by name ('imagingWorker', 'mlWorker').
 * In a build (Electron, the CLI) the worker is out/main/<name>.js beside this bundle;
 * from sources (vitest, tsx) it is the TypeScript entry, bootstrapped through tsx's
 * require hook: Node 20 ignores `--import tsx` in a worker's execArgv ("Unknown file
 * extension .ts").
 */
const SOURCES: Record<string, string> = {
  imagingWorker: 'imaging/worker.ts',
  mlWorker: 'ml/worker.ts',
};

export function startWorker(name: keyof typeof SOURCES & string, options: WorkerOptions = {}): Worker {
  if (!__filename.endsWith('.ts')) {
    // Shared code may sit in out/main/chunks, one level below the entries.
    for (const dir of [__dirname, path.join(__dirname, '..')]) {
      const built = path.join(dir, `${name}.js`);
      if (fs.existsSync(built)) return new Worker(built, options);
    }
    throw new Error(`Worker ${name}.js is missing beside ${__dirname}; rebuild CareLens.`);
  }
  const source = path.join(__dirname, '..', SOURCES[name]!);
  if (!fs.existsSync(source)) throw new Error(`Worker ${name} not found beside ${__dirname} or at ${source}`);
  return new Worker(`require('tsx/cjs'); require(${JSON.stringify(source)});`, { ...options, eval: true });
}
