import fs from 'node:fs';
import path from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { freshDataDir, openApp, ROOT, runCli, SHARED_DATA, startHost, type Host } from './fixtures';

// A clinician reviews a model's suggestion in Diagnose, starting from the patient. Confirming
// records the review only: the problem list and the label set are untouched until each
// explicit action, which shows what it will write first. Output outside the model's
// training (a CT slice for a model trained on chest X-ray PNGs) has no confirm button.
let host: Host | null = null;
test.afterEach(async () => {
  await host?.stop();
  host = null;
});

const SHOTS = path.join(ROOT, 'test-results', 'e2e');
const MRN = 'DX-1001';

async function cli(args: string[], dataDir: string): Promise<string> {
  const r = await runCli([...args, '--data-dir', dataDir]);
  expect(r.code, `carelens ${args.join(' ')}: ${r.stderr}`).toBe(0);
  return r.stdout;
}

/** Copies files into a fresh folder under neutral names (a folder name can be the class). */
function stage(dataDir: string, name: string, files: string[]): string {
  const dir = path.join(dataDir, '..', `${path.basename(dataDir)}-${name}`);
  fs.mkdirSync(dir, { recursive: true });
  files.forEach((f, i) => fs.copyFileSync(f, path.join(dir, `image-${i + 1}${path.extname(f) || '.dcm'}`)));
  return dir;
}

async function conditions(dataDir: string, mrn: string): Promise<{ code: string; words: string; fromDiagnosis?: { diagnosisId: string } | null }[]> {
  return JSON.parse(await cli(['careplans', 'conditions', mrn, '--json'], dataDir));
}

async function labelsOfPatient(dataDir: string, mrn: string): Promise<{ id: string; labels: { labelSet: string; className: string }[] }[]> {
  return JSON.parse(await cli(['images', 'list', '--patient', mrn, '--json'], dataDir)).items;
}

/** Diagnose, a patient found by part of the name or MRN; the banner then names them. */
async function openPatient(page: Page, query: string, mrn: string) {
  await page.getByTestId('nav-diagnose').click();
  await page.getByTestId('dx-patient-search').fill(query);
  await page.getByTestId('dx-patient').filter({ hasText: `MRN ${mrn}` }).click();
  await expect(page.getByTestId('banner-mrn')).toHaveText(mrn);
}

