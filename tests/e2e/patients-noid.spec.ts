import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { openApp, SHARED_DATA, startHost, type Host } from './fixtures';

/**
 * Issue 13's Patients page paper cuts: patients an import registers show in the list when the
 * import ends (no search or reload), and the edit form of a "no ID" patient (DICOM without a
 * Patient ID) shows an empty MRN with a note, never the NO-ID key; saving it keeps the images.
 */
let host: Host;
let home: string;

const MR = path.join(SHARED_DATA, 'dicom', 'ivmartel_dwv', 'nema-mr1_jply.dcm');
const shot = (name: string) => path.join('test-results', 'patients-noid', `${name}.png`);

test.beforeAll(async () => {
  home = fs.mkdtempSync(path.join(os.tmpdir(), 'carelens-e2e-home-'));
  const jane = path.join(home, 'DICOM', 'jane', 'mr.dcm');
  fs.mkdirSync(path.dirname(jane), { recursive: true });
  fs.copyFileSync(MR, jane);
  execFileSync('dcmodify', ['-nb', '-q', '-ea', '(0010,0020)', '-i', '(0010,0010)=Roe^Jane', '-i', '(0010,0030)=19600101', '-i', '(0010,0040)=F', jane]);
  host = await startHost(undefined, { HOME: home });
});
test.afterAll(async () => {
  await host?.stop();
  fs.rmSync(home, { recursive: true, force: true });
});

test('an import\'s new patient shows in the list; its "no ID" edit form has an empty MRN and a note, and saving keeps its images', async ({ page }) => {
  await openApp(page, host);
  // The app opens on Patients, empty; the page stays alive while the import runs elsewhere.
  await expect(page.getByTestId('patient-row')).toHaveCount(0);
  await page.getByTestId('nav-import').click();
  await page.getByTestId('import-paths').fill('~/DICOM');
  await page.getByTestId('import-start').click();
  await expect(page.getByTestId('import-state')).toHaveAttribute('data-state', 'done', { timeout: 60_000 });

  await page.getByTestId('nav-patients').click();
  const row = page.getByTestId('patient-row').filter({ hasText: 'Roe Jane' });
  await expect(row).toHaveCount(1);
  await expect(page.getByTestId('patient-search')).toHaveValue('');
  await row.click();
  await page.getByTestId('patient-edit').click();
  await expect(page.getByTestId('field-mrn')).toHaveValue('');
  await expect(page.getByTestId('mrn-no-id-note')).toContainText('DICOM without a Patient ID');
  await expect(page.getByTestId('patient-form')).not.toContainText('NO-ID:');
  await page.screenshot({ path: shot('1-edit-no-id') });

  await page.getByTestId('field-birthdate').fill('1960-01-02');
  await page.getByTestId('patient-save').click();
  await expect(page.getByTestId('patient-form')).toHaveCount(0);
  await expect(page.getByTestId('patient-no-id')).toBeVisible();
  await expect(page.getByTestId('patient-detail')).toContainText('1960');
  await page.screenshot({ path: shot('2-saved') });

  // Still the same patient, still with its image.
  await page.getByTestId('patient-open-images').click();
  await expect(page.getByTestId('patient-banner')).toContainText('Roe Jane');
  await expect(page.getByTestId('patient-banner').getByTestId('no-id-badge')).toBeVisible();
  await expect(page.getByTestId('imaging-patient').filter({ hasText: 'Roe Jane' })).toContainText('1');

  // The same form in Chinese.
  await page.getByTestId('language-select').selectOption('zh-CN');
  await page.getByTestId('nav-patients').click();
  await page.getByTestId('patient-row').filter({ hasText: 'Roe Jane' }).click();
  await page.getByTestId('patient-edit').click();
  await expect(page.getByTestId('field-mrn')).toHaveValue('');
  await expect(page.getByTestId('mrn-no-id-note')).toContainText('没有患者 ID');
  await page.screenshot({ path: shot('3-edit-no-id-zh') });
});
