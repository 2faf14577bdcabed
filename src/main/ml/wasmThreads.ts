/**
 * Multi-threaded tfjs wasm in Node: XNNPACK on every core instead of one.
 *
 * `@tensorflow/tfjs-backend-wasm` ships a threaded SIMD build (Emscripten pthreads over
 * worker_threads in Node) but never uses it in Node (`WASM_HAS_MULTITHREAD_SUPPORT` is
 * hard-wired false there, tfjs issue #3830). Three things stand in the way, and this module
 * works around each, for the one version it was checked against:
 *
 * 1. The pthread workers are started from a `blob:` URL (`new Worker(blobUrl)`), which
 *    Node's worker_threads cannot load. While the backend starts, the global `Worker` that
 *    Emscripten assigns is replaced by a class that starts our own bootstrap (`BOOT`, an
 *    eval'd worker_threads script doing what Emscripten's pthread worker script does).
 * 2. That script `importScripts()` the main script from a Blob synchronously; ours reads
 *    the Blob asynchronously and holds back messages until the module is up.
 * 3. The backend's C++ caps its thread pool at `emscripten_num_logical_cores() / 2` (it
 *    assumes two hyper-threads per core), which is 1 on a 2-vCPU machine. While the module
 *    starts, `os.cpus()` reports twice the requested thread count, so the cap is the count.
 *
 * Everything is restored once the backend is up. If the threaded start fails (a pthread
 * worker reports it could not boot) or takes too long, `startThreadedWasm` throws, the
 * workers it made are ended, and the caller starts the single-threaded build instead; the
 * abandoned module is left waiting on workers that never answer (`ParkedWorker`).
 * The main script the workers evaluate is the backend bundle's own factory function
 * (`toString()`), which refers to a few of the bundle's module-level names; BOOT defines
 * them. That is why `CHECKED_VERSION` gates all of this.
 */
import { EventEmitter } from 'node:events';
import os from 'node:os';
import { MessageChannel, Worker as NodeWorker } from 'node:worker_threads';
import type * as TfNs from '@tensorflow/tfjs';

type Tf = typeof TfNs;
type WasmModuleNs = typeof import('@tensorflow/tfjs-backend-wasm');

/** The tfjs-backend-wasm version whose bundle internals BOOT was written against. */
export const CHECKED_VERSION = '4.22.0';

/** Emscripten's pthread worker script (its 'load' / 'run' / 'cancel' protocol), for Node. */
const BOOT = String.raw`
'use strict';
const { parentPort, workerData } = require('worker_threads');
// Module-level names of tf-backend-wasm.node.js that its threaded factory refers to.
Object.assign(globalThis, {
  require$$0: require('fs'), require$$1: require('path'), require$$3: require('perf_hooks'), require$$4: require('os'),
  commonjsGlobal: globalThis, _scriptDir: undefined,
  __values(o) { const it = o[Symbol.iterator]; if (it) return it.call(o); let i = 0; return { next: () => ({ value: o[i], done: i++ >= o.length }) }; },
  __read(o, n) { const it = o[Symbol.iterator]; if (!it) return o; const out = []; for (const v of { [Symbol.iterator]: () => it.call(o) }) { if (n !== undefined && out.length >= n) break; out.push(v); } return out; },
  __spreadArray(to, from) { return to.concat(Array.prototype.slice.call(from)); },
});
let Module = {};
Object.assign(globalThis, { self: globalThis, location: { href: __filename }, postMessage: (m, t) => parentPort.postMessage(m, t) });
let ready = false;
let initializedJS = false;
let pendingQueues = [];
const held = [];
function handle(d) {
  if (d.cmd === 'run') {
    Module.__emscripten_thread_init(d.pthread_ptr, 0, 0, 1);
    Module.establishStackSpace();
    Module.PThread.receiveObjectTransfer(d);
    Module.PThread.threadInitTLS();
    if (!initializedJS) { for (const q of pendingQueues) Module.executeNotifiedProxyingQueue(q); pendingQueues = []; initializedJS = true; }
    try { Module.invokeEntryPoint(d.start_routine, d.arg); }
    catch (ex) {
      if (ex !== 'unwind') {
        if (ex instanceof Module.ExitStatus) { if (!Module.keepRuntimeAlive()) Module.__emscripten_thread_exit(ex.status); }
        else throw ex;
      }
    }
  } else if (d.cmd === 'cancel') {
    if (Module._pthread_self()) Module.__emscripten_thread_exit(-1);
  } else if (d.cmd === 'processProxyingQueue') {
    if (initializedJS) Module.executeNotifiedProxyingQueue(d.queue); else pendingQueues.push(d.queue);
  }
}
parentPort.on('message', (d) => {
  if (d.cmd === 'load') {
    const m = { wasmModule: d.wasmModule, wasmMemory: d.wasmMemory, buffer: d.wasmMemory.buffer, ENVIRONMENT_IS_PTHREAD: true };
    for (const h of d.handlers) m[h] = (...args) => parentPort.postMessage({ cmd: 'callHandler', handler: h, args });
    m.instantiateWasm = (info, receive) => { const inst = new WebAssembly.Instance(m.wasmModule, info); receive(inst); m.wasmModule = null; return inst.exports; };
    globalThis.startWorker = (instance) => {
      Module = instance;
      ready = true;
      parentPort.postMessage({ cmd: 'loaded' });
      for (const h of held.splice(0)) handle(h);
    };
    // A failure here is reported, not thrown: Emscripten's 'error' handler would rethrow it
    // on the main thread and end the process, where the caller can fall back instead.
    Promise.resolve().then(() => d.urlOrBlob.text()).then((code) => {
      (0, eval)(workerData.prepend + code);
      WasmBackendModuleThreadedSimd(m);
    }).catch((err) => workerData.failures.postMessage(String((err && err.message) || err)));
    return;
  }
  if (!ready) { held.push(d); return; }
  handle(d);
});
`;

