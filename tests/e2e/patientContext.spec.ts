import fs from 'node:fs';
import path from 'node:path';
import { expect, test, type APIRequestContext, type Page } from '@playwright/test';
import { apiLogin, freshDataDir, openApp, SHARED_DATA, startHost, type Host } from './fixtures';

let host: Host | null = null;
test.afterEach(async () => {
  await host?.stop();
  host = null;
});

// Outside Playwright's outputDir, which another spec's run may empty meanwhile.
const shot = (name: string) => path.join('test-results', 'patient-context', `${name}.png`);

/** A folder of `count` distinct chest X-ray PNGs named `<prefix>-<n>.png` (distinct bytes: import skips duplicates). */
function folderOf(prefix: string, files: string[]): string {
  const dir = freshDataDir();
  files.forEach((f, i) => fs.copyFileSync(path.join(SHARED_DATA, 'images', 'pneumoniamnist', 'train', f), path.join(dir, `${prefix}-${i + 1}.png`)));
  return dir;
}

async function call<T>(request: APIRequestContext, h: Host, headers: Record<string, string>, channel: string, data: unknown): Promise<T> {
  const res = await (await request.post(`${h.url}api/${channel}`, { headers, data: data as object })).json();
  expect(res.ok, `${channel}: ${JSON.stringify(res.error)}`).toBe(true);
  return res.value as T;
}

async function openPatient(page: Page, name: string) {
  await page.getByTestId('nav-patients').click();
  await page.getByTestId('patient-row').filter({ hasText: name }).click();
  await expect(page.getByTestId('patient-detail')).toContainText(name);
}

