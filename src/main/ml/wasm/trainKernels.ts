/**
 * CareLens's wasm SIMD training kernels (trainKernels.c, built by
 * scripts/build-wasm-kernels.sh into trainKernels.wasm.ts): batch normalisation forward and
 * backward, each optionally fused with the ReLU that follows it, and the convolution filter
 * gradient.
 *
 * The module is separate from the tfjs backend's and has its own memory (~0.6 MB, plus one
 * image's input and output gradient for the filter gradient, grown on demand and kept):
 * rows of a channels-last tensor are copied in from the backend's heap a chunk (64 K floats,
 * or one image) at a time, computed on, and copied out. Why not import the backend's memory and work in place: the
 * backend's heap is shared memory in the threaded build and plain in the other, owned by
 * Emscripten's allocator, and a module linked against it would have to be free of data
 * segments and stack for certain; the copies are memcpy-speed (~0.1-0.2 ns per float per
 * pass) next to the 10-20 ns per element the JS loops cost, so the simple, safe design wins.
 *
 * One instance per process (compiled synchronously on first use: the module is ~9 KB).
 */
import { TRAIN_KERNELS_WASM_BASE64 } from './trainKernels.wasm';

// The WebAssembly API, typed here (the main-process tsconfig has no DOM library).
interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
const WA = (globalThis as unknown as { WebAssembly: { Module: new (bytes: Uint8Array) => object; Instance: new (module: object, imports: object) => { exports: object } } }).WebAssembly;

interface Exports {
  memory: WasmMemory;
  tk_base(): number;
  tk_maxc(): number;
  tk_chunk(): number;
  tk_reset(C: number): void;
  tk_bn_stats(rows: number, C: number): void;
  tk_bn_finish(M: number, C: number, eps: number): void;
  tk_bn_apply(rows: number, C: number, relu: number): void;
  tk_bn_grad_sums(rows: number, C: number, relu: number): void;
  tk_bn_grad_finish(M: number, C: number): void;
  tk_bn_grad_apply(rows: number, C: number, relu: number): void;
  tk_heap(): number;
  tk_conv_filter_grad(x: number, dy: number, dw: number, H: number, W: number, Cin: number, Ho: number, Wo: number, Cout: number, kh: number, kw: number, pt: number, pl: number): void;
  tk_accumulate(sum: number, part: number, n: number): void;
  tk_maxpool_grad(x: number, y: number, dy: number, dx: number, H: number, W: number, C: number): void;
  tk_adam(p: number, g: number, m: number, v: number, n: number, b1: number, b2: number, o1: number, o2: number, c1: number, c2: number, lr: number, eps: number): void;
}

let instance: Exports | null = null;

function kernels(): Exports {
  if (!instance) {
    const bytes = Buffer.from(TRAIN_KERNELS_WASM_BASE64, 'base64');
    instance = new WA.Instance(new WA.Module(bytes), {}).exports as unknown as Exports;
  }
  return instance;
}

/** The largest channel count the kernels take (the parameter block holds 3 C coefficients). */
export const MAX_CHANNELS = 512;

/**
 * False when CARELENS_SIMD_KERNELS=0: the training kernels then take their previous paths
 * (JS batch norm, XNNPACK filter gradient, copying Identity), for before/after benchmarks.
 */
export const simdKernelsEnabled = (): boolean => process.env.CARELENS_SIMD_KERNELS !== '0';

/** Whether the SIMD batch-norm kernels can take a [..., C] float tensor. */
export const simdBatchNormFits = (C: number): boolean => simdKernelsEnabled() && C > 0 && C % 4 === 0 && C <= MAX_CHANNELS;

interface View {
  /** The parameter block: gamma, beta, mean, invstd, out0, out1, shift/coefficients (each `maxc` floats). */
  p: Float32Array;
  a: Float32Array;
  b: Float32Array;
  maxc: number;
  rowsPerChunk: number;
}