test('confirming records the review only; the problem list and the label set change only by their own actions; out-of-scope output cannot be confirmed', async ({ page }) => {
  test.setTimeout(600_000);
  const dataDir = freshDataDir();
  // A chest X-ray model from PneumoniaMNIST's validation images (labelled by folder), activated as a decision.
  await cli(['import', path.join(SHARED_DATA, 'images', 'pneumoniamnist', 'val'), '--labels-from-folders', '--label-set', 'Chest X-ray', '--json'], dataDir);
  const trained = JSON.parse(await cli(['train', '--label-set', 'Chest X-ray', '--epochs', '4', '--json'], dataDir));
  expect(trained.active).toBe(false);
  await cli(['models', 'activate', trained.modelVersionId, '--reason', 'end-to-end test of the review workflow'], dataDir);
  await cli(['careplans', 'demo'], dataDir);
  // The patient: three chest films with pneumonia (held-out test images, unlabelled here).
  await cli(['patients', 'add', '--name', 'Grace Park', '--mrn', MRN, '--birth-date', '1961-04-12', '--sex', 'F'], dataDir);
  const films = fs.readdirSync(path.join(SHARED_DATA, 'images', 'pneumoniamnist', 'test', '1_pneumonia')).slice(0, 3);
  await cli(['import', stage(dataDir, 'films', films.map((f) => path.join(SHARED_DATA, 'images', 'pneumoniamnist', 'test', '1_pneumonia', f))), '--patient', MRN, '--json'], dataDir);
  // A CT slice (its own patient, from the DICOM header) for the out-of-scope case.
  const ctImport = JSON.parse(await cli(['import', stage(dataDir, 'ct', [path.join(SHARED_DATA, 'dicom', 'cornerstonejs_cornerstone3D', 'CTImage.dcm_LittleEndianExplicitTransferSyntax_1.2.840.10008.1.2.1.dcm')]), '--json'], dataDir));
  expect(ctImport.imported).toBe(1);
  const ctImage = JSON.parse(await cli(['images', 'list', '--json'], dataDir)).items.find((i: { format: string }) => i.format === 'dicom');
  const ctMrn: string = ctImage.patientMrn;

  host = await startHost(dataDir);
  await openApp(page, host);
  await openPatient(page, 'Grace', MRN);
  await expect(page.getByTestId('banner-name')).toHaveText('Grace Park');
  // Thumbnails only: no internal id to type, no label and no file path on the tiles.
  await page.getByTestId('dx-loose').click();
  const thumbs = page.getByTestId('dx-thumb');
  await expect(thumbs).toHaveCount(3);
  await expect(page.getByTestId('dx-thumbnails')).not.toContainText(/pneumonia|normal|Chest X-ray/i);

  // Run the model on films until one comes back as pneumonia within the model's training.
  const diagnosis = page.getByTestId('diagnosis');
  let found = false;
  for (let k = 0; k < 3 && !found; k++) {
    await thumbs.nth(k).click();
    await page.getByTestId('run-image').click();
    await expect(diagnosis).toBeVisible({ timeout: 60_000 });
    found = (await diagnosis.locator('h2').innerText()).includes('pneumonia') && (await page.getByTestId('outside-training').count()) === 0;
  }
  expect(found, 'the model called one of three pneumonia films pneumonia').toBe(true);
  await expect(diagnosis).toContainText('Model suggestion: pneumonia');
  await expect(page.getByTestId('heatmap-canvas')).toBeVisible();
  // Before review, neither action is possible.
  await expect(page.getByTestId('actions-blocked')).toContainText('Review the finding first');
  await expect(page.getByTestId('action-problem-list')).toBeDisabled();
  await expect(page.getByTestId('action-label-set')).toBeDisabled();
  const labelsBefore = await labelsOfPatient(dataDir, MRN);
  expect(labelsBefore.every((i) => i.labels.length === 0)).toBe(true);

  await page.getByTestId('confirm').click();
  await expect(page.getByTestId('review')).toContainText('Confirmed pneumonia by admin');
  await page.screenshot({ path: path.join(SHOTS, 'diagnose-confirmed.png'), fullPage: true });
  // Confirming wrote the review only.
  expect(await conditions(dataDir, MRN)).toEqual([]);
  expect(await labelsOfPatient(dataDir, MRN)).toEqual(labelsBefore);

  // Add to problem list: the preview shows exactly the row, then it is written with its provenance.
  await page.getByTestId('action-problem-list').click();
  const problem = page.getByTestId('problem-preview');
  await expect(problem).toContainText('Grace Park · MRN DX-1001');
  await expect(page.getByTestId('problem-preview-condition')).toHaveText('J18 pneumonia');
  await expect(problem).toContainText('confirmed as “pneumonia” by admin');
  await problem.scrollIntoViewIfNeeded();
  await page.screenshot({ path: path.join(SHOTS, 'diagnose-problem-preview.png'), fullPage: true });
  expect(await conditions(dataDir, MRN)).toEqual([]);
  await page.getByTestId('problem-confirm').click();
  await expect(page.getByTestId('problem-done')).toContainText('J18 pneumonia');
  const diagnosisId = await diagnosis.getAttribute('data-diagnosis-id');
  expect(await conditions(dataDir, MRN)).toEqual([expect.objectContaining({ code: 'J18', words: 'pneumonia', source: 'diagnosis', fromDiagnosis: expect.objectContaining({ diagnosisId, decision: 'confirmed', reviewedBy: 'admin' }) })]);
  // Still no label: that is the other action.
  expect(await labelsOfPatient(dataDir, MRN)).toEqual(labelsBefore);

  // Add image to label set: set and class chosen (the model's set and the reviewed class by default), previewed, written.
  await page.getByTestId('action-label-set').click();
  const label = page.getByTestId('label-preview');
  await expect(page.getByTestId('label-preview-set')).toHaveText('Chest X-ray');
  await expect(page.getByTestId('label-preview-class')).toHaveText('pneumonia');
  await expect(label).toContainText(`from diagnosis ${diagnosisId}`);
  await label.scrollIntoViewIfNeeded();
  await page.screenshot({ path: path.join(SHOTS, 'diagnose-label-preview.png'), fullPage: true });
  await page.getByTestId('label-confirm').click();
  await expect(page.getByTestId('label-done')).toContainText('Added to “Chest X-ray” as pneumonia');
  await expect(page.getByTestId('action-label-set')).toBeDisabled();
  const labelled = (await labelsOfPatient(dataDir, MRN)).filter((i) => i.labels.length > 0);
  expect(labelled.map((i) => i.labels)).toEqual([[expect.objectContaining({ labelSet: 'Chest X-ray', className: 'pneumonia' })]]);
  const history = JSON.parse(await cli(['labels', 'history', 'Chest X-ray', labelled[0]!.id, '--json'], dataDir));
  expect(JSON.stringify(history)).toContain(`from diagnosis ${diagnosisId}`);
  expect(JSON.stringify(history)).toContain('"source":"review"');

  // The care-plans view now sees the condition (from the problem list), with where it came from.
  await page.getByRole('button', { name: 'Open care plans' }).click();
  await expect(page.getByTestId('cp-condition')).toHaveCount(1);
  await expect(page.getByTestId('cp-condition-provenance')).toContainText('confirmed by admin');
  await expect(page.getByTestId('plan-card').first()).toBeVisible();
  await page.screenshot({ path: path.join(SHOTS, 'diagnose-careplans-after.png'), fullPage: true });

  // From the Images viewer, the Diagnose button opens Diagnose on that patient with the image already chosen.
  await page.getByTestId('nav-images').click();
  await page.getByTestId('imaging-patient').filter({ hasText: 'Grace Park' }).click();
  await expect(page.getByTestId('diagnose-image')).toBeVisible();
  await page.getByTestId('diagnose-image').click();
  await expect(page.getByTestId('banner-name')).toHaveText('Grace Park');
  await expect(page.locator('[data-testid=dx-thumb][aria-selected=true]')).toHaveCount(1);
  await expect(page.getByTestId('run-image')).toBeEnabled();
  await expect(page.getByTestId('diagnosis').or(page.getByTestId('diagnosis-empty'))).toBeVisible();

  // A CT slice is outside a chest X-ray PNG model's training: said so, no confirm button, no actions; override stays.
  await page.getByTestId('nav-diagnose').click();
  await openPatient(page, ctMrn, ctMrn);
  await page.getByTestId('dx-thumb').first().click();
  await page.getByTestId('run-image').click();
  await expect(page.getByTestId('outside-training')).toContainText("Outside this model's training — not for clinical use", { timeout: 60_000 });
  await expect(page.getByTestId('outside-training').locator('li').first()).toBeVisible();
  await expect(page.getByTestId('confirm')).toHaveCount(0);
  await expect(page.getByTestId('override')).toBeEnabled();
  await expect(page.getByTestId('action-problem-list')).toBeDisabled();
  await page.screenshot({ path: path.join(SHOTS, 'diagnose-outside-training.png'), fullPage: true });
  await diagnosis.locator('input[name=reason]').fill('read the CT myself: no consolidation');
  // The correction offered is the class the model did not pick; which one that is depends on the
  // freshly trained model, so read it rather than assume it.
  const corrected = await diagnosis.locator('select[name=overrideClass]').inputValue();
  expect(corrected).not.toBe('');
  await page.getByTestId('override').click();
  await expect(page.getByTestId('review')).toContainText(`Overridden to ${corrected}`);
  await expect(page.getByTestId('actions-blocked')).toContainText("Outside this model's training");
  await expect(page.getByTestId('action-label-set')).toBeDisabled();
});
