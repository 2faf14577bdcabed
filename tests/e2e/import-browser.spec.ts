import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { openApp, SHARED_DATA, startHost, type Host } from './fixtures';

/**
 * The import page's paper cuts (issue 13) in the web host: choose the folder in the host's own
 * folder browser (starting at the home folder), import it, see the duplicate listed with the file
 * it duplicates, and the DICOM without a Patient ID under a patient marked "no ID".
 */
let host: Host;
let home: string;

const CR = path.join(SHARED_DATA, 'dicom', 'ivmartel_dwv', 'gdcm-CR-MONO1-10-chest.dcm');
const MR = path.join(SHARED_DATA, 'dicom', 'ivmartel_dwv', 'nema-mr1_jply.dcm');
const shot = (name: string) => path.join('test-results', 'import-browser-screens', `${name}.png`);

test.beforeAll(async () => {
  // The host's user has a home folder of our own: the browser starts there.
  home = fs.mkdtempSync(path.join(os.tmpdir(), 'carelens-e2e-home-'));
  const dicom = path.join(home, 'Desktop', 'DICOM');
  fs.mkdirSync(path.join(dicom, 'jane'), { recursive: true });
  fs.mkdirSync(path.join(home, 'Documents'));
  fs.copyFileSync(CR, path.join(dicom, 'chest.dcm'));
  fs.copyFileSync(CR, path.join(dicom, 'chest-copy.dcm'));
  const jane = path.join(dicom, 'jane', 'mr.dcm');
  fs.copyFileSync(MR, jane);
  execFileSync('dcmodify', ['-nb', '-q', '-ea', '(0010,0020)', '-i', '(0010,0010)=Roe^Jane', '-i', '(0010,0030)=19600101', '-i', '(0008,0020)=1999.03.04', jane]);
  host = await startHost(undefined, { HOME: home });
});
test.afterAll(async () => {
  await host?.stop();
  fs.rmSync(home, { recursive: true, force: true });
});

test('browses to a folder in the web host, imports it, lists the duplicate and marks the patient without ID', async ({ page }) => {
  await openApp(page, host);
  await page.getByTestId('nav-import').click();
  await expect(page.getByTestId('import-no-id-hint')).toContainText('Two different people can share a name and birth date');

  // The folder browser opens at the home folder; walk down with the keyboard and the mouse.
  await page.getByTestId('import-browse').click();
  const browser = page.getByTestId('folder-browser');
  await expect(browser).toBeVisible();
  await expect(browser.getByTestId('folder-entry')).toHaveText(['Desktop', 'Documents']);
  await expect(browser.getByTestId('folder-entry').first()).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(browser.getByTestId('folder-crumbs')).toContainText('Desktop');
  await browser.locator('[data-name="DICOM"]').click();
  await expect(browser.getByTestId('folder-files')).toContainText('2 files');
  await expect(browser.getByTestId('folder-entry')).toHaveText(['jane']);
  await page.screenshot({ path: shot('1-folder-browser') });
  // Up and back down by the breadcrumbs, then choose.
  await browser.getByTestId('folder-up').click();
  await expect(browser.getByTestId('folder-entry')).toHaveText(['DICOM']);
  await browser.locator('[data-name="DICOM"]').click();
  await browser.getByTestId('folder-choose').click();
  await expect(browser).toBeHidden();
  await expect(page.getByTestId('import-paths')).toHaveValue(path.join(fs.realpathSync(home), 'Desktop', 'DICOM'));

  await page.getByTestId('import-start').click();
  await expect(page.getByTestId('import-state')).toHaveAttribute('data-state', 'done', { timeout: 60_000 });
  await expect(page.getByTestId('count-imported')).toHaveText('2');
  await expect(page.getByTestId('count-duplicates')).toHaveText('1');
  // No failures: the report opens on the duplicates, each with the file it duplicates.
  const rows = page.getByTestId('report-row');
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toHaveAttribute('data-kind', 'duplicate');
  await expect(rows.first()).toContainText('chest.dcm');
  await expect(rows.first()).toContainText(/Same file as .*chest-copy\.dcm/);
  await expect(rows.first()).toContainText('stored earlier in this import');
  await page.screenshot({ path: shot('2-report-duplicates') });

  // A missing folder is an error that names it, not a green "Finished".
  await page.getByTestId('import-paths').fill('~/Desktop/NoSuchFolder');
  await page.getByTestId('import-start').click();
  await expect(page.getByRole('alert')).toContainText(/The folder ~\/Desktop\/NoSuchFolder \(.*\) does not exist/);
  await page.screenshot({ path: shot('3-missing-folder') });

  // The patient without a Patient ID, grouped by name and birth date, is marked "no ID".
  await page.getByTestId('nav-images').click();
  const jane = page.getByTestId('imaging-patient').filter({ hasText: 'Roe Jane' });
  await expect(jane.getByTestId('no-id-badge')).toBeVisible();
  await jane.click();
  await expect(page.getByTestId('patient-banner').getByTestId('no-id-badge')).toBeVisible();
  await expect(page.getByTestId('patient-banner')).toContainText('Roe Jane');
  await expect(page.getByTestId('imaging-patients')).not.toContainText('NO-ID:');
  await page.screenshot({ path: shot('4-images-no-id') });

  await page.getByTestId('nav-patients').click();
  // The list was loaded before the import (the app opens on Patients): search to ask again.
  await page.getByTestId('patient-search').fill('Roe');
  const row = page.getByTestId('patient-row').filter({ hasText: 'Roe Jane' });
  await expect(row.getByTestId('no-id-badge')).toBeVisible();
  await row.click();
  await expect(page.getByTestId('patient-no-id')).toContainText('Two different people can share both');
  await page.screenshot({ path: shot('5-patient-no-id') });
});
