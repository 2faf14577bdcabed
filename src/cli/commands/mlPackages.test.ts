import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { SHARED_DATA, tempDir } from '../../main/app/testing';
import { runCli } from '../testing';

const cli = runCli;

describe('carelens models export / import, train --from', () => {
  it('usage errors exit 2', async () => {
    const dir = tempDir();
    expect((await cli(['models', 'export', '--data-dir', dir])).code).toBe(2);
    expect((await cli(['models', 'export', 'some-id', '--data-dir', dir])).code).toBe(2);
    expect((await cli(['models', 'import', '--data-dir', dir])).code).toBe(2);
    expect((await cli(['models', 'import', dir, '--channels', '2', '--data-dir', dir])).code).toBe(2);
    expect((await cli(['models', 'intended-use', 'some-id', '--data-dir', dir])).code).toBe(2);
    expect((await cli(['train', '--label-set', 'x', '--freeze-epochs', '1', '--data-dir', dir])).code).toBe(2);
  });

  it('exports a trained version, imports it into another data folder (inactive), refuses a damaged copy, fine-tunes from the package', async () => {
    const a = tempDir();
    expect((await cli(['import', path.join(SHARED_DATA, 'images', 'breastmnist', 'val'), '--labels-from-folders', '--label-set', 'bm', '--data-dir', a, '--json'])).code).toBe(0);
    const trained = JSON.parse((await cli(['train', '--label-set', 'bm', '--epochs', '1', '--data-dir', a, '--json'])).out);
    const out = path.join(tempDir(), 'pkg');
    const exported = await cli(['models', 'export', trained.modelVersionId, '--out', out, '--data-dir', a, '--json']);
    expect(exported.code, exported.err).toBe(0);
    const e = JSON.parse(exported.out);
    expect(e.files.map((f: { path: string }) => f.path)).toContain('weights.bin');

    const b = tempDir();
    const imported = await cli(['models', 'import', out, '--data-dir', b, '--json']);
    expect(imported.code, imported.err).toBe(0);
    expect(JSON.parse(imported.out)).toMatchObject({ version: 1, active: false, card: 'carelens', labelSet: 'bm', packageSha256: e.packageSha256 });

    const damaged = path.join(tempDir(), 'pkg');
    fs.cpSync(out, damaged, { recursive: true });
    const card = fs.readFileSync(path.join(damaged, 'card.json'));
    card[10] = card[10]! ^ 0x20;
    fs.writeFileSync(path.join(damaged, 'card.json'), card);
    const refused = await cli(['models', 'import', damaged, '--data-dir', tempDir(), '--json']);
    expect(refused.code).toBe(1);
    expect(JSON.parse(refused.err).error.message).toContain('refused: card.json:');

    // Fine-tuning in the data folder that trained it, from the package: same classes, so the head is kept.
    const tuned = await cli(['train', '--label-set', 'bm', '--epochs', '1', '--from', out, '--data-dir', a, '--json']);
    expect(tuned.code, tuned.err).toBe(0);
    expect(tuned.err).toMatch(/Fine-tuning from/);
    expect(JSON.parse(tuned.out).startedFrom).toMatchObject({ versionId: trained.modelVersionId, packageSha256: e.packageSha256, headReplaced: false, freezeEpochs: 0 });
  }, 180_000);
});
