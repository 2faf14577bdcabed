import fs from 'node:fs';
import path from 'node:path';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../main/app/testing';
import { runCli } from '../testing';

/** A 128 x 64 PNG: class "left" bright on its left half, "right" on its right half, with noise; colour when asked. */
function writeImage(file: string, cls: 'left' | 'right', seed: number, colour: boolean): void {
  const w = 128;
  const h = 64;
  const png = new PNG({ width: w, height: h });
  let s = seed * 9301 + 49297;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      s = (s * 9301 + 49297) % 233280;
      const lit = (x < w / 2) === (cls === 'left');
      const v = Math.min(255, (lit ? 170 : 40) + Math.floor((s / 233280) * 60));
      png.data.set([v, colour ? 255 - v : v, v, 255], (y * w + x) * 4);
    }
  }
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, PNG.sync.write(png));
}

describe('carelens train: input proposed from the data, validation carved from train', () => {
  it('--json says what was proposed and what was used; explicit --input-size / --channels win', async () => {
    const data = tempDir();
    const dir = tempDir();
    // Train and test folders, no validation folder: 30 + 30 train, 10 + 10 test, mostly grey (2 of 80 colour).
    let n = 0;
    for (const [split, count] of [['train', 30], ['test', 10]] as const) {
      for (const [label, cls] of [['0_left', 'left'], ['1_right', 'right']] as const) {
        for (let i = 0; i < count; i++) writeImage(path.join(data, split, label, `${split}_${cls}_${i}.png`), cls, n, n++ % 40 === 0);
      }
    }
    const imported = await runCli(['import', data, '--labels-from-folders', '--label-set', 'lr', '--data-dir', dir, '--json']);
    expect(imported.code, imported.err).toBe(0);

    const trained = await runCli(['train', '--label-set', 'lr', '--split', 'predefined', '--epochs', '1', '--data-dir', dir, '--json']);
    expect(trained.code, trained.err).toBe(0);
    const r = JSON.parse(trained.out);
    // Median short side 64, 80 images (< 300: at most 64), 97.5 % grey -> 64 grey, letterboxed.
    expect(r.input.proposed).toMatchObject({ inputSize: 64, channels: 1, limitedBy: 'median', medianWidth: 128, medianHeight: 64, greyShare: 0.975 });
    expect(r.input.used).toEqual({ inputSize: 64, channels: 1, resize: 'letterbox' });
    expect(r.input.source).toBe('proposed');
    expect(trained.err).toMatch(/Input proposed from the data: 80 images: median 128 x 64 px \(short side 64\), 98% grey/);
    // 10 % of each class's 30 training images went to validation; the test split is untouched.
    expect(r.split.counts).toEqual({ train: 54, val: 6, test: 20 });
    expect(r.validationFromTrain).toMatchObject({ fraction: 0.1, seed: 42, images: 6, classCounts: { left: 3, right: 3 } });

    const chosen = await runCli(['train', '--label-set', 'lr', '--split', 'predefined', '--epochs', '1', '--input-size', '28', '--channels', '3', '--data-dir', dir, '--json']);
    expect(chosen.code, chosen.err).toBe(0);
    const c = JSON.parse(chosen.out);
    expect(c.input.used).toEqual({ inputSize: 28, channels: 3, resize: 'letterbox' });
    expect([c.input.source, c.input.proposed.inputSize]).toEqual(['chosen', 64]);
    expect(chosen.err).toMatch(/Using 28 x 28 RGB as chosen/);
    // The same seed carves the same validation images.
    expect(c.split.valFromTrain.imageIds).toEqual(r.split.valFromTrain.imageIds);

    const text = await runCli(['train', '--label-set', 'lr', '--split', 'predefined', '--epochs', '1', '--data-dir', dir]);
    expect(text.code, text.err).toBe(0);
    expect(text.out).toMatch(/Validation carved from train: 6 images/);
    expect(text.out).toMatch(/Input: 64 x 64 grey, letterboxed .*proposed from the data/);
    expect((await runCli(['train', '--label-set', 'lr', '--channels', '2', '--data-dir', dir])).code).toBe(2);
  }, 120_000);
});