/** Makes the module's memory at least `end` bytes (growing detaches earlier views). */
function reserve(k: Exports, end: number): void {
  const have = k.memory.buffer.byteLength;
  if (end > have) k.memory.grow(Math.ceil((end - have) / 65536));
}

function view(k: Exports, C: number): View {
  const base = k.tk_base() >>> 2;
  const maxc = k.tk_maxc();
  const chunk = k.tk_chunk();
  const heap = new Float32Array(k.memory.buffer);
  return {
    p: heap.subarray(base, base + 8 * maxc),
    a: heap.subarray(base + 8 * maxc, base + 8 * maxc + chunk),
    b: heap.subarray(base + 8 * maxc + chunk, base + 8 * maxc + 2 * chunk),
    maxc,
    rowsPerChunk: Math.floor(chunk / C),
  };
}

const P = { gamma: 0, beta: 1, mean: 2, invstd: 3, out0: 4, out1: 5, shift: 6 } as const;
const slot = (v: View, name: keyof typeof P, C: number) => v.p.subarray(P[name] * v.maxc, P[name] * v.maxc + C);

export interface BatchNormStats {
  mean: Float32Array;
  variance: Float32Array;
  invstd: Float32Array;
}

/**
 * Training-mode batch norm over `x` ([M * C] floats, channels last) into `y` (may be `x`):
 * y = relu?((x - mean) * invstd * gamma + beta), with the batch's mean, biased variance and
 * invstd (written to `stats`).
 */
export function batchNormForward(x: Float32Array, y: Float32Array, C: number, gamma: Float32Array, beta: Float32Array, epsilon: number, relu: boolean, stats: BatchNormStats): void {
  if (!(C > 0 && C % 4 === 0 && C <= MAX_CHANNELS)) throw new Error(`the SIMD batch norm takes a multiple of 4 channels up to ${MAX_CHANNELS}, not ${C}`);
  const k = kernels();
  const v = view(k, C);
  const M = x.length / C;
  const step = v.rowsPerChunk * C;
  slot(v, 'gamma', C).set(gamma);
  slot(v, 'beta', C).set(beta);
  slot(v, 'shift', C).set(x.subarray(0, C));
  k.tk_reset(C);
  for (let i = 0; i < x.length; i += step) {
    const part = x.subarray(i, Math.min(x.length, i + step));
    v.a.set(part);
    k.tk_bn_stats(part.length / C, C);
  }
  k.tk_bn_finish(M, C, epsilon);
  stats.mean.set(slot(v, 'mean', C));
  stats.variance.set(slot(v, 'out0', C));
  stats.invstd.set(slot(v, 'invstd', C));
  for (let i = 0; i < x.length; i += step) {
    const n = Math.min(x.length, i + step) - i;
    v.a.set(x.subarray(i, i + n));
    k.tk_bn_apply(n / C, C, relu ? 1 : 0);
    y.set(v.a.subarray(0, n), i);
  }
}

/**
 * The gradient of `batchNormForward` (same x, gamma, beta, mean, invstd, relu) for `dy`
 * (the gradient of its output): dx into `dx` (may be `dy`), dgamma and dbeta.
 */
