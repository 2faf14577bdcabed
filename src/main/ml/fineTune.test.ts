import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { tempDir } from '../app/testing';
import { applyFrozenBackbone, headVariables, startingModel } from './fineTune';
import { defaultCnn } from './models';
import { loadModel, saveModel } from './trainer';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** A saved `default` source model (2 classes) whose batch-norm statistics are far from their initial values. */
async function savedSource(): Promise<{ dir: string; weights: number[][][] }> {
  const m = defaultCnn(tf, { size: 28, channels: 1, classes: 2 });
  m.setWeights(m.getWeights().map((w, i) => tf.add(w, tf.randomUniform(w.shape, 0.1, 0.5, 'float32', i))));
  const dir = tempDir('carelens-finetune-');
  await saveModel(tf, m, dir);
  const weights = perLayer(m);
  m.dispose();
  return { dir, weights };
}

/** Each layer's weights (BN moving statistics included), in layer order. */
const perLayer = (m: tf.LayersModel) => m.layers.map((l) => l.getWeights().map((w) => Array.from(w.dataSync())));

describe('fine-tuning: the starting model', () => {
  it('replaces the classifier head when the classes differ; every backbone weight starts equal to the source', async () => {
    const { dir, weights } = await savedSource();
    const model = await startingModel(tf, await loadModel(tf, dir), { replaceHead: true, seed: 42 }, 3);
    expect((model.layers.at(-1)!.outputShape as number[]).at(-1)).toBe(3);
    const now = perLayer(model);
    // The backbone (every layer but the head, BN moving statistics included) is the source's, bit for bit.
    expect(now.length).toBe(weights.length);
    expect(now.slice(0, -1)).toEqual(weights.slice(0, -1));
    expect(now.slice(0, -1).flat(2).length).toBeGreaterThan(20_000);
    // The head is new: 64 x 3 instead of 64 x 2, zero bias.
    expect(model.layers.at(-1)!.getWeights()[0]!.shape).toEqual([64, 3]);
    expect(now.at(-1)![1]).toEqual([0, 0, 0]);
    model.dispose();
  });

  it('keeps the whole source model (head included) when the classes are the same', async () => {
    const { dir, weights } = await savedSource();
    const model = await startingModel(tf, await loadModel(tf, dir), { replaceHead: false, seed: 42 }, 2);
    expect(perLayer(model)).toEqual(weights);
    await expect(startingModel(tf, await loadModel(tf, dir), { replaceHead: false, seed: 42 }, 3)).rejects.toThrow(/2 outputs and the label set 3 classes/);
    model.dispose();
  });

  it('a frozen step changes the head only: backbone weights and batch-norm statistics stay the source\'s', async () => {
    const { dir } = await savedSource();
    const model = await startingModel(tf, await loadModel(tf, dir), { replaceHead: true, seed: 7 }, 3);
    const before = perLayer(model);
    const opt = tf.train.adam(1e-2);
    const x = tf.randomUniform([8, 28, 28, 1], 0, 1, 'float32', 3);
    const y = tf.oneHot(tf.tensor1d([0, 1, 2, 0, 1, 2, 0, 1], 'int32'), 3);
    opt.minimize(() => tf.losses.softmaxCrossEntropy(y, applyFrozenBackbone(model, x)) as tf.Scalar, false, headVariables(model));
    const after = perLayer(model);
    expect(after.slice(0, -1)).toEqual(before.slice(0, -1));
    expect(after.at(-1)![0]).not.toEqual(before.at(-1)![0]);
    expect(after.at(-1)![1]).not.toEqual(before.at(-1)![1]);
    tf.dispose([x, y]);
    opt.dispose();
    model.dispose();
  });
});
