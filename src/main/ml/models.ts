/**
 * The two architectures CareLens trains. Both output logits (no softmax layer): the
 * softmax, temperature scaling and Grad-CAM all work on logits.
 */
import type * as TfNs from '@tensorflow/tfjs';
import type { Architecture } from '../../shared/domain/ml';

type Tf = typeof TfNs;

export interface ModelShape {
  size: number;
  channels: number;
  classes: number;
}

/**
 * `seed-cnn`, the reference design: conv 3x3 32 -> ReLU -> max-pool 2 -> conv 3x3 64 -> ReLU
 * -> max-pool 2 -> dense 1000 -> ReLU -> dense classes. Its first dense layer holds
 * 64*(size/4)^2*1000 weights (3.1 M at 28x28, 50 M at 112x112) and dominates cost.
 */
export function seedCnn(tf: Tf, s: ModelShape): TfNs.Sequential {
  const m = tf.sequential({ name: 'seed_cnn' });
  m.add(tf.layers.conv2d({ inputShape: [s.size, s.size, s.channels], filters: 32, kernelSize: 3, padding: 'same', activation: 'relu' }));
  m.add(tf.layers.maxPooling2d({ poolSize: 2 }));
  m.add(tf.layers.conv2d({ filters: 64, kernelSize: 3, padding: 'same', activation: 'relu' }));
  m.add(tf.layers.maxPooling2d({ poolSize: 2 }));
  m.add(tf.layers.flatten());
  m.add(tf.layers.dense({ units: 1000, activation: 'relu' }));
  m.add(tf.layers.dense({ units: s.classes }));
  return m;
}

/**
 * `default`: three conv-BN-ReLU blocks (16, 32, 64 filters; max-pool between), global
 * average pooling, dropout 0.3, dense classes. About 24 K weights instead of 3.2 M: the
 * global pool replaces the huge dense layer, so a step is a third of seed-cnn's work and
 * the model cannot memorise a small clinic data set the way a 3 M-weight dense layer can.
 */
export function defaultCnn(tf: Tf, s: ModelShape): TfNs.Sequential {
  const m = tf.sequential({ name: 'default_cnn' });
  const block = (filters: number, first: boolean) => {
    m.add(
      tf.layers.conv2d({
        ...(first ? { inputShape: [s.size, s.size, s.channels] } : {}),
        filters,
        kernelSize: 3,
        padding: 'same',
        useBias: false,
        kernelInitializer: 'heNormal',
      }),
    );
    // Momentum 0.9 (PyTorch's 0.1): with 0.99 the moving statistics lag far behind after the
    // few hundred steps a clinic-sized data set gives, and validation predictions collapse.
    // Epsilon 1e-5 as in PyTorch's BatchNorm2d (the recipe that reached the bar); Keras's 1e-3
    // damps the normalisation of low-variance channels, which small grey images have many of.
    m.add(tf.layers.batchNormalization({ momentum: 0.9, epsilon: 1e-5 }));
    m.add(tf.layers.reLU());
  };
  block(16, true);
  block(16, false);
  m.add(tf.layers.maxPooling2d({ poolSize: 2 }));
  block(32, false);
  block(32, false);
  m.add(tf.layers.maxPooling2d({ poolSize: 2 }));
  block(64, false);
  block(64, false);
  m.add(tf.layers.globalAveragePooling2d({}));
  m.add(tf.layers.dropout({ rate: 0.3 }));
  m.add(tf.layers.dense({ units: s.classes }));
  return m;
}

export function buildModel(tf: Tf, arch: Architecture, s: ModelShape): TfNs.Sequential {
  return arch === 'seed-cnn' ? seedCnn(tf, s) : defaultCnn(tf, s);
}

/** Index of the last layer whose output is a 4-D feature map (Grad-CAM's target). */
export function lastFeatureMapLayer(model: TfNs.Sequential): number {
  for (let i = model.layers.length - 1; i >= 0; i--) {
    const shape = model.layers[i]!.outputShape as number[];
    const cls = model.layers[i]!.getClassName();
    if (shape.length === 4 && (cls === 'Conv2D' || cls === 'ReLU' || cls === 'Activation')) return i;
  }
  throw new Error('the model has no convolutional feature map');
}

interface LayerJson {
  class_name: string;
  config: Record<string, unknown> & { name: string };
}

/**
 * The model as it runs for diagnosis: each Conv2D -> BatchNormalization (-> ReLU) triple
 * becomes one Conv2D with bias and a fused ReLU, and Dropout (a no-op at inference) goes.
 * With s = gamma / sqrt(movingVariance + epsilon): W' = W * s per output channel and
 * b' = (b - movingMean) * s + beta, so the logits are the same up to float rounding (tested),
 * while three full passes over every feature map become none. A model without batch
 * normalisation (seed-cnn) is returned as it is. The result shares nothing with `model`.
 */
export async function foldForInference(tf: Tf, model: TfNs.LayersModel): Promise<TfNs.LayersModel> {
  if (!model.layers.some((l) => l.getClassName() === 'BatchNormalization')) return model;
  const topology = model.toJSON(null, false) as unknown as { class_name: string; config: { name: string; layers: LayerJson[] } };
  if (topology.class_name !== 'Sequential') return model;
  const byName = new Map(model.layers.map((l) => [l.name, l]));
  const src = topology.config.layers;
  const layers: LayerJson[] = [];
  /** Folded conv name -> the BatchNormalization layer folded into it. */
  const folded = new Map<string, TfNs.layers.Layer>();
  for (let i = 0; i < src.length; i++) {
    const l = src[i]!;
    const next = src[i + 1];
    if (l.class_name === 'Dropout') continue;
    if (l.class_name === 'Conv2D' && next?.class_name === 'BatchNormalization' && l.config.activation === 'linear') {
      const after = src[i + 2];
      const relu = after?.class_name === 'ReLU' && (after.config.max_value ?? null) === null;
      layers.push({ class_name: 'Conv2D', config: { ...l.config, use_bias: true, activation: relu ? 'relu' : 'linear' } });
      folded.set(l.config.name, byName.get(next.config.name)!);
      i += relu ? 2 : 1;
      continue;
    }
    layers.push(l);
  }
  const out = (await tf.models.modelFromJSON({ modelTopology: { ...topology, config: { ...topology.config, name: `${topology.config.name}_inference`, layers } } } as unknown as TfNs.io.ModelJSON)) as TfNs.LayersModel;
  for (const layer of out.layers) {
    const original = byName.get(layer.name)!;
    const bn = folded.get(layer.name);
    if (!bn) {
      layer.setWeights(original.getWeights());
      continue;
    }
    const cfg = bn.getConfig() as { epsilon: number; scale: boolean; center: boolean };
    const [kernel, bias] = original.getWeights() as [TfNs.Tensor4D, TfNs.Tensor1D?];
    const bw = bn.getWeights();
    let k = 0;
    const gamma = cfg.scale ? bw[k++]! : null;
    const beta = cfg.center ? bw[k++]! : null;
    const mean = bw[k++]!;
    const variance = bw[k]!;
    const weights = tf.tidy(() => {
      let s = tf.rsqrt(tf.add(variance, cfg.epsilon));
      if (gamma) s = tf.mul(s, gamma);
      let b = tf.mul(tf.sub(bias ?? tf.zerosLike(mean), mean), s);
      if (beta) b = tf.add(b, beta);
      return [tf.mul(kernel, s), b];
    });
    layer.setWeights(weights);
    tf.dispose(weights);
  }
  return out;
}
