import path from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { openApp, SHARED_DATA, startHost, type Host } from './fixtures';
import { orthancAvailable, sharedDicomFiles, startOrthanc, type OrthancInstance } from '../../src/main/pacs/protocol/orthancHarness';

/**
 * A PACS in the UI against a real Orthanc on loopback: an administrator adds the node, tests
 * the connection, searches by patient name with a wildcard and a date range, opens the study's
 * series, retrieves it with progress, opens it in the Images viewer, and a second retrieve
 * fetches nothing. Skipped, with the reason, where Orthanc is not installed.
 */
const skip = orthancAvailable();
let host: Host;
let orthanc: OrthancInstance;

const shot = (name: string) => path.join('test-results', 'pacs-screens', `${name}.png`);

test.beforeAll(async () => {
  if (skip) return;
  orthanc = await startOrthanc();
  await (orthanc as OrthancInstance & { uploadSome(f: string[]): Promise<unknown> }).uploadSome(sharedDicomFiles(SHARED_DATA));
  host = await startHost();
});
test.afterAll(async () => {
  await host?.stop();
  await orthanc?.stop();
});

/** Adds the Orthanc as "Hospital PACS" through the form (an administrator's first visit shows it). */
async function addNode(page: Page) {
  await expect(page.getByTestId('pacs-node-form')).toBeVisible();
  await page.getByTestId('node-name').fill('Hospital PACS');
  await page.getByTestId('node-url').fill(orthanc.dicomWebUrl);
  await page.getByTestId('node-aet').fill(orthanc.aet);
  await page.getByTestId('node-host').fill('127.0.0.1');
  await page.getByTestId('node-port').fill(String(orthanc.dicomPort));
  await page.screenshot({ path: shot('1-add-node'), fullPage: true });
  await page.getByTestId('node-save').click();
  await expect(page.getByTestId('pacs-node')).toHaveValue(/.+/);
  await expect(page.getByTestId('pacs-node-form')).toBeHidden();
}

test('adds a PACS, queries it, retrieves a study with progress and views it', async ({ page }) => {
  test.skip(skip !== null, `Orthanc is needed: ${skip}`);
  await openApp(page, host);
  await page.getByTestId('nav-pacs').click();

  // An administrator adds the node: DICOMweb and DIMSE.
  await addNode(page);

  await page.getByTestId('pacs-echo').click();
  await expect(page.getByTestId('pacs-echo-result')).toContainText(/DICOMweb: answered in \d+ ms/);
  await expect(page.getByTestId('pacs-echo-result')).toContainText(/DIMSE C-ECHO: answered in \d+ ms/);

  // Patient name with a wildcard, and a study date range.
  await page.getByTestId('q-name').fill('2012*');
  await page.getByLabel('Study date from').fill('2012-02-01');
  await page.getByLabel('to', { exact: true }).fill('2012-02-29');
  await page.getByTestId('pacs-search-go').click();
  await expect(page.getByTestId('pacs-count')).toContainText('1 study on Hospital PACS');
  const row = page.getByTestId('pacs-study');
  await expect(row).toContainText('20120215_ASLtest_human');
  await expect(row).toContainText('MR');
  await row.getByTestId('pacs-series-toggle').click();
  await expect(page.getByTestId('pacs-series')).toContainText('6 image(s)');
  await row.locator('input[type=checkbox]').check();
  await page.screenshot({ path: shot('2-query'), fullPage: true });

  await page.getByTestId('pacs-retrieve').click();
  const progress = page.getByTestId('pacs-progress');
  await expect(progress).toBeVisible();
  await expect(progress).toContainText('Finished', { timeout: 60_000 });
  await expect(page.getByTestId('pacs-fetched')).toContainText('6 of 6');
  await expect(page.getByTestId('pacs-summary')).toContainText('6 image(s) imported');
  await expect(progress.getByRole('progressbar')).toHaveAttribute('aria-valuenow', '100');
  await page.screenshot({ path: shot('3-retrieved'), fullPage: true });

  // A second retrieve, over DIMSE this time, fetches nothing: the six are already in CareLens.
  await page.getByTestId('pacs-via').selectOption('dimse');
  await page.getByTestId('pacs-retrieve').click();
  await expect(progress).toContainText('(DIMSE)');
  await expect(progress).toContainText('Finished', { timeout: 60_000 });
  await expect(progress).toContainText('6 (not fetched again)');
  await expect(page.getByTestId('pacs-summary')).toContainText('0 image(s) imported');

  // The retrieved study opens in the Images viewer.
  await page.getByTestId('pacs-open-images').click();
  await expect(page.getByTestId('imaging-patients')).toContainText('20120215_ASLtest_human');
  const viewer = page.getByTestId('viewport-cell-0');
  await expect(viewer).toBeVisible({ timeout: 30_000 });
  await expect(viewer.getByTestId('stack-viewport')).toHaveAttribute('data-first-pixels-ms', /\d+/, { timeout: 30_000 });
  await page.screenshot({ path: shot('4-viewer'), fullPage: true });
});

test('retrieves every study with a live progress bar, stops midway and resumes', async ({ page }) => {
  test.skip(skip !== null, `Orthanc is needed: ${skip}`);
  await openApp(page, host);
  await page.getByTestId('nav-pacs').click();
  // On a retry this test runs on a fresh host: add the node there too.
  await expect(page.getByTestId('pacs-search').or(page.getByTestId('pacs-node-form')).first()).toBeVisible();
  if (await page.getByTestId('pacs-node-form').isVisible()) await addNode(page);
  await expect(page.getByTestId('pacs-node')).toHaveValue(/.+/);
  await page.getByTestId('pacs-via').selectOption('dicomweb');
  await page.getByTestId('q-name').fill('');
  await page.getByLabel('Study date from').fill('');
  await page.getByLabel('to', { exact: true }).fill('');
  await page.getByTestId('pacs-search-go').click();
  await expect(page.getByTestId('pacs-count')).toContainText(/\d+ studies on Hospital PACS/);
  await page.getByRole('checkbox', { name: 'Select all studies' }).check();
  await page.getByTestId('pacs-retrieve').click();

  const progress = page.getByTestId('pacs-progress');
  const bar = progress.getByRole('progressbar');
  await expect(progress).toContainText('Retrieving');
  await expect.poll(async () => Number(await bar.getAttribute('aria-valuenow')), { timeout: 60_000 }).toBeGreaterThan(0);
  await page.screenshot({ path: shot('5-progress'), fullPage: true });
  await page.getByTestId('pacs-cancel').click();
  await expect(progress).toContainText('Stopped', { timeout: 30_000 });
  const stoppedAt = Number(await bar.getAttribute('aria-valuenow'));
  expect(stoppedAt).toBeLessThan(100);
  await page.screenshot({ path: shot('6-stopped'), fullPage: true });

  await page.getByTestId('pacs-resume').click();
  await expect(progress).toContainText('Finished', { timeout: 90_000 });
  // What the stopped run stored is not fetched again.
  await expect(progress).not.toContainText('Already in CareLens0 ');
  await expect(page.getByTestId('pacs-summary')).toBeVisible();
  await page.screenshot({ path: shot('7-resumed'), fullPage: true });
});
