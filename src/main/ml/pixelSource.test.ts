import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildModel } from './models';
import { fitOod } from './oodFeatures';
import { fitOodStreamed, HeldPixels, inChunks, streams, StreamedPixels } from './pixelSource';
import { batchPixels, loadPixels, logitsOf } from './trainer';
import type { ImageTraits } from './imageTraits';

let dir = '';
const files: string[] = [];
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pixelsource-'));
  // 12 images of different shapes and colours.
  for (let n = 0; n < 12; n++) {
    const w = 20 + n * 3;
    const h = 30 - n;
    const png = new PNG({ width: w, height: h });
    for (let i = 0; i < w * h; i++) png.data.set([(i * (n + 1)) % 256, n % 2 ? (i * 5) % 256 : (i * (n + 1)) % 256, (i * (n + 1)) % 256, 255], i * 4);
    files.push(path.join(dir, `${n}.png`));
    fs.writeFileSync(files[n]!, PNG.sync.write(png));
  }
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('streamed pixels (bounded cache) give exactly the held inputs', () => {
  it('same images, batches and traits as loadPixels; decodes again after eviction', async () => {
    const size = 16;
    for (const ch of [1, 3]) {
      const traits: ImageTraits[] = [];
      const held = await loadPixels(files, size, ch, undefined, traits, null, 'letterbox');
      const per = size * size * ch;
      // A cache of 5 images.
      const s = new StreamedPixels(files, size, ch, 'letterbox', null, [], 5 * per);
      expect(s.capacityImages).toBe(5);
      await expect(s.ensure([0, 1, 2, 3, 4, 5])).rejects.toThrow(/does not fit/);
      const order = [3, 7, 11, 0, 5];
      await s.ensure(order);
      for (const n of order) expect(s.subarray(n * per, (n + 1) * per)).toEqual(held.subarray(n * per, (n + 1) * per));
      const seq = () => {
        let i = 0;
        return () => [0.1, 0.9, 0.3][i++ % 3]!;
      };
      expect(batchPixels(s, order, size, ch, true, seq(), 2)).toEqual(batchPixels(held, order, size, ch, true, seq(), 2));
      // Image 1 was never decoded: reading it is an error, not a zero image.
      expect(() => s.subarray(per, 2 * per)).toThrow(/before it was decoded/);
      const before = s.decoded;
      await s.ensure([1, 2]); // evicts the two least recently used (3, 7)
      expect(s.decoded).toBe(before + 2);
      expect(() => s.subarray(3 * per, 4 * per)).toThrow();
      await s.ensure([11]);
      expect(s.decoded).toBe(before + 2); // still cached
      for (let n = 0; n < files.length; n++) await s.ensure([n]);
      expect(s.traits.map((t) => t.width)).toEqual(traits.map((t) => t.width));
    }
    expect(streams(60000, 28, 1)).toBe(false);
    expect(streams(60000, 112, 3)).toBe(true);
  });

  it('logits in chunks and the OOD fit over streamed pixels equal the held computation', async () => {
    await tf.setBackend('cpu');
    const size = 16;
    const ch = 1;
    const per = size * size * ch;
    const held = await loadPixels(files, size, ch, undefined, undefined, null, 'letterbox');
    const s = new StreamedPixels(files, size, ch, 'letterbox', null, [], 4 * per);
    const model = buildModel(tf, 'default', { size, channels: ch, classes: 2 });
    try {
      const idx = [...files.keys()];
      const streamed = await inChunks(s, idx, (part) => logitsOf(tf, model, s, part, size, ch));
      const direct = logitsOf(tf, model, held, idx, size, ch);
      streamed.forEach((l, i) => l.forEach((v, j) => expect(v).toBeCloseTo(direct[i]![j]!, 5)));
      const split = { train: [0, 1, 2, 3, 4, 5, 6, 7], val: [8, 9], test: [10, 11] };
      const labels = idx.map((i) => i % 2);
      const a = fitOod(tf, model, held, split, labels, 2, size, ch);
      const b = await fitOodStreamed(tf, model, s, split, labels, 2, size, ch);
      expect(b.stats.method).toBe(a.stats.method);
      b.valScores.forEach((v, i) => expect(v).toBeCloseTo(a.valScores[i]!, 3));
      b.testScores.forEach((v, i) => expect(v).toBeCloseTo(a.testScores[i]!, 3));
      // Held inputs above 28 px take the same chunked path.
      const c = await fitOodStreamed(tf, model, new HeldPixels(held), split, labels, 2, size, ch);
      c.valScores.forEach((v, i) => expect(v).toBeCloseTo(a.valScores[i]!, 3));
    } finally {
      model.dispose();
    }
  });
});

describe('prediction preprocesses as training did', () => {
  it('predictFiles with the version\'s resize mode gives the logits training computed; the other mode does not', async () => {
    const { predictFiles } = await import('./inference');
    const { resizeModeOf } = await import('../../shared/domain/mlInput');
    const { defaultHyper } = await import('./trainer');
    await tf.setBackend('cpu');
    const size = 16;
    const model = buildModel(tf, 'default', { size, channels: 1, classes: 2 });
    try {
      // A non-square image (file 0 is 20 x 30): letterbox and stretch differ.
      const training = logitsOf(tf, model, await loadPixels([files[0]!], size, 1, undefined, undefined, null, 'letterbox'), [0], size, 1);
      const predicted = await predictFiles(tf, model, null, [files[0]!], size, 1, false, null, 'letterbox');
      expect(predicted[0]!.logits).toEqual(training[0]);
      const stretched = await predictFiles(tf, model, null, [files[0]!], size, 1, false, null, 'stretch');
      expect(stretched[0]!.logits).not.toEqual(training[0]);
      // What the predictor sends: the recorded mode, and 'stretch' for versions saved before it was recorded.
      expect(resizeModeOf(defaultHyper('default'))).toBe('stretch');
      expect(resizeModeOf(defaultHyper('default', { input: { resize: 'letterbox', proposal: null, source: 'proposed', normalisation: 'voi-window-else-min-max' } }))).toBe('letterbox');
    } finally {
      model.dispose();
    }
  });
});
