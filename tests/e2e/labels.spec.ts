import path from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import type { Api } from '../../src/shared/ipc/contract';
import { freshDataDir, runCli, SHARED_DATA, startHost, type Host } from './fixtures';

let host: Host | null = null;
test.afterEach(async () => {
  await host?.stop();
  host = null;
});

const ANA = { username: 'ana', password: 'ana labels the images', name: 'Ana Labeller', role: 'clinician' };
const BEN = { username: 'ben', password: 'ben reviews the labels', name: 'Ben Reviewer', role: 'reviewer' };

/** Logs in through the app's own API on this page's session, then reloads into the shell. */
async function loginAs(page: Page, h: Host, user: { username: string; password: string }) {
  await page.goto(h.loginUrl);
  const result = await page.evaluate(async ([username, password]) => {
    const api = (globalThis as unknown as { api: Api }).api;
    await api.auth.logout({});
    return api.auth.login({ username: username!, password: password! });
  }, [user.username, user.password]);
  expect(result.ok, JSON.stringify(result)).toBe(true);
  await page.reload();
  await expect(page.getByTestId('statusbar')).toBeVisible();
  await page.getByTestId('nav-label').click();
  await expect(page.getByTestId('label-view')).toBeVisible();
}

/** Waits until the labelling view shows image `n` (1-based) of the queue, pixels drawn. */
async function atImage(page: Page, n: number, total: number) {
  await expect(page.getByTestId('label-position')).toHaveText(`${n} / ${total}`);
  await expect(page.getByTestId('label-image')).toHaveAttribute('data-loaded', 'true');
}

