/**
 * Batch normalisation in training, fused, for the wasm backend.
 *
 * tfjs-layers trains a BatchNormalization layer through `tf.moments` and
 * `tf.batchNormalization`, and differentiates that graph: about twenty kernels per layer per
 * step (means, squared differences, broadcasting multiplies, sums, tiles), most of them
 * scalar code on wasm. For `default` at 28x28 that was over half of a training step. Here a
 * layer's training pass is two kernels (channels last, the layout our models use). Where the
 * channels are a multiple of 4 (up to 512) they run as wasm SIMD (wasm/trainKernels.c, one
 * statistics pass and one output pass each way) and take the ReLU that follows the layer
 * with them (output max(0, y); gradient masked where y <= 0, y recomputed from x); otherwise
 * they are JS passes over the wasm heap with per-channel float64 accumulators:
 *
 * - forward: mean and (biased, as tfjs) variance per channel, y = (x - mean) / sqrt(var + eps)
 *   * gamma + beta; the moving statistics are then updated exactly as tfjs-layers does
 *   (moving = moving - (moving - batch) * (1 - momentum)).
 * - backward, with xhat = (x - mean) * invstd and M values per channel:
 *   dbeta = sum dy, dgamma = sum dy * xhat, dx = gamma * invstd / M * (M dy - dbeta - xhat dgamma),
 *   the gradient of the same graph (tested against it in batchNorm.test.ts).
 *
 * `applyForTraining` runs a Sequential model's layers in order with training on, taking this
 * path for BatchNormalization layers it can (scale and center on, last axis) and the layer's
 * own path for everything else, and for every layer where the backend has no such kernel.
 */
import type * as TfNs from '@tensorflow/tfjs';
import { batchNormBackward, batchNormForward, simdBatchNormFits } from './wasm/trainKernels';

type Tf = typeof TfNs;
type TensorInfo = TfNs.TensorInfo;
interface WasmBackendLike {
  makeOutput(shape: number[], dtype: string): TensorInfo;
  typedArrayFromHeap(t: TensorInfo): Float32Array | Int32Array | Uint8Array;
}
type KernelFn = (args: { inputs: Record<string, TensorInfo>; backend: WasmBackendLike; attrs: Record<string, unknown> }) => TensorInfo | TensorInfo[];

export const BN_FORWARD = 'CareLensBatchNormTrain';
export const BN_BACKWARD = 'CareLensBatchNormTrainGrad';

const f32 = (backend: WasmBackendLike, t: TensorInfo) => backend.typedArrayFromHeap(t) as Float32Array;

const forward: KernelFn = ({ inputs, backend, attrs }) => {
  const { x, gamma, beta } = inputs as Record<'x' | 'gamma' | 'beta', TensorInfo>;
  const epsilon = attrs.epsilon as number;
  const C = x.shape[x.shape.length - 1]!;
  const y = backend.makeOutput([...x.shape], 'float32');
  const meanOut = backend.makeOutput([C], 'float32');
  const varOut = backend.makeOutput([C], 'float32');
  const invOut = backend.makeOutput([C], 'float32');
  if (simdBatchNormFits(C)) {
    const stats = { mean: f32(backend, meanOut), variance: f32(backend, varOut), invstd: f32(backend, invOut) };
    batchNormForward(f32(backend, x), f32(backend, y), C, f32(backend, gamma), f32(backend, beta), epsilon, Boolean(attrs.relu), stats);
    return [y, meanOut, varOut, invOut];
  }
  if (attrs.relu) throw new Error(`the fused batch norm + ReLU takes a multiple of 4 channels up to 512, not ${C}`);
  // Views only after the allocations: an allocation may grow (and so replace) the heap.
  const xv = f32(backend, x);
  const yv = f32(backend, y);
  const gv = f32(backend, gamma);
  const bv = f32(backend, beta);
  const n = xv.length;
  const M = n / C;
  const sum = new Float64Array(C);
  for (let i = 0; i < n; i += C) for (let c = 0; c < C; c++) sum[c]! += xv[i + c]!;
  const mean = sum.map((s) => s / M);
  const sq = new Float64Array(C);
  for (let i = 0; i < n; i += C) {
    for (let c = 0; c < C; c++) {
      const d = xv[i + c]! - mean[c]!;
      sq[c]! += d * d;
    }
  }
  const variance = sq.map((s) => s / M);
  const inv = variance.map((v) => 1 / Math.sqrt(v + epsilon));
  const scale = inv.map((s, c) => s * gv[c]!);
  const shift = scale.map((s, c) => bv[c]! - mean[c]! * s);
  for (let i = 0; i < n; i += C) for (let c = 0; c < C; c++) yv[i + c] = xv[i + c]! * scale[c]! + shift[c]!;
  f32(backend, meanOut).set(mean);
  f32(backend, varOut).set(variance);
  f32(backend, invOut).set(inv);
  return [y, meanOut, varOut, invOut];
};

