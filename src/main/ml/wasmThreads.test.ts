import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import type { BackendOptions } from './backend';
import { wantedWasmThreads } from './wasmThreads';

interface Report {
  detail: string;
  threads: number;
  wasm: number[][];
  cpu: number[][];
}

/** Runs wasmThreadsScenario.ts in a fresh worker thread (a fresh tfjs) and waits for it to end. */
function scenario(options: BackendOptions): Promise<Report> {
  const file = path.join(__dirname, 'wasmThreadsScenario.ts');
  return new Promise((resolve, reject) => {
    const w = new Worker(`require('tsx/cjs'); require(${JSON.stringify(file)});`, { eval: true, workerData: options });
    let report: Report | null = null;
    w.once('message', (m: Report) => (report = m));
    w.once('error', reject);
    // The thread must end by itself: a pthread worker left referenced would keep it alive.
    w.once('exit', (code) => (report && code === 0 ? resolve(report) : reject(new Error(`scenario exited ${code} without a report`))));
  });
}

function worstRelativeError(ref: number[][], got: number[][]): number {
  let worst = 0;
  ref.forEach((r, i) => {
    const scale = Math.max(1e-3, ...r.map(Math.abs));
    r.forEach((v, j) => (worst = Math.max(worst, Math.abs(v - got[i]![j]!) / scale)));
  });
  return worst;
}

describe('multi-threaded wasm backend (wasmThreads.ts)', () => {
  it('starts XNNPACK on two threads; forward pass and gradients match the cpu backend', async () => {
    const r = await scenario({ wasmThreads: 2 });
    expect(r.detail).toBe('using wasm (2 threads)');
    expect(r.threads).toBe(2);
    expect(r.wasm.map((a) => a.length)).toEqual(r.cpu.map((a) => a.length));
    expect(worstRelativeError(r.cpu, r.wasm)).toBeLessThan(1e-4);
  });

  it('falls back to one thread, and says why, when a pthread worker cannot boot', async () => {
    const r = await scenario({ wasmThreads: 2, prependToWasmWorkers: 'throw new Error("injected boot failure");' });
    expect(r.detail).toMatch(/^using wasm \(1 thread\); not available: wasm threads: a wasm pthread worker could not start: injected boot failure/);
    expect(r.threads).toBe(1);
    expect(worstRelativeError(r.cpu, r.wasm)).toBeLessThan(1e-4);
  });

  it('falls back to one thread when the threaded module does not start in time', async () => {
    const r = await scenario({ wasmThreads: 2, threadStartTimeoutMs: 1 });
    expect(r.detail).toMatch(/not available: wasm threads: the threaded wasm module did not start within/);
    expect(r.threads).toBe(1);
    expect(worstRelativeError(r.cpu, r.wasm)).toBeLessThan(1e-4);
  });

  it('takes its thread count from CARELENS_WASM_THREADS, else the cores (at most 4)', () => {
    expect(wantedWasmThreads({ CARELENS_WASM_THREADS: '1' })).toBe(1);
    expect(wantedWasmThreads({ CARELENS_WASM_THREADS: '3' })).toBe(3);
    const auto = wantedWasmThreads({});
    expect(auto).toBeGreaterThanOrEqual(1);
    expect(auto).toBeLessThanOrEqual(4);
    expect(wantedWasmThreads({ CARELENS_WASM_THREADS: 'lots' })).toBe(auto);
  });
});