export function batchNormBackward(
  dy: Float32Array,
  x: Float32Array,
  dx: Float32Array,
  C: number,
  p: { gamma: Float32Array; beta: Float32Array; mean: Float32Array; invstd: Float32Array },
  relu: boolean,
  out: { dgamma: Float32Array; dbeta: Float32Array },
): void {
  if (!(C > 0 && C % 4 === 0 && C <= MAX_CHANNELS)) throw new Error(`the SIMD batch norm takes a multiple of 4 channels up to ${MAX_CHANNELS}, not ${C}`);
  const k = kernels();
  const v = view(k, C);
  const M = x.length / C;
  const step = v.rowsPerChunk * C;
  slot(v, 'gamma', C).set(p.gamma);
  slot(v, 'beta', C).set(p.beta);
  slot(v, 'mean', C).set(p.mean);
  slot(v, 'invstd', C).set(p.invstd);
  k.tk_reset(C);
  const r = relu ? 1 : 0;
  for (let i = 0; i < x.length; i += step) {
    const n = Math.min(x.length, i + step) - i;
    v.a.set(dy.subarray(i, i + n));
    v.b.set(x.subarray(i, i + n));
    k.tk_bn_grad_sums(n / C, C, r);
  }
  k.tk_bn_grad_finish(M, C);
  out.dgamma.set(slot(v, 'out0', C));
  out.dbeta.set(slot(v, 'out1', C));
  for (let i = 0; i < x.length; i += step) {
    const n = Math.min(x.length, i + step) - i;
    v.a.set(dy.subarray(i, i + n));
    v.b.set(x.subarray(i, i + n));
    k.tk_bn_grad_apply(n / C, C, r);
    dx.set(v.a.subarray(0, n), i);
  }
}

/** Whether `convFilterGradient` takes these output channels (multiples of 8). */
export const simdFilterGradFits = (Cout: number): boolean => simdKernelsEnabled() && Cout > 0 && Cout % 8 === 0;

/**
 * The filter gradient of a stride-1, dilation-1, channels-last convolution, summed over the
 * batch: dw[i, j, ci, co] = sum over n, h, w of x[n, h + i - padTop, w + j - padLeft, ci] *
 * dy[n, h, w, co] (x zero outside), into `out` ([kh, kw, Cin, Cout]). One image at a time
 * through the module (per-image sums in float, the batch sum in double).
 */
export function convFilterGradient(
  x: Float32Array,
  dy: Float32Array,
  out: Float32Array,
  s: { N: number; H: number; W: number; Cin: number; Ho: number; Wo: number; Cout: number; kh: number; kw: number; padTop: number; padLeft: number },
): void {
  if (!(s.Cout > 0 && s.Cout % 8 === 0)) throw new Error(`the SIMD filter gradient takes a multiple of 8 output channels, not ${s.Cout}`);
  const k = kernels();
  const xs = s.H * s.W * s.Cin;
  const ds = s.Ho * s.Wo * s.Cout;
  const ws = s.kh * s.kw * s.Cin * s.Cout;
  if (x.length !== s.N * xs || dy.length !== s.N * ds || out.length !== ws) throw new Error('convFilterGradient: shapes do not match the arrays');
  const align = (v: number) => Math.ceil(v / 16) * 16;
  const xAt = align(k.tk_heap());
  const dyAt = align(xAt + 4 * xs);
  const dwAt = align(dyAt + 4 * ds);
  const sumAt = align(dwAt + 4 * ws);
  reserve(k, sumAt + 8 * ws);
  const f = new Float32Array(k.memory.buffer);
  const d = new Float64Array(k.memory.buffer, sumAt, ws);
  d.fill(0);
  for (let n = 0; n < s.N; n++) {
    f.set(x.subarray(n * xs, (n + 1) * xs), xAt >>> 2);
    f.set(dy.subarray(n * ds, (n + 1) * ds), dyAt >>> 2);
    k.tk_conv_filter_grad(xAt, dyAt, dwAt, s.H, s.W, s.Cin, s.Ho, s.Wo, s.Cout, s.kh, s.kw, s.padTop, s.padLeft);
    k.tk_accumulate(sumAt, dwAt, ws);
  }
  out.set(d);
}

/** Whether `maxPoolGradient` takes this input (H, W even; C a multiple of 4). */
export const simdMaxPoolGradFits = (H: number, W: number, C: number): boolean => simdKernelsEnabled() && H % 2 === 0 && W % 2 === 0 && C > 0 && C % 4 === 0;

/**
 * Gradient of a 2x2, stride-2 max pool of `x` ([N, H, W, C]) with output `y` and output
 * gradient `dy` ([N, H/2, W/2, C]) into `dx` (like `x`): each dy to its window's first
 * maximum in row-major order. One image at a time through the module.
 */
