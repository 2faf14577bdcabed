/**
 * Adam with one wasm SIMD pass per variable (wasm/trainKernels.c `tk_adam`) instead of tfjs's
 * ~10 elementwise kernels per variable (each an XNNPACK dispatch and a pass over memory).
 * Same arithmetic, same state (the moments are the AdamOptimizer's own variables, so
 * getWeights / setWeights / dispose and serialisation are unchanged); on any backend other
 * than wasm, or with CARELENS_SIMD_KERNELS=0, it is tfjs's AdamOptimizer.
 */
import type * as TfNs from '@tensorflow/tfjs';
import { adamStep, simdKernelsEnabled } from './trainKernels';

type Tf = typeof TfNs;
type TensorInfo = TfNs.TensorInfo;
interface WasmBackendLike {
  makeOutput(shape: number[], dtype: string): TensorInfo;
  typedArrayFromHeap(t: TensorInfo): Float32Array | Int32Array | Uint8Array;
}

export const ADAM_KERNEL = 'CareLensAdam';

/** Registers the fused Adam kernel for the wasm backend (idempotent). */
export function installAdamKernel(tf: Tf): void {
  if (tf.getKernel(ADAM_KERNEL, 'wasm')) return;
  const kernelFunc = ({ inputs, backend, attrs }: { inputs: Record<string, TensorInfo>; backend: WasmBackendLike; attrs: Record<string, number> }) => {
    const { value, gradient, m, v, accBeta1, accBeta2 } = inputs as Record<'value' | 'gradient' | 'm' | 'v' | 'accBeta1' | 'accBeta2', TensorInfo>;
    const outs = [value, m, v].map((t) => backend.makeOutput([...t.shape], 'float32')) as [TensorInfo, TensorInfo, TensorInfo];
    // Views only after the allocations: an allocation may grow (and so replace) the heap.
    const f = (t: TensorInfo) => backend.typedArrayFromHeap(t) as Float32Array;
    const c1 = 1 - f(accBeta1)[0]!;
    const c2 = 1 - f(accBeta2)[0]!;
    adamStep({ p: f(value), g: f(gradient), m: f(m), v: f(v) }, { p: f(outs[0]), m: f(outs[1]), v: f(outs[2]) }, { beta1: attrs.beta1!, beta2: attrs.beta2!, epsilon: attrs.epsilon!, learningRate: attrs.learningRate!, c1, c2 });
    return outs;
  };
  tf.registerKernel({ kernelName: ADAM_KERNEL, backendName: 'wasm', kernelFunc: kernelFunc as unknown as TfNs.KernelFunc });
}

interface AdamState {
  learningRate: number;
  beta1: number;
  beta2: number;
  epsilon: number;
  accBeta1: TfNs.Variable;
  accBeta2: TfNs.Variable;
  accumulatedFirstMoment: { originalName: string; variable: TfNs.Variable }[];
  accumulatedSecondMoment: { originalName: string; variable: TfNs.Variable }[];
}

/** `tf.train.adam(learningRate)`, with the fused update where the backend has it. */
export function makeAdam(tf: Tf, learningRate: number): TfNs.AdamOptimizer {
  class FusedAdamOptimizer extends tf.AdamOptimizer {
    override applyGradients(variableGradients: Parameters<TfNs.AdamOptimizer['applyGradients']>[0]): void {
      if (!simdKernelsEnabled() || !tf.getKernel(ADAM_KERNEL, tf.getBackend())) return super.applyGradients(variableGradients);
      const s = this as unknown as AdamState;
      const names = Array.isArray(variableGradients) ? variableGradients.map((v) => v.name) : Object.keys(variableGradients);
      tf.tidy(() => {
        names.forEach((name, i) => {
          const value = tf.engine().registeredVariables[name]!;
          // As tfjs's AdamOptimizer: the moments are created on first use, named after the variable.
          s.accumulatedFirstMoment[i] ??= { originalName: `${name}/m`, variable: tf.tidy(() => tf.zerosLike(value).variable(false)) };
          s.accumulatedSecondMoment[i] ??= { originalName: `${name}/v`, variable: tf.tidy(() => tf.zerosLike(value).variable(false)) };
          const gradient = Array.isArray(variableGradients) ? variableGradients[i]!.tensor : variableGradients[name];
          if (gradient == null) return;
          const m = s.accumulatedFirstMoment[i]!.variable;
          const v = s.accumulatedSecondMoment[i]!.variable;
          const [nv, nm, ns] = tf.engine().runKernel(ADAM_KERNEL, { value, gradient, m, v, accBeta1: s.accBeta1, accBeta2: s.accBeta2 }, {
            beta1: s.beta1,
            beta2: s.beta2,
            epsilon: s.epsilon,
            learningRate: s.learningRate,
          }) as TfNs.Tensor[];
          m.assign(nm!);
          v.assign(ns!);
          value.assign(nv!);
        });
        s.accBeta1.assign(tf.mul(s.accBeta1, s.beta1));
        s.accBeta2.assign(tf.mul(s.accBeta2, s.beta2));
      });
      this.incrementIterations();
    }
  }
  return new FusedAdamOptimizer(learningRate, 0.9, 0.999);
}
