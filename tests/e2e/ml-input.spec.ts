import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PNG } from 'pngjs';
import { expect, test } from '@playwright/test';
import { freshDataDir, openApp, runCli, ROOT, startHost, type Host } from './fixtures';

// The Train page proposes input size and channels from the label set's images before training;
// the clinician changes it; the model card says what was proposed, what was used, how images
// were resized, and that validation was carved from train (the set has train and test only).
let host: Host | null = null;
test.afterAll(async () => {
  await host?.stop();
});

/** 128 x 64 grey PNGs, bright on the left or the right half, in train / test folders. */
function makeSet(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ml-input-e2e-'));
  let n = 0;
  for (const [split, count] of [['train', 24], ['test', 8]] as const) {
    for (const label of ['0_left', '1_right']) {
      fs.mkdirSync(path.join(dir, split, label), { recursive: true });
      for (let i = 0; i < count; i++) {
        const png = new PNG({ width: 128, height: 64 });
        for (let p = 0; p < 128 * 64; p++) {
          const lit = (p % 128 < 64) === (label === '0_left');
          const v = (lit ? 170 : 40) + ((p * 7 + n * 13) % 50);
          png.data.set([v, v, v, 255], p * 4);
        }
        // One pixel holds the image's number, so no two files are the same (the import skips duplicates).
        png.data.set([n, n, n, 255], 0);
        fs.writeFileSync(path.join(dir, split, label, `${split}_${i}.png`), PNG.sync.write(png));
        n++;
      }
    }
  }
  return dir;
}

test('input size proposed from the data, changed by the clinician, recorded on the model card', async ({ page }) => {
  test.setTimeout(180_000);
  const dataDir = freshDataDir();
  const set = makeSet();
  const imported = await runCli(['import', set, '--labels-from-folders', '--label-set', 'Left or right', '--data-dir', dataDir, '--json']);
  expect(imported.code, imported.stderr).toBe(0);
  host = await startHost(dataDir);
  await openApp(page, host);
  await page.getByRole('button', { name: /^Train/ }).first().click();
  const form = page.locator('form.train-form');
  const proposal = form.getByTestId('input-proposal');
  await expect(proposal).toContainText('Proposed from the data: 64 x 64 grey (1).');
  await expect(proposal).toContainText('64 labelled images: median 128 x 64 px (short side 64), 100% grey');
  await expect(form.locator('select[name=inputSize]')).toHaveValue('64');
  await page.screenshot({ path: path.join(ROOT, 'test-results', 'e2e', 'ml-input-proposal.png'), fullPage: true });

  await form.locator('select[name=inputSize]').selectOption('28');
  await expect(form.getByTestId('input-changed')).toContainText('You chose 28 x 28 grey (1) instead of the proposal');
  await form.locator('input[name=epochs]').fill('1');
  await form.locator('select[name=split]').selectOption('predefined');
  await form.getByRole('button', { name: 'Train', exact: true }).click();
  await expect(page.getByTestId('run-state')).toHaveText('done', { timeout: 120_000 });
  const card = page.getByTestId('model-card');
  await expect(card.getByTestId('card-input')).toContainText('28 x 28 grey (1), letterboxed (proportions kept, black border); chosen (proposed: 64 x 64 grey (1))');
  await expect(card.getByTestId('card-input')).toContainText('Why: 64 labelled images');
  await expect(card.getByTestId('card-val-from-train')).toContainText('4 images carved from train');
  await card.getByTestId('card-input').scrollIntoViewIfNeeded();
  await card.screenshot({ path: path.join(ROOT, 'test-results', 'e2e', 'ml-input-card.png') });
  fs.rmSync(set, { recursive: true, force: true });
});