/** One threaded start: the workers it made, and how a worker's boot failure reaches it. */
interface Attempt {
  workers: Set<NodeWorker>;
  fail: (err: Error) => void;
  /** Tests only: code run in each pthread worker before the module (to make it fail). */
  prepend?: string;
}
let attempt: Attempt | null = null;

/** Starts one of Emscripten's pthread workers with BOOT instead of a blob: URL. */
class PthreadWorker extends NodeWorker {
  constructor() {
    // Boot failures come back on a port of their own: Emscripten reads every message on the
    // worker's own channel (and logs the ones it does not know).
    const failures = new MessageChannel();
    super(BOOT, { eval: true, workerData: { prepend: attempt?.prepend ?? '', failures: failures.port2 }, transferList: [failures.port2] });
    const a = attempt;
    if (a) {
      a.workers.add(this);
      failures.port1.on('message', (message: string) => a.fail(new Error(`a wasm pthread worker could not start: ${message}`)));
    }
    // After on('message'), which refs the port: the port must not keep the process alive.
    failures.port1.unref();
  }
}

/**
 * What `Worker` becomes for an abandoned threaded start: the half-started module may still
 * ask for workers later, and gets ones that never answer, so it waits for ever, quietly,
 * instead of throwing into the process.
 */
class ParkedWorker extends EventEmitter {
  postMessage(): void {}
  ref(): void {}
  unref(): void {}
  terminate(): Promise<number> {
    return Promise.resolve(0);
  }
}

interface ThreadedModule {
  PThread?: { runningWorkers: NodeWorker[]; unusedWorkers: NodeWorker[] };
}

export interface ThreadedStart {
  threads: number;
}

/**
 * Starts the wasm backend with `threads` XNNPACK threads (including the calling thread).
 * Call instead of `tf.setBackend('wasm')`, before anything else has started the wasm
 * backend. Throws when this tfjs version is not the checked one (nothing touched), when a
 * pthread worker reports it cannot boot, or when the module does not come up within
 * `timeoutMs`; in the last two cases the global `Worker` stays a `ParkedWorker` getter (for
 * the abandoned module) and the rest is restored, so the caller can start the
 * single-threaded build.
 */
export async function startThreadedWasm(tf: Tf, wasm: WasmModuleNs, threads: number, timeoutMs = 30_000, testing: { prependToWorkers?: string } = {}): Promise<ThreadedStart> {
  if (wasm.version_wasm !== CHECKED_VERSION) throw new Error(`threaded wasm is only enabled for tfjs-backend-wasm ${CHECKED_VERSION} (this is ${wasm.version_wasm})`);
  if (typeof SharedArrayBuffer === 'undefined') throw new Error('SharedArrayBuffer is not available');
  const g = globalThis as Record<string, unknown>;
  const workerBefore = Object.getOwnPropertyDescriptor(g, 'Worker');
  const cpus = os.cpus;
  const flagBefore = tf.env().getFlags()['WASM_HAS_MULTITHREAD_SUPPORT'];
  Object.defineProperty(g, 'Worker', { configurable: true, get: () => PthreadWorker, set: () => {} });
  // The backend's C++ halves the logical core count and caps the pool there.
  (os as { cpus: () => os.CpuInfo[] }).cpus = () => Array.from({ length: Math.max(2, threads * 2) }, () => cpus()[0]!);
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', true);
  wasm.setThreadsCount(threads);
  let timer: NodeJS.Timeout | undefined;
  let failed = false;
  const current: Attempt = { workers: new Set(), fail: () => {}, ...(testing.prependToWorkers ? { prepend: testing.prependToWorkers } : {}) };
  attempt = current;
  try {
    const ok = await Promise.race([
      tf.setBackend('wasm'),
      new Promise<never>((_, reject) => {
        current.fail = reject;
        timer = setTimeout(() => reject(new Error(`the threaded wasm module did not start within ${timeoutMs / 1000} s`)), timeoutMs);
      }),
    ]);
    if (!ok) throw new Error('the threaded wasm backend did not initialise');
    await tf.ready();
    const actual = wasm.getThreadsCount();
    const module = (tf.backend() as unknown as { wasm: ThreadedModule }).wasm;
    if (module.PThread) {
      // Emscripten pre-starts 8 pthread workers; the pool we asked for holds threads - 1.
      // The idle rest would each keep an isolate and a wasm instance alive for nothing.
      for (const w of module.PThread.unusedWorkers.splice(0)) void w.terminate();
      // A parked pool thread must not keep a CLI or test process alive.
      for (const w of module.PThread.runningWorkers) w.unref();
    }
    return { threads: actual };
  } catch (err) {
    failed = true;
    for (const w of current.workers) void w.terminate();
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', flagBefore ?? false);
    wasm.setThreadsCount(1);
    throw err;
  } finally {
    attempt = null;
    clearTimeout(timer);
    (os as { cpus: () => os.CpuInfo[] }).cpus = cpus;
    if (failed) Object.defineProperty(g, 'Worker', { configurable: true, get: () => ParkedWorker, set: () => {} });
    else if (workerBefore) Object.defineProperty(g, 'Worker', workerBefore);
    else delete g.Worker;
  }
}

/** How many XNNPACK threads to ask for: CARELENS_WASM_THREADS, else the cores (at most 4). */
export function wantedWasmThreads(env: NodeJS.ProcessEnv = process.env): number {
  const asked = Number(env.CARELENS_WASM_THREADS);
  if (Number.isInteger(asked) && asked >= 1) return Math.min(asked, 8);
  const cores = typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
  return Math.max(1, Math.min(4, cores));
}
