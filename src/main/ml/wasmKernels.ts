/**
 * Makes the tfjs wasm backend able to train conv nets, fast.
 *
 * As shipped (4.22), `@tensorflow/tfjs-backend-wasm` has no `Conv2DBackpropFilter` kernel
 * (training a conv net throws), its `Conv2DBackpropInput` is scalar code, and matMuls with a
 * transposed operand miss XNNPACK's fast path. Its forward `Conv2D`, `Transpose` and
 * non-transposed `BatchMatMul` do run through XNNPACK (SIMD). For stride 1 / dilation 1
 * both convolution gradients are themselves forward convolutions:
 *
 * - filter gradient: dW[i,j,ci,co] = sum_{n,h,w} xpad[n,h+i,w+j,ci] * dy[n,h,w,co], i.e. a
 *   "valid" convolution of x with batch and channel axes swapped ([Cin,H,W,N], padded like
 *   the forward pass) against dy used as the filter ([Ho,Wo,N,Cout]); the result
 *   [Cin,kh,kw,Cout] is transposed to [kh,kw,Cin,Cout].
 * - input gradient: a convolution of dy with the spatially flipped, in/out-swapped filter,
 *   padded by (k-1-pad) on each side.
 *
 * We register these as the wasm kernels (working on TensorInfos with the backend's own
 * kernels, so tfjs's tape and tensor tracking stay untouched), which covers both the plain
 * Conv2D gradient and the fused-conv gradient that tfjs-layers uses. Where the output channels
 * are a multiple of 8, the filter gradient is instead our own wasm SIMD kernel
 * (wasm/trainKernels.c: register-blocked outer products, one image at a time, one thread),
 * which ran as fast as or faster than XNNPACK's two-thread convolution with an image-sized
 * "kernel" in every sitting measured (docs/ml.md). Other strides and
 * dilations keep the stock input-gradient kernel; a filter gradient for them is refused
 * with a clear message (our models do not use them).
 */
import type * as TfNs from '@tensorflow/tfjs';
import { installBatchNormKernels } from './batchNorm';
import { convFilterGradient, maxPoolGradient, simdFilterGradFits, simdKernelsEnabled, simdMaxPoolGradFits } from './wasm/trainKernels';
import { installAdamKernel } from './wasm/fusedAdam';

type Tf = typeof TfNs;
type TensorInfo = TfNs.TensorInfo;
// The wasm backend object: only what we use of it.
interface WasmBackendLike {
  disposeData(dataId: object): boolean;
  incRef(dataId: object): void;
  makeOutput(shape: number[], dtype: string): TensorInfo;
  typedArrayFromHeap(t: TensorInfo): Float32Array | Int32Array | Uint8Array;
}
type KernelFn = (args: { inputs: Record<string, TensorInfo>; backend: WasmBackendLike; attrs: Record<string, unknown> }) => TensorInfo;

const installed = new WeakSet<object>();

function kernel(tf: Tf, name: string): KernelFn {
  const k = tf.getKernel(name, 'wasm');
  if (!k) throw new Error(`the wasm backend has no ${name} kernel`);
  return k.kernelFunc as unknown as KernelFn;
}

function replaceKernel(tf: Tf, name: string, kernelFunc: KernelFn): void {
  const existing = tf.getKernel(name, 'wasm');
  if (existing) tf.unregisterKernel(name, 'wasm');
  // The stock kernel's setupFunc already ran when the backend initialised; ours needs none.
  tf.registerKernel({ kernelName: name, backendName: 'wasm', kernelFunc: kernelFunc as unknown as TfNs.KernelFunc });
}

function pair(v: unknown): [number, number] {
  if (typeof v === 'number') return [v, v];
  if (Array.isArray(v) && v.length >= 2) return [Number(v[0]), Number(v[1])];
  return [1, 1];
}

/**
 * Installs the fast training kernels on the wasm backend (idempotent). Call after
 * `tf.setBackend('wasm')` resolved. Returns false when the backend is not wasm.
 */
