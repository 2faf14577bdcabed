import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { apiLogin, freshDataDir, openApp, SHARED_DATA, startHost, type Host } from './fixtures';

let host: Host | null = null;
test.afterEach(async () => {
  await host?.stop();
  host = null;
});

const SHOTS = 'test-results/e2e';

test('exports a PDF for a chosen patient, saves it, and the PDF shows the CJK name and the disclaimer', async ({ page, request }) => {
  host = await startHost();
  const headers = await apiLogin(request, host);
  const created = await (await request.post(`${host.url}api/patients:create`, { headers, data: { name: '王小明', mrn: 'CN-42', birthDate: '1984-03-15', sex: 'M' } })).json();
  expect(created.ok).toBe(true);
  await request.post(`${host.url}api/patients:create`, { headers, data: { name: 'Ada Lovelace', mrn: 'A1' } });
  // A real chest CR imported for this patient through the imaging feature.
  const folder = freshDataDir();
  fs.copyFileSync(path.join(SHARED_DATA, 'dicom/ivmartel_dwv/gdcm-CR-MONO1-10-chest.dcm'), path.join(folder, 'chest.dcm'));
  const imported = await (await request.post(`${host.url}api/imaging:import`, { headers, data: { paths: [folder], patientId: created.value.id } })).json();
  expect(imported.ok).toBe(true);

  await openApp(page, host);
  await page.getByTestId('nav-reports').click();
  await page.getByTestId('report-patient-search').fill('CN-42');
  await expect(page.getByTestId('report-patient-row')).toHaveCount(1);
  await page.getByTestId('report-patient-row').first().click();
  await expect(page.getByTestId('report-selected-count')).toContainText('1 selected');
  await expect(page.getByTestId('report-preview')).toContainText('王小明');
  await page.getByTestId('report-format-pdf').check();
  await page.getByTestId('report-start').click();
  await expect(page.getByTestId('report-job')).toContainText('Finished');
  await expect(page.getByTestId('report-progress-text')).toContainText('1 of 1 patients');
  await expect(page.getByTestId('report-files')).toContainText('王小明_CN-42.pdf');
  await page.screenshot({ path: `${SHOTS}/reports-pdf.png` });

  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('report-save-pdf').click()]);
  expect(download.suggestedFilename()).toBe('王小明_CN-42.pdf');
  const saved = path.join(SHOTS, 'reports-saved.pdf');
  await download.saveAs(saved);
  const text = execFileSync('pdftotext', ['-enc', 'UTF-8', saved, '-'], { encoding: 'utf8' });
  expect(text).toContain('王小明');
  expect(text).toContain('AI output is decision support');
  expect(text).toContain(`by ${'admin'}`);
  expect(text).toContain('window C');
  expect(execFileSync('pdfimages', ['-list', saved], { encoding: 'utf8' }).trim().split('\n').length).toBeGreaterThan(2);
  execFileSync('pdftoppm', ['-r', '70', '-png', '-f', '1', '-l', '1', saved, path.join(SHOTS, 'reports-saved-page')]);

  // De-identified FHIR for the same patient: no name in what the UI lists.
  await page.getByTestId('report-format-fhir').check();
  await page.getByTestId('report-deidentify').check();
  await page.getByTestId('report-start').click();
  await expect(page.getByTestId('report-job')).toContainText('de-identified');
  await expect(page.getByTestId('report-job')).toContainText('Finished');
  await expect(page.getByTestId('report-files')).not.toContainText('王小明');
  await expect(page.getByTestId('report-files')).toContainText(/CL-[A-Z0-9]{10}\.fhir\.json/);
});

test('a batch export of many patients shows progress and can be cancelled', async ({ page, request }) => {
  test.setTimeout(120_000);
  host = await startHost();
  const headers = await apiLogin(request, host);
  for (let i = 0; i < 150; i++) {
    const r = await (await request.post(`${host.url}api/patients:create`, { headers, data: { name: `Batch Patient ${String(i).padStart(3, '0')}`, mrn: `BATCH-${i}` } })).json();
    expect(r.ok).toBe(true);
  }
  await openApp(page, host);
  await page.getByTestId('nav-reports').click();
  await page.getByTestId('report-patient-search').fill('batch');
  await expect(page.getByTestId('report-patient-row')).toHaveCount(150);
  await page.getByTestId('report-select-shown').click();
  await expect(page.getByTestId('report-selected-count')).toContainText('150 selected');
  await page.getByTestId('report-format-pdf').check();
  await page.getByTestId('report-start').click();
  await expect(page.getByTestId('report-cancel')).toBeVisible();
  await expect(page.getByTestId('report-progress-text')).toContainText(/[1-9]\d* of 150 patients/);
  await page.screenshot({ path: `${SHOTS}/reports-progress.png` });
  await page.getByTestId('report-cancel').click();
  await expect(page.getByTestId('report-job')).toContainText('Cancelled');
  await expect(page.getByTestId('report-warning')).toContainText(/Cancelled after \d+ of 150 patients/);
  const done = Number(/(\d+) of 150 patients/.exec((await page.getByTestId('report-progress-text').textContent()) ?? '')![1]);
  expect(done).toBeLessThan(150);
  const folder = (await page.getByTestId('report-folder').textContent())!.trim();
  const pdfs = fs.readdirSync(folder).filter((f) => f.endsWith('.pdf'));
  expect(pdfs).toHaveLength(done);
  expect(fs.readFileSync(path.join(folder, 'index.csv'), 'utf8').trimEnd().split('\r\n')).toHaveLength(done + 1);
  await page.screenshot({ path: `${SHOTS}/reports-cancelled.png` });
});
