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
    expect((await cli(['models', '--data-dir', dir])).code).toBe(2);
    expect((await cli(['models', 'activate', '--data-dir', dir])).code).toBe(2);
    expect((await cli(['train', '--label-set', 'x', '--activate', '--data-dir', dir])).code).toBe(2);
    expect((await cli(['models', 'min-recall', '--set', 'high', '--data-dir', dir])).code).toBe(2);
    const unknown = await cli(['models', 'activate', 'no-such-version', '--data-dir', dir, '--json']);
    expect(unknown.code).toBe(1);
    expect(JSON.parse(unknown.err).error.code).toBe('NOT_FOUND');
    const r = await cli(['train', '--label-set', 'nope', '--data-dir', dir, '--json']);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.err).error.code).toBe('NOT_FOUND');
  });

  it('imports real images, trains with --json (one object: modelVersion and test metrics), activates it with a reason, predicts a file and an image id', async () => {
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
    // Never active on its own: nothing to predict with until it is activated.
    expect(result.active).toBe(false);
    const file0 = path.join(SHARED_DATA, 'images', 'breastmnist', 'val', '0_malignant', 'val_00000.png');
    expect((await cli(['predict', file0, '--data-dir', dir])).code).toBe(1);
    const listed = await cli(['models', 'list', '--data-dir', dir, '--json']);
    expect(JSON.parse(listed.out)).toEqual([expect.objectContaining({ id: result.modelVersionId, version: 1, active: false })]);
    // A minimum of 100% recall: one epoch is below it, so activation needs --reason, as in the app.
    expect(JSON.parse((await cli(['models', 'min-recall', '--set', '1', '--data-dir', dir, '--json'])).out)).toEqual({ minClassRecall: 1 });
    const noReason = await cli(['models', 'activate', result.modelVersionId, '--data-dir', dir]);
    expect(noReason.code).toBe(2);
    expect(noReason.out).toMatch(/below the clinic's minimum 100\.0%/);
    expect(noReason.err).toMatch(/needs --reason/);
    const activated = await cli(['models', 'activate', result.modelVersionId, '--reason', 'CLI test of prediction only', '--data-dir', dir, '--json']);
    expect(activated.code, activated.err).toBe(0);
    expect(JSON.parse(activated.out)).toMatchObject({ id: result.modelVersionId, active: true, reasonRequired: true });
    const audit = await cli(['audit', 'list', '--action', 'ml:activate', '--data-dir', dir, '--json']);
    expect(audit.code, audit.err).toBe(0);
    const rows = JSON.parse(audit.out).items as { outcome: string; detail: string }[];
    expect(rows.filter((r) => r.outcome === 'ok').map((r) => JSON.parse(r.detail).input.reason)).toEqual(['CLI test of prediction only']);

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
