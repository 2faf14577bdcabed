import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { SHARED_DATA, tempDir } from '../../main/app/testing';
import { runCli } from '../testing';

const cli = runCli;

describe('carelens train / predict', () => {
  it('usage errors exit 2; an unknown label set exits 1', async () => {
    const dir = tempDir();
    expect((await cli(['train', '--data-dir', dir])).code).toBe(2);
    expect((await cli(['train', '--label-set', 'x', '--epochs', 'many', '--data-dir', dir])).code).toBe(2);
    expect((await cli(['predict', '--data-dir', dir])).code).toBe(2);
    const r = await cli(['train', '--label-set', 'nope', '--data-dir', dir, '--json']);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.err).error.code).toBe('NOT_FOUND');
  });

  it('imports real images, trains with --json (one object: modelVersion and test metrics), predicts a file and an image id', async () => {
    const dir = tempDir();
    const imported = await cli(['import', path.join(SHARED_DATA, 'images', 'breastmnist', 'val'), '--labels-from-folders', '--label-set', 'bm', '--data-dir', dir, '--json']);
    expect(imported.code, imported.err).toBe(0);
    const trained = await cli(['train', '--label-set', 'bm', '--epochs', '1', '--data-dir', dir, '--json']);
    expect(trained.code, trained.err).toBe(0);
    const result = JSON.parse(trained.out);
    expect(result.modelVersion).toBe(1);
    expect(result.split.mode).toBe('patient');
    expect(typeof result.metrics.test.accuracy).toBe('number');
    expect(result.metrics.test.n).toBe(result.split.counts.test);
    expect(result.metrics.test).toHaveProperty('rocAuc');
    expect(typeof result.metrics.test.ece).toBe('number');
    expect(trained.err).toMatch(/epoch 1\/1/);

    const file = path.join(SHARED_DATA, 'images', 'breastmnist', 'val', '0_malignant', 'val_00000.png');
    const p = await cli(['predict', file, '--data-dir', dir, '--json']);
    expect(p.code, p.err).toBe(0);
    const pred = JSON.parse(p.out);
    expect(pred.modelVersion).toBe(1);
    expect(Object.keys(pred.probabilities).sort()).toEqual(['malignant', 'normal_or_benign']);
    expect(pred.uncertain).toBe(pred.confidence < pred.threshold);
    const missing = await cli(['predict', 'no-such-image', '--data-dir', dir]);
    expect(missing.code).toBe(1);
  }, 300_000);
});
