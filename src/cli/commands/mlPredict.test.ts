import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { SHARED_DATA, tempDir } from '../../main/app/testing';
import { runCli } from '../testing';

const cli = (args: string[]) => runCli(args);

describe('carelens predict <file|image-id|folder>...', () => {
  it('predicts several inputs and a folder (recursively) into one array, each with applicability and ood; a failed input is an error item (exit 1)', async () => {
    const dir = tempDir();
    const bm = path.join(SHARED_DATA, 'images', 'breastmnist');
    expect((await cli(['import', path.join(bm, 'val'), '--labels-from-folders', '--label-set', 'bm', '--data-dir', dir, '--json'])).code).toBe(0);
    const trained = JSON.parse((await cli(['train', '--label-set', 'bm', '--epochs', '1', '--data-dir', dir, '--json'])).out);
    expect((await cli(['models', 'activate', trained.modelVersionId, '--reason', 'CLI test of prediction only', '--data-dir', dir])).code).toBe(0);

    const png = path.join(bm, 'test', '0_malignant', 'test_00000.png');
    const ct = path.join(SHARED_DATA, 'dicom', 'ivmartel_dwv', 'gdcm-CT-MONO2-8-abdo.dcm');
    const folder = path.join(bm, 'val', '0_malignant');
    const r = await cli(['predict', png, ct, folder, 'no-such-image', '--data-dir', dir, '--json']);
    expect(r.code).toBe(1);
    const items = JSON.parse(r.out) as Record<string, unknown>[];
    expect(items.length).toBe(2 + 21 + 1);
    expect(items[0]).toMatchObject({ input: png, applicability: { inScope: true, reasons: [] }, ood: { method: expect.stringMatching(/Mahalanobis/) } });
    expect(Object.keys(items[0]!.probabilities as object).sort()).toEqual(['malignant', 'normal_or_benign']);
    expect(items[1]).toMatchObject({ input: ct, applicability: { inScope: false, reasons: expect.arrayContaining(['The model was trained on PNG images without a modality; this image is a DICOM CT.']) }, ood: { flagged: true } });
    expect(items.slice(2, 23).every((i) => typeof i.input === 'string' && (i.input as string).startsWith(folder) && 'ood' in i)).toBe(true);
    expect(items[23]).toMatchObject({ input: 'no-such-image', error: { code: 'NOT_FOUND' } });

    const table = await cli(['predict', png, ct, '--data-dir', dir]);
    expect(table.code, table.err).toBe(0);
    expect(table.out).toMatch(/input\s+prediction\s+confidence\s+in scope\s+OOD score \(threshold \d/);
    expect(table.out).toMatch(/gdcm-CT-MONO2-8-abdo\.dcm: Outside this model's training — not for clinical use\n {2}- The model was trained on PNG images without a modality; this image is a DICOM CT\./);
  }, 120_000);
});