test('creates a label set, labels with keys, undoes, and a second clinician reviews', async ({ page }) => {
  test.setTimeout(120_000);
  const dataDir = freshDataDir();
  // Real images through the real import (unlabelled: no --labels-from-folders), two users.
  const imported = await runCli(['import', path.join(SHARED_DATA, 'images', 'breastmnist', 'val'), '--data-dir', dataDir, '--json']);
  expect(imported.code, imported.stderr).toBe(0);
  const total = (JSON.parse(imported.stdout) as { imported: number }).imported;
  expect(total).toBeGreaterThan(10);
  for (const u of [ANA, BEN]) {
    const added = await runCli(['users', 'add', '--username', u.username, '--name', u.name, '--role', u.role, '--data-dir', dataDir], { CARELENS_NEW_PASSWORD: u.password });
    expect(added.code, added.stderr).toBe(0);
  }
  host = await startHost(dataDir);

  // Ana makes a label set in the side panel (it opens by itself when there is none).
  await loginAs(page, host, ANA);
  await expect(page.getByTestId('label-set-panel')).toBeVisible();
  await page.getByTestId('set-name').fill('Breast ultrasound');
  await page.getByTestId('set-description').fill('BreastMNIST validation images');
  await page.getByTestId('set-classes').fill('malignant\nbenign');
  await page.getByTestId('set-create').click();
  await expect(page.getByTestId('label-set-select')).toContainText('Breast ultrasound');
  await expect(page.getByTestId('class-1')).toContainText('malignant');
  await expect(page.getByTestId('class-2')).toContainText('benign');
  await page.getByRole('button', { name: 'Close label sets panel' }).click();
  await expect(page.getByTestId('label-ordering')).toContainText('Import order');
  await atImage(page, 1, total);

  // Keys: 1, 2, 2 label three images and move on each time.
  const firstId = await page.getByTestId('label-image').getAttribute('data-image-id');
  // The next image is already loading in the second viewer, out of sight.
  await expect(page.getByTestId('label-image-next')).toHaveAttribute('data-loaded', 'true');
  await page.keyboard.press('1');
  await atImage(page, 2, total);
  await page.keyboard.press('2');
  await atImage(page, 3, total);
  await page.keyboard.press('2');
  await atImage(page, 4, total);
  // Z takes back the last label: back on image 3, which has no label now; the history keeps both rows.
  await page.keyboard.press('z');
  await atImage(page, 3, total);
  await expect(page.getByTestId('label-current')).toContainText('No label');
  await expect(page.getByTestId('label-history')).toContainText('(undone)');
  // S skips image 3; the arrow goes back to image 2 with its provenance.
  await page.keyboard.press('s');
  await atImage(page, 4, total);
  await page.keyboard.press('ArrowLeft');
  await page.keyboard.press('ArrowLeft');
  await atImage(page, 2, total);
  await expect(page.getByTestId('label-current')).toContainText('benign');
  await expect(page.getByTestId('label-provenance')).toContainText('Set by ana (by hand)');
  // A 28x28 image is drawn with its pixels visible (nearest neighbour), not smoothed into a blur.
  await expect(page.getByTestId('label-image').getByTestId('stack-viewport')).toHaveAttribute('data-pixelated', 'true');
  // On the canvas itself: along the middle row, grey changes only at the 28 pixel edges (smoothed,
  // it changes at almost every screen pixel of the ~540 the image spans).
  const changes = await page.getByTestId('label-image').locator('canvas').first().evaluate((c: HTMLCanvasElement) => {
    const row = c.getContext('2d')!.getImageData(0, Math.round(c.height / 2), c.width, 1).data;
    let n = 0;
    for (let x = 1; x < c.width; x++) if (row[x * 4] !== row[(x - 1) * 4]) n++;
    return n;
  });
  expect(changes).toBeLessThan(60);
  await page.screenshot({ path: 'test-results/e2e/labels-labelling.png' });
  // Reported, not asserted (speed belongs in benchmarks): how fast the prefetched next image appeared.
  await page.keyboard.press('ArrowRight');
  await atImage(page, 3, total);
  console.log(`labels e2e: ${(await page.locator('.keys').textContent())?.match(/Image shown in \d+ ms/)?.[0] ?? 'no timing shown'} after ArrowRight`);
  await page.keyboard.press('ArrowLeft');
  await atImage(page, 2, total);

  // The side panel edits the set: removing a class in use is refused until Ana says where its labels go.
  await page.getByTestId('label-sets-toggle').click();
  await page.getByTestId('set-tab-edit').click();
  const rows = page.getByTestId('edit-class-row');
  await rows.nth(1).getByRole('checkbox', { name: 'remove' }).check();
  await page.getByTestId('edit-add-class').fill('normal or benign');
  await page.getByTestId('edit-add-class').press('Enter');
  await page.getByTestId('set-save').click();
  await expect(page.getByTestId('set-error')).toContainText('"benign" (1 image)');
  await rows.nth(1).getByRole('combobox').selectOption('normal or benign');
  await page.getByTestId('set-save').click();
  await expect(page.getByTestId('class-2')).toContainText('normal or benign');
  await page.screenshot({ path: 'test-results/e2e/labels-sets-panel.png' });
  await page.getByRole('button', { name: 'Close label sets panel' }).click();

  // Ben reviews: the queue holds Ana's two labels. Enter confirms, a number key corrects.
  await loginAs(page, host, BEN);
  await page.getByTestId('mode-review').click();
  await expect(page.getByTestId('label-filter')).toHaveValue('unreviewed');
  await atImage(page, 1, 2);
  expect(await page.getByTestId('label-image').getAttribute('data-image-id')).toBe(firstId);
  await expect(page.getByTestId('label-current')).toContainText('malignant');
  await page.keyboard.press('Enter');
  await atImage(page, 2, 2);
  await expect(page.getByTestId('agreement-rate')).toContainText('100%');
  await expect(page.getByTestId('label-current')).toContainText('normal or benign');
  await page.keyboard.press('1');
  await expect(page.getByTestId('label-current')).toContainText('malignant');
  await expect(page.getByTestId('label-review')).toContainText('corrected from normal or benign to malignant by ben');
  await expect(page.getByTestId('agreement-rate')).toContainText('50%');
  await expect(page.getByTestId('label-agreement')).toContainText('of 2 reviewed images confirmed');
  await page.screenshot({ path: 'test-results/e2e/labels-review.png' });

  // "Model unsure" shows its threshold (no model yet, so nothing is unsure at any threshold).
  await expect(page.getByTestId('unsure-threshold')).toHaveCount(0);
  await page.getByTestId('label-filter').selectOption('unsure');
  await expect(page.getByTestId('unsure-threshold')).toHaveValue('0.5');
  await page.getByTestId('unsure-threshold').fill('0.3');
  await page.getByTestId('unsure-threshold').press('Enter');
  await expect(page.getByTestId('unsure-threshold')).toHaveValue('0.3');
  await expect(page.getByTestId('label-position')).toHaveText('0 / 0');

  // Back in labelling mode the queue is "label next" again: every unlabelled image (Ana's skip is hers alone).
  await page.getByTestId('mode-label').click();
  await expect(page.getByTestId('label-filter')).toHaveValue('next');
  await expect(page.getByTestId('label-position')).toHaveText(`1 / ${total - 2}`);

  await host.stop();
  host = null;
  const agreement = await runCli(['labels', 'agreement', 'Breast ultrasound', '--data-dir', dataDir, '--json']);
  expect(JSON.parse(agreement.stdout)).toMatchObject({ reviewed: 2, agreed: 1, rate: 0.5 });
  const history = await runCli(['labels', 'export', 'Breast ultrasound', '--history', '--data-dir', dataDir]);
  // 3 labels by Ana, her undo, the class move, Ben's confirmation and correction: seven rows, none rewritten.
  expect(history.stdout.trim().split('\n')).toHaveLength(8);
});
