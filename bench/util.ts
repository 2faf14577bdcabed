/** Small statistics helpers for benchmarks: quote medians and percentiles, never one run. */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const idx = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[idx]!;
}

export const median = (values: number[]): number => percentile(values, 50);

export function fmt(n: number, digits = 1): string {
  return Number.isFinite(n) ? n.toFixed(digits) : String(n);
}

/**
 * The wasm backend as the ml worker starts it (backend.ts): XNNPACK on `--threads N`
 * threads (default: the cores, at most 4) plus CareLens's training kernels. Returns the
 * backend's own description, e.g. "using wasm (2 threads)".
 */
export async function benchBackend(args: string[]): Promise<string> {
  const { loadBackend, wantedWasmThreads } = await import('../src/main/ml/backend');
  const { installWasmTrainingKernels } = await import('../src/main/ml/wasmKernels');
  const i = args.indexOf('--threads');
  const threads = i >= 0 ? Number(args[i + 1]) : wantedWasmThreads();
  const quiet = { info: () => {}, warn: () => {}, error: (m: string) => console.error(m) };
  const b = await loadBackend(quiet, 'wasm', { wasmThreads: threads });
  installWasmTrainingKernels(b.tf);
  return `${b.info.detail}, tfjs ${b.tf.version.tfjs}, XNNPACK, SIMD`;
}