export function installWasmTrainingKernels(tf: Tf): boolean {
  if (tf.getBackend() !== 'wasm') return false;
  const backendObj = tf.engine().findBackend('wasm') as unknown as object;
  if (installed.has(backendObj)) return true;
  const conv2d = kernel(tf, 'Conv2D');
  const transpose = kernel(tf, 'Transpose');
  const reverse = kernel(tf, 'Reverse');
  const batchMatMul = kernel(tf, 'BatchMatMul');
  const stockBackpropInput = kernel(tf, 'Conv2DBackpropInput');
  const { backend_util: bu } = tf;
  /** The forward pass's padding, for the stride-1 / dilation-1 convolutions these kernels handle. */
  const stride1Padding = (inputShape: number[], filterShape: number[], attrs: Record<string, unknown>) =>
    bu.computeConv2DInfo(
      inputShape as [number, number, number, number],
      filterShape as [number, number, number, number],
      [1, 1],
      [1, 1],
      attrs.pad as 'same',
      attrs.dimRoundingMode as 'round' | undefined,
    ).padInfo;
  /** A stride-1 NHWC forward convolution (XNNPACK) with explicit [before, after] padding per axis. */
  const stride1Conv = (backend: WasmBackendLike, x: TensorInfo, filter: TensorInfo, padH: [number, number], padW: [number, number]) =>
    conv2d({ inputs: { x, filter }, backend, attrs: { strides: [1, 1], dilations: [1, 1], pad: [[0, 0], padH, padW, [0, 0]], dataFormat: 'NHWC' } }) as TensorInfo;

  const convBackpropFilter: KernelFn = ({ inputs, backend, attrs }) => {
    const { x, dy } = inputs as { x: TensorInfo; dy: TensorInfo };
    const filterShape = attrs.filterShape as [number, number, number, number];
    const [sh, sw] = pair(attrs.strides);
    if (sh !== 1 || sw !== 1) throw new Error('CareLens wasm training supports convolution strides of 1 only');
    if (attrs.dataFormat && attrs.dataFormat !== 'NHWC') throw new Error('CareLens wasm training supports NHWC only');
    const p = stride1Padding(x.shape, filterShape, attrs);
    const [dh, dw] = pair(attrs.dilations);
    if (simdFilterGradFits(filterShape[3]) && x.dtype === 'float32' && dy.dtype === 'float32' && dh === 1 && dw === 1) {
      // Our SIMD kernel (wasm/trainKernels.c) in place of XNNPACK's convolution with an image-sized "kernel".
      const out = backend.makeOutput([...filterShape], 'float32');
      const [N, H, W, Cin] = x.shape as [number, number, number, number];
      const [kh, kw, , Cout] = filterShape;
      const s = { N, H, W, Cin, Ho: dy.shape[1]!, Wo: dy.shape[2]!, Cout, kh, kw, padTop: p.top, padLeft: p.left };
      // Views only after makeOutput: an allocation may grow (and so replace) the heap.
      convFilterGradient(backend.typedArrayFromHeap(x) as Float32Array, backend.typedArrayFromHeap(dy) as Float32Array, backend.typedArrayFromHeap(out) as Float32Array, s);
      return out;
    }
    const xT = transpose({ inputs: { x }, backend, attrs: { perm: [3, 1, 2, 0] } }); // [Cin,H,W,N]
    const dyT = transpose({ inputs: { x: dy }, backend, attrs: { perm: [1, 2, 0, 3] } }); // [Ho,Wo,N,Cout]
    const g = stride1Conv(backend, xT, dyT, [p.top, p.bottom], [p.left, p.right]); // [Cin,kh,kw,Cout]
    backend.disposeData(xT.dataId);
    backend.disposeData(dyT.dataId);
    const out = transpose({ inputs: { x: g }, backend, attrs: { perm: [1, 2, 0, 3] } });
    backend.disposeData(g.dataId);
    return out;
  };

  const convBackpropInput: KernelFn = (args) => {
    const { inputs, backend, attrs } = args;
    const { dy, filter } = inputs as { dy: TensorInfo; filter: TensorInfo };
    const [sh, sw] = pair(attrs.strides);
    const [dh, dw] = pair(attrs.dilations);
    if (sh !== 1 || sw !== 1 || dh !== 1 || dw !== 1 || (attrs.dataFormat && attrs.dataFormat !== 'NHWC')) return stockBackpropInput(args);
    const inputShape = attrs.inputShape as [number, number, number, number];
    const [kh, kw] = filter.shape as [number, number, number, number];
    const p = stride1Padding(inputShape, filter.shape, attrs);
    const flipped = reverse({ inputs: { x: filter }, backend, attrs: { dims: [0, 1] } });
    const swapped = transpose({ inputs: { x: flipped }, backend, attrs: { perm: [0, 1, 3, 2] } }); // [kh,kw,Cout,Cin]
    backend.disposeData(flipped.dataId);
    const out = stride1Conv(backend, dy, swapped, [kh - 1 - p.top, kh - 1 - p.bottom], [kw - 1 - p.left, kw - 1 - p.right]);
    backend.disposeData(swapped.dataId);
    return out;
  };

  // XNNPACK's fast path (batch 1) wants both operands untransposed, and it repacks its
  // right operand (the "weights") on every call whose data is new, which in training is
  // every call. So: transpose explicitly, and when the right operand is the bigger one,
  // compute C^T = B^T A^T instead, so the big matrix is streamed rather than repacked.
  const fastMatMul: KernelFn = (args) => {
    const { inputs, backend, attrs } = args;
    const { a, b } = inputs as { a: TensorInfo; b: TensorInfo };
    const ta = Boolean(attrs.transposeA);
    const tb = Boolean(attrs.transposeB);
    const batchA = a.shape.slice(0, -2).reduce((p, d) => p * d, 1);
    const batchB = b.shape.slice(0, -2).reduce((p, d) => p * d, 1);
    const size = (t: TensorInfo) => t.shape.reduce((p, d) => p * d, 1);
    const temps: TensorInfo[] = [];
    const swapLast = (t: TensorInfo) => {
      const r = t.shape.length;
      const perm = [...Array(r).keys()];
      perm[r - 1] = r - 2;
      perm[r - 2] = r - 1;
      const out = transpose({ inputs: { x: t }, backend, attrs: { perm } });
      temps.push(out);
      return out;
    };
    const plain = { ...attrs, transposeA: false, transposeB: false };
    try {
      if (batchA === 1 && batchB === 1 && size(b) > size(a)) {
        // C^T = op(B)^T . op(A)^T; op(B)^T is B itself when transposeB was set.
        const left = tb ? b : swapLast(b);
        const right = ta ? a : swapLast(a);
        const ct = batchMatMul({ inputs: { a: left, b: right }, backend, attrs: plain });
        temps.push(ct);
        const c = swapLast(ct);
        temps.pop(); // c is the result: keep it
        return c;
      }
      if (!ta && !tb) return batchMatMul(args);
      const a2 = ta ? swapLast(a) : a;
      const b2 = tb ? swapLast(b) : b;
      return batchMatMul({ inputs: { a: a2, b: b2 }, backend, attrs: plain });
    } finally {
      for (const t of temps) backend.disposeData(t.dataId);
    }
  };

  // The stock MaxPoolGrad is scalar code through a generic index mapper. For the 2x2 /
  // stride 2 pools our models use, one pass over the heap routes each dy to its window's
  // first maximum (row-major, as the cpu backend and TensorFlow do) and zeroes the rest.
  const stockMaxPoolGrad = kernel(tf, 'MaxPoolGrad');
  const maxPoolGrad: KernelFn = (args) => {
    const { inputs, backend, attrs } = args;
    const { dy, input, output } = inputs as { dy: TensorInfo; input: TensorInfo; output: TensorInfo };
    const [fh, fw] = pair(attrs.filterSize);
    const [sh, sw] = pair(attrs.strides);
    const [n, H, W, c] = input.shape as [number, number, number, number];
    if (input.dtype !== 'float32' || fh !== 2 || fw !== 2 || sh !== 2 || sw !== 2 || H % 2 !== 0 || W % 2 !== 0 || output.shape[1] !== H / 2 || output.shape[2] !== W / 2) {
      return stockMaxPoolGrad(args);
    }
    const out = backend.makeOutput([n, H, W, c], 'float32');
    if (simdMaxPoolGradFits(H, W, c)) {
      // The same routing in wasm SIMD (wasm/trainKernels.c), 4 channels at a time.
      const f = (t: TensorInfo) => backend.typedArrayFromHeap(t) as Float32Array;
      maxPoolGradient(f(input), f(output), f(dy), f(out), { N: n, H, W, C: c });
      return out;
    }
    // Views only after makeOutput: an allocation may grow (and so replace) the heap.
    const xv = backend.typedArrayFromHeap(input) as Float32Array;
    const yv = backend.typedArrayFromHeap(output) as Float32Array;
    const gv = backend.typedArrayFromHeap(dy) as Float32Array;
    const ov = backend.typedArrayFromHeap(out) as Float32Array;
    ov.fill(0);
    const Ho = H / 2;
    const Wo = W / 2;
    const row = W * c;
    let o = 0;
    for (let b = 0; b < n; b++) {
      for (let i = 0; i < Ho; i++) {
        for (let j = 0; j < Wo; j++) {
          const r0 = ((b * H + 2 * i) * W + 2 * j) * c;
          for (let k = 0; k < c; k++, o++) {
            const m = yv[o]!;
            const at = r0 + k;
            const hit = xv[at] === m ? at : xv[at + c] === m ? at + c : xv[at + row] === m ? at + row : at + row + c;
            ov[hit] = gv[o]!;
          }
        }
      }
    }
    return out;
  };

  // The stock wasm Tile is a scalar index-mapping loop (hundreds of ms for a [32,28,28,16]
  // output); batch-norm gradients tile per-channel vectors to full size on every step.
  // Tiling axis by axis from the innermost is a few block copies per axis.
  const stockTile = kernel(tf, 'Tile');
  const fastTile: KernelFn = (args) => {
    const { inputs, backend, attrs } = args;
    const x = inputs.x as TensorInfo;
    const reps = attrs.reps as number[];
    if ((x.dtype !== 'float32' && x.dtype !== 'int32') || reps.length !== x.shape.length) return stockTile(args);
    const shape = [...x.shape];
    let cur = backend.typedArrayFromHeap(x).slice() as Float32Array | Int32Array;
    for (let d = shape.length - 1; d >= 0; d--) {
      const r = reps[d]!;
      if (r === 1) continue;
      const inner = shape.slice(d).reduce((p, v) => p * v, 1);
      const outer = shape.slice(0, d).reduce((p, v) => p * v, 1);
      const next = cur instanceof Float32Array ? new Float32Array(cur.length * r) : new Int32Array(cur.length * r);
      for (let o = 0; o < outer; o++) {
        const block = cur.subarray(o * inner, (o + 1) * inner);
        for (let k = 0; k < r; k++) next.set(block as never, (o * r + k) * inner);
      }
      cur = next;
      shape[d] = shape[d]! * r;
    }
    const out = backend.makeOutput(shape, x.dtype);
    backend.typedArrayFromHeap(out).set(cur as never);
    return out;
  };

  // Sum / Mean over the leading axes (bias and batch-norm gradients reduce [N,H,W,C] to [C])
  // go through a transpose in the stock kernels; a running row sum over the heap is one pass.
  const leadingReduce = (stock: KernelFn, mean: boolean): KernelFn => (args) => {
    const { inputs, backend, attrs } = args;
    const x = inputs.x as TensorInfo;
    const rank = x.shape.length;
    const raw = attrs.axis as number | number[];
    const axes = [...new Set((Array.isArray(raw) ? raw : [raw]).map((a) => (a < 0 ? a + rank : a)))].sort((a, b) => a - b);
    if (x.dtype !== 'float32' || axes.length === 0 || axes.length === rank || axes.some((a, i) => a !== i)) return stock(args);
    const rows = x.shape.slice(0, axes.length).reduce((p, v) => p * v, 1);
    const rest = x.shape.slice(axes.length);
    const width = rest.reduce((p, v) => p * v, 1);
    const src = backend.typedArrayFromHeap(x) as Float32Array;
    const acc = new Float64Array(width);
    for (let r = 0; r < rows; r++) {
      const o = r * width;
      for (let c = 0; c < width; c++) acc[c]! += src[o + c]!;
    }
    const out = backend.makeOutput(attrs.keepDims ? [...axes.map(() => 1), ...rest] : rest, 'float32');
    const dst = backend.typedArrayFromHeap(out) as Float32Array;
    for (let c = 0; c < width; c++) dst[c] = mean ? acc[c]! / rows : acc[c]!;
    return out;
  };
  // tfjs clones every tensor a gradient saves (engine.saveTensorsForBackwardMode), and the
  // wasm Identity copies the data: ~12 ms per 25 MB feature map at 112x112. Tensors are
  // immutable, so the clone can share the data, as the cpu backend's Identity does (the
  // backend reference-counts data ids; Reshape already shares them this way).
  const stockIdentity = kernel(tf, 'Identity');
  const sharedIdentity: KernelFn = (args) => {
    const { inputs, backend } = args;
    const x = inputs.x as TensorInfo;
    if (x.dtype === 'string' || !simdKernelsEnabled()) return stockIdentity(args);
    backend.incRef(x.dataId);
    return { dataId: x.dataId, shape: [...x.shape], dtype: x.dtype };
  };
  replaceKernel(tf, 'Identity', sharedIdentity);
  replaceKernel(tf, 'Sum', leadingReduce(kernel(tf, 'Sum'), false));
  replaceKernel(tf, 'Mean', leadingReduce(kernel(tf, 'Mean'), true));
  replaceKernel(tf, 'Tile', fastTile);
  replaceKernel(tf, 'MaxPoolGrad', maxPoolGrad);
  replaceKernel(tf, 'Conv2DBackpropFilter', convBackpropFilter);
  replaceKernel(tf, 'Conv2DBackpropInput', convBackpropInput);
  replaceKernel(tf, 'BatchMatMul', fastMatMul);
  installBatchNormKernels(tf);
  installAdamKernel(tf);
  installed.add(backendObj);
  return true;
}
