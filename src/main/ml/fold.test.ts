import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { buildModel, foldForInference, lastFeatureMapLayer } from './models';
import { gradCam } from './trainer';
import { installWasmTrainingKernels } from './wasmKernels';

/** Gives every batch-norm layer statistics and affine terms far from their initial values. */
function randomiseBatchNorm(model: tf.LayersModel, seed: number): void {
  for (const layer of model.layers) {
    if (layer.getClassName() !== 'BatchNormalization') continue;
    // getWeights() hands out the layer's own variables: read, never dispose.
    const n = layer.getWeights()[0]!.shape[0]!;
    layer.setWeights([
      tf.randomUniform([n], 0.5, 2, 'float32', seed++),
      tf.randomNormal([n], 0, 0.5, 'float32', seed++),
      tf.randomNormal([n], 0, 0.5, 'float32', seed++),
      tf.randomUniform([n], 0.2, 3, 'float32', seed++),
    ]);
  }
}

describe('foldForInference', () => {
  it.each(['cpu', 'wasm'] as const)('default: same logits and Grad-CAM with batch norm folded into the convolutions (%s)', async (backend) => {
    await tf.setBackend(backend);
    if (backend === 'wasm') installWasmTrainingKernels(tf);
    const model = buildModel(tf, 'default', { size: 28, channels: 1, classes: 3 });
    // Seeded weights (the initialisers are not), so the test sees the same model every run.
    model.setWeights(model.getWeights().map((w, i) => tf.randomNormal(w.shape, 0, 0.3, 'float32', 100 + i)));
    randomiseBatchNorm(model, 11);
    const inference = await foldForInference(tf, model);
    const classes = inference.layers.map((l) => l.getClassName());
    expect(classes).not.toContain('BatchNormalization');
    expect(classes).not.toContain('Dropout');
    expect(classes).not.toContain('ReLU');
    expect(inference.layers.length).toBe(model.layers.length - 12 - 1);
    const x = tf.randomUniform([6, 28, 28, 1], 0, 1, 'float32', 5);
    const ref = (model.predict(x) as tf.Tensor).arraySync() as number[][];
    const got = (inference.predict(x) as tf.Tensor).arraySync() as number[][];
    const scale = Math.max(...ref.flat().map(Math.abs));
    expect(scale).toBeGreaterThan(0.1);
    const worst = Math.max(...ref.flat().map((v, i) => Math.abs(v - got.flat()[i]!)));
    expect(worst / scale).toBeLessThan(1e-4);
    // Grad-CAM looks at the same feature map: the last ReLU, now fused into the last conv.
    expect(inference.layers[lastFeatureMapLayer(inference as tf.Sequential)]!.getClassName()).toBe('Conv2D');
    const one = x.slice(0, 1) as tf.Tensor4D;
    // A class's map is all zero when its gradient-weighted features are all negative: compare
    // every class, and require at least one non-trivial map.
    let nonTrivial = 0;
    for (let k = 0; k < 3; k++) {
      const camRef = gradCam(tf, model, one, k).values;
      const camGot = gradCam(tf, inference, one, k).values;
      if (Math.max(...camRef) > 0.5) nonTrivial++;
      expect(Math.max(...camRef.map((v, i) => Math.abs(v - camGot[i]!)))).toBeLessThan(2e-3);
    }
    expect(nonTrivial).toBeGreaterThan(0);
    tf.dispose([x, one]);
    inference.dispose();
    // The folded model owns its weights: the original still works after it is disposed.
    expect(() => (model.predict(tf.zeros([1, 28, 28, 1])) as tf.Tensor).dataSync()).not.toThrow();
    model.dispose();
  });

  it('returns a model without batch normalisation (seed-cnn) as it is', async () => {
    await tf.setBackend('cpu');
    const model = buildModel(tf, 'seed-cnn', { size: 28, channels: 1, classes: 2 });
    expect(await foldForInference(tf, model)).toBe(model);
    model.dispose();
  });
});
