import type { BackendInfo } from '../../shared/ipc/system';
import type { Logger } from '../core/logger';
import { startThreadedWasm, wantedWasmThreads } from './wasmThreads';

type Tf = typeof import('@tensorflow/tfjs');

export interface LoadedBackend {
  tf: Tf;
  info: BackendInfo;
}

/**
 * Picks the TensorFlow.js backend: native TensorFlow (`@tensorflow/tfjs-node`, an optional
 * dependency that installs on users' machines), then WebAssembly, then the pure-JS cpu
 * backend. The choice and the reasons are logged and shown in the app's status area.
 * `prefer` forces one (for benchmarks and tests).
 *
 * The wasm backend runs XNNPACK on `options.wasmThreads` threads (default: the cores, at most 4, or
 * CARELENS_WASM_THREADS) through wasmThreads.ts; when that cannot start, on one thread, and
 * the detail says why. Only the ml worker threads ask for more than one: the main process
 * loads a backend just to name it.
 */
export interface BackendOptions {
  /** XNNPACK threads for the wasm backend (1: the single-threaded build). */
  wasmThreads?: number;
  /** How long the threaded wasm module may take to start before falling back (ms). */
  threadStartTimeoutMs?: number;
  /** Words for the detail in place of the thread count ("using wasm (<this>)"). */
  wasmNote?: string;
  /** Tests only: code each pthread worker runs first (to simulate a worker that cannot boot). */
  prependToWasmWorkers?: string;
}

export async function loadBackend(logger: Logger, prefer?: 'tensorflow' | 'wasm' | 'cpu', options: BackendOptions = {}): Promise<LoadedBackend> {
  const wasmThreads = options.wasmThreads ?? 1;
  const reasons: string[] = [];
  const order = prefer ? [prefer] : (['tensorflow', 'wasm', 'cpu'] as const);
  for (const name of order) {
    try {
      if (name === 'tensorflow') {
        // tfjs-node registers its backend on import and re-exports tfjs.
        const tfNode = (await import('@tensorflow/tfjs-node' as string)) as Tf;
        await tfNode.setBackend('tensorflow');
        await tfNode.ready();
        return done(tfNode, 'tensorflow', reasons, logger);
      }
      const tf = await import('@tensorflow/tfjs');
      if (name === 'wasm') {
        const wasm = await import('@tensorflow/tfjs-backend-wasm');
        let threads = 0;
        if (wasmThreads > 1) {
          try {
            threads = (await startThreadedWasm(tf, wasm, wasmThreads, options.threadStartTimeoutMs, options.prependToWasmWorkers ? { prependToWorkers: options.prependToWasmWorkers } : {})).threads;
          } catch (err) {
            reasons.push(`wasm threads: ${(err as Error).message.split('\n')[0]}`);
          }
        }
        if (threads === 0) {
          threads = 1;
          const ok = await tf.setBackend('wasm');
          if (!ok) throw new Error('the wasm backend did not initialise');
          await tf.ready();
        }
        return done(tf, 'wasm', reasons, logger, options.wasmNote ?? threadCount(threads));
      }
      await tf.setBackend('cpu');
      await tf.ready();
      return done(tf, 'cpu', reasons, logger);
    } catch (err) {
      const why = (err as Error).message.split('\n')[0] ?? String(err);
      reasons.push(`${name}: ${why}`);
    }
  }
  throw new Error(`No TensorFlow.js backend could start (${reasons.join('; ')})`);
}

export { wantedWasmThreads };

function done(tf: Tf, name: string, reasons: string[], logger: Logger, how?: string): LoadedBackend {
  const using = how ? `using ${name} (${how})` : `using ${name}`;
  const detail = reasons.length ? `${using}; not available: ${reasons.join('; ')}` : using;
  logger.info(`TensorFlow.js backend: ${detail}`);
  return { tf, info: { name, detail } };
}

/**
 * What the main process shows before an ml worker has reported: the backend that loads here
 * (on one thread: the main process runs no models), worded for the ml worker, which asks
 * for `wantedWasmThreads()` threads and reports what it got once it starts.
 */
export async function nameBackend(logger: Logger): Promise<BackendInfo> {
  return (await loadBackend(logger, undefined, { wasmNote: `the ml worker asks for ${threadCount(wantedWasmThreads())}` })).info;
}

const threadCount = (n: number) => `${n} thread${n === 1 ? '' : 's'}`;