const backward: KernelFn = ({ inputs, backend, attrs }) => {
  const { dy, x, gamma, beta, mean, invstd } = inputs as Record<'dy' | 'x' | 'gamma' | 'beta' | 'mean' | 'invstd', TensorInfo>;
  const C = x.shape[x.shape.length - 1]!;
  const dx = backend.makeOutput([...x.shape], 'float32');
  const dgOut = backend.makeOutput([C], 'float32');
  const dbOut = backend.makeOutput([C], 'float32');
  if (simdBatchNormFits(C)) {
    const p = { gamma: f32(backend, gamma), beta: f32(backend, beta), mean: f32(backend, mean), invstd: f32(backend, invstd) };
    batchNormBackward(f32(backend, dy), f32(backend, x), f32(backend, dx), C, p, Boolean(attrs.relu), { dgamma: f32(backend, dgOut), dbeta: f32(backend, dbOut) });
    return [dx, dgOut, dbOut];
  }
  const [dyv, xv, gv, mv, iv, dxv] = [dy, x, gamma, mean, invstd, dx].map((t) => f32(backend, t)) as Float32Array[];
  const n = xv!.length;
  const M = n / C;
  const db = new Float64Array(C);
  const dg = new Float64Array(C);
  for (let i = 0; i < n; i += C) {
    for (let c = 0; c < C; c++) {
      const g = dyv![i + c]!;
      db[c]! += g;
      dg[c]! += g * (xv![i + c]! - mv![c]!) * iv![c]!;
    }
  }
  const k = new Float64Array(C);
  for (let c = 0; c < C; c++) k[c] = (gv![c]! * iv![c]!) / M;
  for (let i = 0; i < n; i += C) {
    for (let c = 0; c < C; c++) {
      const xhat = (xv![i + c]! - mv![c]!) * iv![c]!;
      dxv![i + c] = k[c]! * (M * dyv![i + c]! - db[c]! - xhat * dg[c]!);
    }
  }
  f32(backend, dgOut).set(dg);
  f32(backend, dbOut).set(db);
  return [dx, dgOut, dbOut];
};

/** Registers the fused batch-norm kernels for the wasm backend (idempotent). */
export function installBatchNormKernels(tf: Tf): void {
  for (const [kernelName, fn] of [
    [BN_FORWARD, forward],
    [BN_BACKWARD, backward],
  ] as const) {
    if (!tf.getKernel(kernelName, 'wasm')) tf.registerKernel({ kernelName, backendName: 'wasm', kernelFunc: fn as unknown as TfNs.KernelFunc });
  }
}

interface BatchNormLayer {
  axis: number;
  momentum: number;
  epsilon: number;
  center: boolean;
  scale: boolean;
  gamma: { read(): TfNs.Tensor };
  beta: { read(): TfNs.Tensor };
  movingMean: { read(): TfNs.Tensor; write(t: TfNs.Tensor): void };
  movingVariance: { read(): TfNs.Tensor; write(t: TfNs.Tensor): void };
}

