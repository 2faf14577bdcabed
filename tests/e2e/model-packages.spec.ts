import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import * as tf from '@tensorflow/tfjs';
import { openApp, ROOT, startHost, type Host } from './fixtures';

// A model from elsewhere on the Train page: a TF.js LayersModel without a CareLens card is
// imported from its folder (classes, input size and channels given), added inactive, and its
// card says where it came from and that its intended use is unknown; then it is exported as a
// CareLens package (every file listed with its SHA-256 in manifest.json).
let host: Host | null = null;
test.afterEach(async () => {
  await host?.stop();
  host = null;
});

const SHOTS = path.join(ROOT, 'test-results', 'e2e');

/** A small TF.js model saved as tfjs's file saver writes it: model.json and one weight shard. */
async function plainModel(): Promise<string> {
  await tf.setBackend('cpu');
  const m = tf.sequential();
  m.add(tf.layers.conv2d({ inputShape: [28, 28, 1], filters: 4, kernelSize: 3, activation: 'relu' }));
  m.add(tf.layers.globalAveragePooling2d({}));
  m.add(tf.layers.dense({ units: 2, activation: 'softmax' }));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'carelens-e2e-plain-'));
  await m.save(
    tf.io.withSaveHandler(async (art) => {
      fs.writeFileSync(path.join(dir, 'group1-shard1of1.bin'), Buffer.from(art.weightData as ArrayBuffer));
      fs.writeFileSync(path.join(dir, 'model.json'), JSON.stringify({ format: 'layers-model', modelTopology: art.modelTopology, weightsManifest: [{ paths: ['group1-shard1of1.bin'], weights: art.weightSpecs }] }));
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  return dir;
}

test('imports a TF.js model without a CareLens card (inactive, intended use unknown), exports it as a package, records its intended use', async ({ page }) => {
  test.setTimeout(120_000);
  const modelDir = await plainModel();
  host = await startHost();
  await openApp(page, host);
  await page.getByTestId('nav-train').click();

  const form = page.getByTestId('model-import');
  await form.locator('input[name=dir]').fill(modelDir);
  await form.locator('input[name=plain]').check();
  await form.locator('input[name=classes]').fill('normal, pneumonia');
  await form.locator('input[name=inputSize]').fill('28');
  await form.getByTestId('model-import-button').click();
  await expect(page.getByTestId('model-imported')).toContainText('Added as model v1');
  await expect(page.getByTestId('model-imported')).toContainText('not active');
  const card = page.getByTestId('model-card');
  await expect(card).toContainText('Model version 1');
  await expect(page.getByTestId('card-imported')).toContainText('package');
  await expect(page.getByTestId('card-no-card')).toContainText('No CareLens card: intended use unknown');
  await expect(page.getByTestId('card-untested')).toContainText('Not tested here');
  await expect(page.getByTestId('make-active')).toBeVisible();
  await page.screenshot({ path: path.join(SHOTS, 'model-import-plain.png'), fullPage: true });

  const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'carelens-e2e-pkg-')), 'package');
  const exportForm = page.getByTestId('model-export');
  await exportForm.locator('input[name=outDir]').fill(out);
  await exportForm.getByRole('button', { name: 'Export package' }).click();
  await expect(page.getByTestId('model-exported')).toContainText(`Exported to ${out}`);
  const manifest = JSON.parse(fs.readFileSync(path.join(out, 'manifest.json'), 'utf8')) as { files: { path: string }[] };
  expect(manifest.files.map((f) => f.path).sort()).toEqual(['card.json', 'intended-use.json', 'model.json', 'prediction.json', 'weights.bin']);
  await card.screenshot({ path: path.join(SHOTS, 'model-export.png') });

  // The same folder again is refused: nothing is overwritten.
  await exportForm.getByRole('button', { name: 'Export package' }).click();
  await expect(exportForm.getByRole('alert')).toContainText('is not empty');

  // A clinician records its intended use from the model's own documentation: the warning goes, the record stays on the card.
  const use = page.getByTestId('intended-use-form');
  await use.locator('textarea[name=reason]').fill('Vendor documentation: trained on 28 x 28 grey PNG chest films');
  await use.locator('input[name=minSize]').fill('28');
  await use.locator('input[name=maxSize]').fill('28');
  await use.getByTestId('intended-use-save').click();
  await expect(page.getByTestId('card-declared')).toContainText('Vendor documentation');
  await expect(page.getByTestId('card-no-card')).toHaveCount(0);
  await expect(page.getByTestId('intended-use-form')).toHaveCount(0);
  await card.screenshot({ path: path.join(SHOTS, 'model-intended-use.png') });
});