export function maxPoolGradient(x: Float32Array, y: Float32Array, dy: Float32Array, dx: Float32Array, s: { N: number; H: number; W: number; C: number }): void {
  if (!(s.H % 2 === 0 && s.W % 2 === 0 && s.C > 0 && s.C % 4 === 0)) throw new Error('the SIMD max-pool gradient takes even sizes and a multiple of 4 channels');
  const xs = s.H * s.W * s.C;
  const ys = xs / 4;
  if (x.length !== s.N * xs || dx.length !== s.N * xs || y.length !== s.N * ys || dy.length !== s.N * ys) throw new Error('maxPoolGradient: shapes do not match the arrays');
  const k = kernels();
  const xAt = Math.ceil(k.tk_heap() / 16) * 16;
  const yAt = xAt + 4 * xs;
  const dyAt = yAt + 4 * ys;
  const dxAt = dyAt + 4 * ys;
  reserve(k, dxAt + 4 * xs);
  const f = new Float32Array(k.memory.buffer);
  for (let n = 0; n < s.N; n++) {
    f.set(x.subarray(n * xs, (n + 1) * xs), xAt >>> 2);
    f.set(y.subarray(n * ys, (n + 1) * ys), yAt >>> 2);
    f.set(dy.subarray(n * ys, (n + 1) * ys), dyAt >>> 2);
    k.tk_maxpool_grad(xAt, yAt, dyAt, dxAt, s.H, s.W, s.C);
    dx.set(f.subarray(dxAt >>> 2, (dxAt >>> 2) + xs), n * xs);
  }
}

export interface AdamConfig {
  beta1: number;
  beta2: number;
  epsilon: number;
  learningRate: number;
  /** 1 - beta1^t and 1 - beta2^t for this step t. */
  c1: number;
  c2: number;
}

const ADAM_CHUNK = 65536;

/**
 * One Adam step over a variable `p`, its gradient `g` and moments `m`, `v` (all the same
 * length) into `out` (which may be the inputs), as tfjs's AdamOptimizer computes it: in chunks
 * of 64 K values through the module.
 */
export function adamStep(
  { p, g, m, v }: { p: Float32Array; g: Float32Array; m: Float32Array; v: Float32Array },
  out: { p: Float32Array; m: Float32Array; v: Float32Array },
  c: AdamConfig,
): void {
  const n = p.length;
  if ([g, m, v, out.p, out.m, out.v].some((a) => a.length !== n)) throw new Error('adamStep: the variable, gradient and moments differ in length');
  const k = kernels();
  const base = Math.ceil(k.tk_heap() / 16) * 16;
  reserve(k, base + 16 * ADAM_CHUNK);
  const f = new Float32Array(k.memory.buffer, base, 4 * ADAM_CHUNK);
  const [pv, gv, mv, vv] = [0, 1, 2, 3].map((i) => f.subarray(i * ADAM_CHUNK, (i + 1) * ADAM_CHUNK)) as [Float32Array, Float32Array, Float32Array, Float32Array];
  for (let i = 0; i < n; i += ADAM_CHUNK) {
    const e = Math.min(n, i + ADAM_CHUNK);
    pv.set(p.subarray(i, e));
    gv.set(g.subarray(i, e));
    mv.set(m.subarray(i, e));
    vv.set(v.subarray(i, e));
    k.tk_adam(base, base + 4 * ADAM_CHUNK, base + 8 * ADAM_CHUNK, base + 12 * ADAM_CHUNK, e - i, c.beta1, c.beta2, 1 - c.beta1, 1 - c.beta2, c.c1, c.c2, c.learningRate, c.epsilon);
    out.p.set(pv.subarray(0, e - i), i);
    out.m.set(mv.subarray(0, e - i), i);
    out.v.set(vv.subarray(0, e - i), i);
  }
}