/**
 * One BatchNormalization layer's training pass through the fused kernels; with `relu`, the
 * ReLU layer that follows it too (its output and gradient, from the same kernels).
 */
function batchNormTraining(tf: Tf, layer: BatchNormLayer, x: TfNs.Tensor, relu: boolean): TfNs.Tensor {
  let stats: TfNs.Tensor[] = [];
  const op = tf.customGrad(((xIn: TfNs.Tensor, gamma: TfNs.Tensor, beta: TfNs.Tensor, save: TfNs.GradSaveFunc) => {
    const [y, mean, variance, invstd] = tf.engine().runKernel(BN_FORWARD, { x: xIn, gamma, beta }, { epsilon: layer.epsilon, relu }) as TfNs.Tensor[];
    save([xIn, gamma, beta, mean!, invstd!]);
    // customGrad runs this in a tidy: keep the batch statistics for the moving averages below.
    stats = [tf.keep(mean!), tf.keep(variance!)];
    return {
      value: y!,
      gradFunc: (dy: TfNs.Tensor, saved: TfNs.Tensor[]) => {
        const [sx, sg, sb, sm, si] = saved as [TfNs.Tensor, TfNs.Tensor, TfNs.Tensor, TfNs.Tensor, TfNs.Tensor];
        return tf.engine().runKernel(BN_BACKWARD, { dy, x: sx, gamma: sg, beta: sb, mean: sm, invstd: si }, { relu }) as TfNs.Tensor[];
      },
    };
  }) as unknown as Parameters<Tf['customGrad']>[0]);
  const y = (op as unknown as (...t: TfNs.Tensor[]) => TfNs.Tensor)(x, layer.gamma.read(), layer.beta.read());
  const [mean, variance] = stats as [TfNs.Tensor, TfNs.Tensor];
  // As tfjs-layers' BatchNormalization does: moving = moving - (moving - batch) * (1 - momentum).
  const decay = 1 - layer.momentum;
  for (const [variable, value] of [
    [layer.movingMean, mean],
    [layer.movingVariance, variance],
  ] as const) {
    tf.tidy(() => {
      const orig = variable.read();
      variable.write(tf.sub(orig, tf.mul(tf.sub(orig, value), decay)));
    });
  }
  tf.dispose(stats);
  return y;
}

/** A ReLU layer (or relu Activation) with no cap, slope or threshold: max(0, x) exactly. */
function isPlainRelu(layer: TfNs.layers.Layer | undefined): boolean {
  if (!layer) return false;
  const cfg = layer.getConfig() as { maxValue?: number | null; activation?: string };
  if (layer.getClassName() === 'ReLU') return cfg.maxValue == null;
  return layer.getClassName() === 'Activation' && cfg.activation === 'relu';
}

/**
 * A Sequential model's forward pass with training on: the layers in order, batch norm
 * through the fused kernels where the backend has them. Call inside `optimizer.minimize`
 * (or another tape) like `model.apply(x, { training: true })`.
 */
export function applyForTraining(tf: Tf, model: TfNs.LayersModel, x: TfNs.Tensor): TfNs.Tensor {
  if (!tf.getKernel(BN_FORWARD, tf.getBackend()) || model.getClassName() !== 'Sequential') return model.apply(x, { training: true }) as TfNs.Tensor;
  let t = x;
  const layers = model.layers;
  for (let i = 0; i < layers.length; i++) {
    const layer = layers[i]!;
    const bn = layer as unknown as BatchNormLayer;
    const fused = layer.getClassName() === 'BatchNormalization' && bn.scale && bn.center && (bn.axis === -1 || bn.axis === t.rank - 1) && t.dtype === 'float32';
    if (!fused) {
      t = layer.apply(t, { training: true }) as TfNs.Tensor;
      continue;
    }
    // A plain ReLU right after (our `default` blocks) runs inside the same kernels.
    const relu = isPlainRelu(layers[i + 1]) && simdBatchNormFits(t.shape[t.rank - 1]!);
    t = batchNormTraining(tf, bn, t, relu);
    if (relu) i++;
  }
  return t;
}