test('a patient card opens that patient: Images on A, back, Images on B shows B; allergies reach the banner', async ({ page, request }) => {
  host = await startHost();
  const headers = await apiLogin(request, host);
  const alice = await call<{ id: string }>(request, host, headers, 'patients:create', { name: 'Alice Able', mrn: 'PC-A', birthDate: '1957-03-12', sex: 'F' });
  const bob = await call<{ id: string }>(request, host, headers, 'patients:create', { name: 'Bob Baker', mrn: 'PC-B', birthDate: '1990-07-04', sex: 'M' });
  await call(request, host, headers, 'imaging:import', { paths: [folderOf('alice', ['0_normal/train_01214.png', '0_normal/train_01215.png'])], patientId: alice.id });
  await call(request, host, headers, 'imaging:import', { paths: [folderOf('bob', ['1_pneumonia/' + fs.readdirSync(path.join(SHARED_DATA, 'images/pneumoniamnist/train/1_pneumonia'))[0], '0_normal/train_01216.png', '0_normal/train_01217.png'])], patientId: bob.id });

  await openApp(page, host);
  const banner = page.getByTestId('patient-banner');
  const grid = page.getByTestId('thumbnail-grid');

  // A's images from A's card.
  await openPatient(page, 'Alice Able');
  await page.getByTestId('patient-open-images').click();
  await expect(page).toHaveURL(new RegExp(`#/images/${alice.id}$`));
  await expect(banner).toHaveAttribute('data-patient-id', alice.id);
  await expect(banner.getByTestId('banner-name')).toHaveText('Alice Able');
  await expect(grid).toHaveAttribute('data-count', '2');
  await expect(page.getByTestId('thumb-0')).toHaveAttribute('title', /alice-\d\.png$/);
  // The reading room's first cell shows the patient's first image (first pixels drawn).
  await expect(page.getByTestId('viewport-cell-0').getByTestId('stack-viewport')).toHaveAttribute('data-first-pixels-ms', /\d+/, { timeout: 30_000 });
  await page.screenshot({ path: shot('1-images-alice') });

  // Back to the patient list, and B's card: the page must be B's, not A's left over.
  await openPatient(page, 'Bob Baker');
  await page.getByTestId('patient-open-images').click();
  await expect(page).toHaveURL(new RegExp(`#/images/${bob.id}$`));
  await expect(banner).toHaveAttribute('data-patient-id', bob.id);
  await expect(banner.getByTestId('banner-name')).toHaveText('Bob Baker');
  await expect(banner.getByTestId('banner-mrn')).toHaveText('PC-B');
  await expect(banner.getByTestId('banner-sex')).toHaveText('Male');
  await expect(banner.getByTestId('banner-birth')).toContainText('1990');
  await expect(banner.getByTestId('banner-birth')).not.toContainText('1990-07-04');
  await expect(grid).toHaveAttribute('data-count', '3');
  for (let i = 0; i < 3; i++) await expect(page.getByTestId(`thumb-${i}`)).toHaveAttribute('title', /bob-\d\.png$/);
  await expect(page.locator('.rr-info .path')).toHaveText(/bob-\d\.png$/);
  await expect(page.getByTestId('imaging-patient').filter({ hasText: 'Bob Baker' })).toHaveAttribute('aria-current', 'true');
  await page.screenshot({ path: shot('2-images-bob') });

  // The address keeps the patient: a reload opens B again.
  await page.reload();
  await expect(page.getByTestId('statusbar')).toBeVisible();
  await expect(banner.getByTestId('banner-name')).toHaveText('Bob Baker');
  await expect(grid).toHaveAttribute('data-count', '3');

  // The sidebar opens Images for nobody, not for whoever was last.
  await page.getByTestId('nav-patients').click();
  await page.getByTestId('nav-images').click();
  await expect(banner).toHaveAttribute('data-state', 'none');
  await expect(grid).toHaveCount(0);

  // Allergies recorded on the Patients page reach every banner; "no known allergies" is its own state.
  await openPatient(page, 'Bob Baker');
  const allergies = page.getByTestId('banner-allergies');
  await expect(allergies).toHaveAttribute('data-status', 'not-recorded');
  await expect(allergies).toContainText('Allergies not recorded');
  await page.getByTestId('allergy-substance').fill('penicillin');
  await page.getByTestId('allergy-reaction').fill('anaphylaxis');
  await page.getByTestId('allergy-severity').selectOption('severe');
  await page.getByTestId('allergy-add').click();
  await expect(page.getByTestId('allergy-item')).toHaveCount(1);
  await expect(allergies).toHaveAttribute('data-status', 'recorded');
  await expect(allergies).toContainText('Allergies: penicillin (anaphylaxis, severe)');
  await page.screenshot({ path: shot('3-patients-allergy') });

  await openPatient(page, 'Alice Able');
  await page.getByTestId('allergy-nka').click();
  await expect(allergies).toHaveAttribute('data-status', 'none-known');
  await expect(allergies).toHaveText(/No known allergies/);

  await openPatient(page, 'Bob Baker');
  await page.getByTestId('patient-open-images').click();
  await expect(banner.getByTestId('banner-name')).toHaveText('Bob Baker');
  await expect(allergies).toContainText('penicillin (anaphylaxis, severe)');

  await openPatient(page, 'Bob Baker');
  await page.getByTestId('patient-open-careplans').click();
  await expect(page).toHaveURL(new RegExp(`#/careplans/${bob.id}$`));
  await expect(banner.getByTestId('banner-name')).toHaveText('Bob Baker');
  await expect(allergies).toContainText('penicillin');
  await page.screenshot({ path: shot('4-careplans-bob') });

  // Reports: the card's Report button chooses exactly that patient; a batch lists each one's identifiers.
  await openPatient(page, 'Alice Able');
  await page.getByTestId('patient-open-reports').click();
  await expect(page.getByTestId('report-selected-count')).toContainText('1 selected');
  await expect(banner.getByTestId('banner-name')).toHaveText('Alice Able');
  await page.getByTestId('report-select-shown').click();
  await expect(page.getByTestId('patient-list-item')).toHaveCount(2);
  await expect(page.getByTestId('patient-list-item').filter({ hasText: 'Bob Baker' })).toContainText('PC-B');
  await expect(page.getByTestId('patient-list-item').filter({ hasText: 'Bob Baker' })).toContainText('penicillin');
  await page.screenshot({ path: shot('5-reports-batch') });
  await openPatient(page, 'Bob Baker');
  await page.getByTestId('patient-open-reports').click();
  await expect(page.getByTestId('report-start')).toHaveText('Export 1 patient');
  await expect(banner.getByTestId('banner-name')).toHaveText('Bob Baker');

  // Label: the banner names the patient of the image being labelled.
  await call(request, host, headers, 'labels:createSet', { name: 'Chest', classes: ['normal', 'pneumonia'] });
  await page.getByTestId('nav-label').click();
  await expect(page.getByTestId('label-image')).toHaveAttribute('data-loaded', 'true');
  const labelled = await page.getByTestId('label-image-id').textContent();
  await expect(banner.getByTestId('banner-name')).toHaveText(labelled?.startsWith('bob-') ? 'Bob Baker' : 'Alice Able');
  await page.screenshot({ path: shot('6-label') });
});
