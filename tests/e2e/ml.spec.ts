import path from 'node:path';
import { expect, test } from '@playwright/test';
import { freshDataDir, openApp, runCli, ROOT, SHARED_DATA, startHost, type Host } from './fixtures';

// Train -> live chart -> model card -> cancel -> activate (a confirmed decision) -> diagnose a
// patient's image with heatmap, in the real UI, on real BreastMNIST images imported through the
// real CLI import.
let host: Host | null = null;
test.afterAll(async () => {
  await host?.stop();
});

test('train with a live chart, cancel a run, diagnose with a heatmap', async ({ page }) => {
  test.setTimeout(600_000);
  const dataDir = freshDataDir();
  // The 156 test images of BreastMNIST keep the run short on a busy 2-core machine; the
  // split is then by patient (each image its own subject), 70 / 15 / 15.
  const imported = await runCli(['import', path.join(SHARED_DATA, 'images', 'breastmnist', 'test'), '--labels-from-folders', '--label-set', 'Breast ultrasound', '--data-dir', dataDir, '--json']);
  expect(imported.code, imported.stderr).toBe(0);
  // A patient with two ultrasound images of their own (not labelled), to diagnose.
  expect((await runCli(['patients', 'add', '--name', 'Ada Byron', '--mrn', 'ML-7', '--data-dir', dataDir])).code).toBe(0);
  const own = await runCli(['import', path.join(SHARED_DATA, 'images', 'breastmnist', 'val', '0_malignant'), '--patient', 'ML-7', '--data-dir', dataDir, '--json']);
  expect(own.code, own.stderr).toBe(0);
  host = await startHost(dataDir);
  await openApp(page, host);

  await page.getByRole('button', { name: /^Train/ }).first().click();
  const form = page.locator('form.train-form');
  await expect(form.locator('select[name=labelSet] option')).not.toHaveCount(0);
  await form.locator('input[name=epochs]').fill('3');
  await form.locator('select[name=split]').selectOption('patient');
  await form.getByRole('button', { name: 'Train', exact: true }).click();

  // The chart moves: points arrive while training runs.
  const chart = page.getByTestId('training-chart');
  await expect.poll(async () => Number(await chart.getAttribute('data-points')), { timeout: 180_000 }).toBeGreaterThan(0);
  const first = Number(await chart.getAttribute('data-points'));
  await expect.poll(async () => Number(await chart.getAttribute('data-points')), { timeout: 180_000 }).toBeGreaterThan(first);
  await expect(page.getByTestId('run-state')).toHaveText('done', { timeout: 400_000 });
  const card = page.getByTestId('model-card');
  await expect(card).toContainText('Model version 1');
  await expect(card).toContainText('Test split only');
  await expect(card.getByTestId('test-accuracy')).toHaveText(/\d+\.\d%/);
  // Trained is not active: the card says so.
  await expect(card.locator('.badge')).toHaveCount(0);
  // The card's charts (ECharts on canvas): the ROC curve of the positive class, the reliability
  // bins over every test image, the confusion heatmap, each drawn (a canvas with ink on it).
  await expect(card.getByTestId('roc-chart')).toHaveAttribute('data-curves', '1');
  const testN = Number((await card.getByRole('heading', { name: /Test split only/ }).textContent())?.match(/\d+/)?.[0]);
  await expect(card.getByTestId('reliability-chart')).toHaveAttribute('data-images', String(testN));
  for (const id of ['roc-chart', 'reliability-chart', 'confusion-heatmap', 'training-chart']) {
    const inked = await page.getByTestId(id).first().locator('canvas').first().evaluate((c: HTMLCanvasElement) => {
      const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
      let n = 0;
      for (let i = 3; i < d.length; i += 4) if (d[i]! > 0) n++;
      return n;
    });
    expect(inked, id).toBeGreaterThan(500);
  }
  await card.screenshot({ path: path.join(ROOT, 'test-results', 'e2e', 'ml-model-card.png') });
  await card.getByTestId('roc-chart').scrollIntoViewIfNeeded();
  await page.screenshot({ path: path.join(ROOT, 'test-results', 'e2e', 'ml-train.png'), fullPage: true });

  // A long run, cancelled once it has started: the run says so within a couple of seconds.
  await form.locator('input[name=epochs]').fill('100');
  await form.getByRole('button', { name: 'Train', exact: true }).click();
  await expect.poll(async () => Number(await chart.getAttribute('data-points')), { timeout: 120_000 }).toBeGreaterThan(0);
  await page.getByRole('button', { name: 'Cancel training' }).click();
  await expect(page.getByTestId('run-state')).toHaveText('cancelled', { timeout: 3_000 });
  await expect(page.getByTestId('version-row')).toHaveCount(1);

  // Activating is a confirmed decision (with a reason when a class is below the clinic's minimum).
  await page.getByTestId('make-active').click();
  await expect(page.getByTestId('activation-dialog')).toBeVisible();
  // The dialog loads the activation check first; only then is it known whether a reason is needed.
  await expect(page.getByTestId('activation-recall')).toBeVisible();
  if (await page.getByTestId('activation-reason').count()) await page.getByTestId('activation-reason').fill('end-to-end test of the diagnosis view');
  await page.getByTestId('activation-confirm').click();
  await expect(card.locator('.badge')).toHaveText('active');

  // Diagnosis of the patient's image, chosen from its thumbnail, shows its heatmap; the opacity slider changes it.
  await page.getByRole('button', { name: /^Diagnose/ }).first().click();
  await page.getByTestId('dx-patient').filter({ hasText: 'MRN ML-7' }).click();
  await expect(page.getByTestId('banner-name')).toHaveText('Ada Byron');
  await page.getByTestId('dx-thumb').first().click();
  await page.getByTestId('run-image').click();
  const diagnosis = page.getByTestId('diagnosis');
  await expect(diagnosis).toBeVisible({ timeout: 60_000 });
  const canvas = page.getByTestId('heatmap-canvas');
  await expect(canvas).toBeVisible();
  const before = await canvas.evaluate((c: HTMLCanvasElement) => c.toDataURL());
  await page.locator('input[name=opacity]').fill('1');
  await expect(canvas).toHaveAttribute('data-opacity', '1');
  const after = await canvas.evaluate((c: HTMLCanvasElement) => c.toDataURL());
  expect(after).not.toBe(before);
  await page.screenshot({ path: path.join(ROOT, 'test-results', 'e2e', 'ml-diagnose.png'), fullPage: true });

  // Override with a reason: recorded on the diagnosis.
  await diagnosis.locator('input[name=reason]').fill('irregular margins on the original');
  await diagnosis.getByTestId('override').click();
  await expect(page.getByTestId('review')).toContainText('Overridden');
});
