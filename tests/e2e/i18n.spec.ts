import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { freshDataDir, ROOT, runCli, SHARED_DATA, startHost, TEST_ADMIN, type Host } from './fixtures';

/**
 * The main flow in Simplified Chinese (the browser's language on first run): set up, add a
 * patient, import, view, label, train a small model, diagnose, care plans, export a PDF. On
 * every page the visible text (document.body.innerText) is checked for English words, after
 * taking out what is data (patient names, MRNs, label set and class names, model names, care-plan
 * catalogue content, file names, DICOM values) and a short allow-list of codes. Every page is
 * screenshotted in both languages (test-results/i18n/). The language chosen in the user menu is
 * remembered for the user: a browser asking for Chinese then gets the user's English.
 */
let host: Host | null = null;
test.afterAll(async () => {
  await host?.stop();
});

test.use({ locale: 'zh-CN' });

const SHOTS = path.join(ROOT, 'test-results', 'i18n');
const shot = (page: Page, name: string) => page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });

/**
 * Latin words allowed in the Chinese interface: codes and names that stay as they are in Chinese
 * clinical software (formats, standards, metrics, the product's name), keyboard keys, the
 * language select's own name for English, and the ML backend's technical name in the status bar.
 */
const ALLOWED = new Set([
  'CareLens', 'DICOM', 'DICOMweb', 'DIMSE', 'PDF', 'CSV', 'FHIR', 'R4', 'PNG', 'JPEG', 'AUC', 'ID', 'UID', 'PACS', 'AE', 'HU', 'AI', 'SOP', 'OK',
  'SNOMED', 'CT', 'RxNorm', 'ICD', 'KB', 'MB', 'GB', 'ROC', 'ECE', 'F1', 'JSON', 'PEM',
  'Alt', 'Ctrl', 'Shift', 'Esc', 'Enter', 'Tab',
  'English',
  'wasm', 'tfjs', 'node', 'cpu', 'threads',
  // Names Chinese ML and DICOM texts keep as they are: optimisers and the activation function
  // (the optimiser's code name also appears in a model's hyper-parameters), a certificate
  // authority, the protocol, and FHIR's resource type.
  'Adam', 'adam', 'SGD', 'sgd', 'ReLU', 'CA', 'HTTPS', 'Bundle',
  // Colour and DICOM display codes (RGB, the VOI window) and the model format (TF.js LayersModel)
  // on the Train page's input and model-package panels.
  'RGB', 'VOI', 'TF', 'js',
]);

/** Data shown on pages: asked of the app itself (every string under these keys of its list answers). */
const DATA_KEYS = new Set(['name', 'displayName', 'username', 'mrn', 'summary', 'interventions', 'evidenceNote', 'words', 'setting', 'medicationClasses', 'classes', 'className', 'description', 'architecture', 'dataSummary', 'intendedUse', 'labelSet', 'planName', 'notes']);

async function knownData(page: Page, extra: string[]): Promise<string[]> {
  const answers = await page.evaluate(async () => {
    const api = (globalThis as unknown as { api: Record<string, Record<string, (i: unknown) => Promise<unknown>>> }).api;
    const safe = async (p: () => Promise<unknown>) => {
      try {
        return await p();
      } catch {
        return null;
      }
    };
    return Promise.all([
      safe(() => api.patients!.list!({ limit: 500 })),
      safe(() => api.labels!.sets!({})),
      safe(() => api.ml!.versions!({})),
      safe(() => api.careplans!.listPlans!({})),
      safe(() => api.auth!.listUsers!({})),
    ]);
  });
  const out = new Set<string>(extra);
  const walk = (v: unknown, key: string | null) => {
    if (typeof v === 'string') {
      if (key && DATA_KEYS.has(key) && v.trim()) out.add(v.trim());
    } else if (Array.isArray(v)) v.forEach((x) => walk(x, key));
    else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) walk(x, k);
  };
  walk(answers, null);
  return [...out].sort((a, b) => b.length - a.length);
}

/** The English words a page shows outside data: [] when it is all Chinese. */
async function englishOn(page: Page, data: string[]): Promise<string[]> {
  let text = await page.evaluate(() => document.body.innerText);
  text = text.replace(/[^\s/]+\.(png|jpe?g|dcm|pdf|csv|json|zip)\b/gi, ' '); // file names (a report's holds its patient's name)
  for (const d of data) text = text.split(d).join(' ');
  text = text
    .replace(/(?:\/[\w.@-]+)+/g, ' ') // paths (the data folder)
    .replace(/\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f-]{14,}\b/gi, ' ') // ids
    .replace(/\bmv-[\w-]+/g, ' ') // model version ids
    .replace(/\b\d+(?:\.\d+){2,}\b/g, ' ') // UIDs and versions
    // Names of standards' services and methods, written as they are in Chinese software too.
    .replace(/\bC-(?:ECHO|FIND|GET|MOVE|STORE)\b|\b(?:QIDO|WADO|STOW)-RS\b|\bPS3\.\d+\b|\bGrad-CAM\b|\bHTTPS?\b|\bFHIR R4 Bundle\b/g, ' ');
  const words = text.match(/[A-Za-z]{2,}/g) ?? [];
  return [...new Set(words.filter((w) => !ALLOWED.has(w)))].sort();
}

const found: Record<string, string[]> = {};
let data: string[] = [];

/** Screenshots a page in Chinese and records the English it shows (checked all at once at the end). */
async function checkPage(page: Page, name: string) {
  await page.waitForTimeout(300); // let async panels settle before reading the text
  await page.evaluate(() => document.fonts.ready); // the CJK face loads on first use
  await shot(page, `zh-${name}`);
  const english = await englishOn(page, data);
  if (english.length > 0) found[name] = english;
  fs.writeFileSync(path.join(SHOTS, 'english-found.json'), JSON.stringify(found, null, 2));
}

const PATIENT = { name: '王芳', mrn: 'ZH-7', birthDate: '1957-03-12' };

test('the main flow in Chinese shows no English outside data; the language is per user and remembered', async ({ page, browser }) => {
  test.setTimeout(900_000);
  fs.mkdirSync(SHOTS, { recursive: true });
  const dataDir = freshDataDir();
  // Training data and the care-plan catalogue, as a clinic would bring them (the CLI stays English).
  const imported = await runCli(['import', path.join(SHARED_DATA, 'images', 'breastmnist', 'test'), '--labels-from-folders', '--label-set', '乳腺超声', '--data-dir', dataDir, '--json']);
  expect(imported.code, imported.stderr).toBe(0);
  expect((await runCli(['careplans', 'demo', '--data-dir', dataDir])).code).toBe(0);
  host = await startHost(dataDir);

  // First run: the browser asks for Chinese, so set-up is in Chinese and <html lang> says so.
  await page.goto(host.loginUrl);
  await expect(page.getByTestId('auth-setup')).toBeVisible();
  await expect(page.locator('html')).toHaveAttribute('lang', 'zh-CN');
  data = [TEST_ADMIN.displayName, TEST_ADMIN.username, dataDir];
  await checkPage(page, 'setup');
  await page.getByTestId('auth-username').fill(TEST_ADMIN.username);
  await page.getByTestId('auth-displayname').fill(TEST_ADMIN.displayName);
  await page.getByTestId('auth-password').fill(TEST_ADMIN.password);
  await page.getByTestId('auth-confirm').fill(TEST_ADMIN.password);
  await page.getByTestId('auth-submit').click();
  await expect(page.getByTestId('statusbar')).toBeVisible();
  // 'system' is the command line's actor, named in audit rows of what the CLI did.
  data = await knownData(page, [TEST_ADMIN.displayName, dataDir, PATIENT.name, PATIENT.mrn, 'system']);

  // Add a patient.
  await page.getByTestId('nav-patients').click();
  await page.getByTestId('patient-new').click();
  await page.getByTestId('field-name').fill(PATIENT.name);
  await page.getByTestId('field-mrn').fill(PATIENT.mrn);
  await page.getByTestId('field-birthdate').fill(PATIENT.birthDate);
  await checkPage(page, 'patients-form');
  await page.getByTestId('patient-save').click();
  await expect(page.getByTestId('patient-detail')).toContainText(PATIENT.name);
  // Dates in the Chinese format.
  await expect(page.getByTestId('patient-detail')).toContainText('1957年3月12日');
  await checkPage(page, 'patients');

  // Import the patient's own images.
  await page.getByTestId('nav-import').click();
  await page.getByTestId('import-paths').fill(path.join(SHARED_DATA, 'images', 'breastmnist', 'val', '0_malignant'));
  await page.getByTestId('import-patient').fill(PATIENT.mrn);
  await page.getByTestId('import-start').click();
  await expect(page.getByTestId('open-images')).toBeVisible({ timeout: 120_000 });
  await expect(page.getByTestId('count-imported')).toHaveText('21');
  await checkPage(page, 'import');

  // View them.
  await page.getByTestId('nav-images').click();
  await page.getByTestId('imaging-patient').filter({ hasText: PATIENT.name }).first().click();
  await checkPage(page, 'images');

  // Label one image of the training set.
  await page.getByTestId('nav-label').click();
  await expect(page.getByTestId('label-view')).toBeVisible();
  // The training images came labelled from their folders: nothing is next, so the empty queue is one page;
  // then all images, and the first one labelled from the keyboard.
  await checkPage(page, 'label-empty');
  await page.getByTestId('label-filter').selectOption('all');
  await expect(page.getByTestId('label-image')).toHaveAttribute('data-loaded', 'true', { timeout: 30_000 });
  await page.keyboard.press('1');
  await expect(page.getByTestId('label-current')).toContainText('malignant');
  await checkPage(page, 'label');

  // Train a small model, then make it active.
  data = await knownData(page, data);
  await page.getByTestId('nav-train').click();
  const form = page.locator('form.train-form');
  await expect(form.locator('select[name=labelSet] option')).not.toHaveCount(0);
  await expect(form.locator('select[name=labelSet]')).toContainText('乳腺超声');
  await form.locator('input[name=epochs]').fill('2');
  await form.locator('select[name=split]').selectOption('patient');
  await checkPage(page, 'train-form');
  await form.locator('button[type=submit]').click();
  await expect(page.getByTestId('run-state')).toHaveClass(/ok/, { timeout: 600_000 });
  await expect(page.getByTestId('version-row')).toHaveCount(1);
  data = await knownData(page, data);
  await checkPage(page, 'train');
  await page.getByTestId('make-active').click();
  await expect(page.getByTestId('activation-recall')).toBeVisible();
  await checkPage(page, 'train-activate');
  if (await page.getByTestId('activation-reason').count()) await page.getByTestId('activation-reason').fill('端到端测试：语言检查所用的模型');
  await page.getByTestId('activation-confirm').click();
  await expect(page.getByTestId('activation-dialog')).toHaveCount(0);

  // Diagnose the patient's image.
  await page.getByTestId('nav-diagnose').click();
  await page.getByTestId('dx-patient').filter({ hasText: PATIENT.mrn }).click();
  await page.getByTestId('dx-thumb').first().click();
  await page.getByTestId('run-image').click();
  await expect(page.getByTestId('diagnosis')).toBeVisible({ timeout: 60_000 });
  await checkPage(page, 'diagnose');

  // Care plans: a confirmed condition, plans with reasons, accept one.
  await page.getByTestId('nav-careplans').click();
  await page.getByTestId('cp-patient-search').fill(PATIENT.mrn);
  await page.getByTestId('cp-patient').filter({ hasText: PATIENT.name }).click();
  await page.getByTestId('cp-condition-code').fill('J18.9');
  await page.getByTestId('cp-condition-words').fill('肺炎');
  await page.getByTestId('cp-condition-add').click();
  const cards = page.getByTestId('plan-card');
  await expect(cards.first()).toBeVisible();
  data = await knownData(page, [...data, 'J18.9']);
  await checkPage(page, 'careplans');
  await cards.first().getByTestId('plan-accept').click();
  await cards.first().getByTestId('plan-decision-reason').fill('与患者商定');
  await cards.first().getByTestId('plan-confirm').click();
  await expect(page.getByTestId('cp-assignment')).toBeVisible();
  await checkPage(page, 'careplans-accepted');

  // Export a PDF: the report's language defaults to the user's, and the PDF is in Chinese.
  await page.getByTestId('nav-reports').click();
  await page.getByTestId('report-patient-search').fill(PATIENT.mrn);
  await page.getByTestId('report-patient-row').first().click();
  await page.getByTestId('report-format-pdf').check();
  await expect(page.getByTestId('report-language')).toHaveValue('zh-CN');
  await page.getByTestId('report-start').click();
  await expect(page.getByTestId('report-files')).toContainText('.pdf', { timeout: 60_000 });
  await checkPage(page, 'reports');
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('report-save-pdf').click()]);
  const saved = path.join(SHOTS, 'report-zh-CN.pdf');
  await download.saveAs(saved);
  const pdfText = execFileSync('pdftotext', ['-enc', 'UTF-8', saved, '-'], { encoding: 'utf8' });
  for (const heading of ['患者影像报告', '检查与关键图像', 'AI 发现与临床医生审核', '护理计划', '决策支持工具，不能替代临床判断']) expect(pdfText).toContain(heading);
  expect(pdfText).not.toContain('Studies and key images');
  expect(execFileSync('pdffonts', [saved], { encoding: 'utf8' })).toMatch(/NotoSansSC\S*\s+CID TrueType\s+Identity-H\s+yes\s+yes/);
  execFileSync('pdftoppm', ['-r', '60', '-png', '-f', '1', '-l', '1', saved, path.join(SHOTS, 'report-zh-CN-page')]);

  // The other pages and dialogs.
  await page.getByTestId('nav-audit').click();
  await expect(page.getByTestId('audit-row').first()).toBeVisible();
  await checkPage(page, 'audit');
  await page.getByTestId('nav-pacs').click();
  await checkPage(page, 'pacs');
  // The dialogs over a page already checked, so only their own words are new.
  await page.getByTestId('nav-patients').click();
  await page.getByTestId('open-password').click();
  await expect(page.getByTestId('change-password')).toBeVisible();
  await checkPage(page, 'password');
  await page.getByTestId('change-password').locator('button[type=button]').click();
  await page.getByTestId('open-users').click();
  await expect(page.getByTestId('user-admin')).toBeVisible();
  await checkPage(page, 'users');
  await page.getByTestId('users-close').click();

  // Switch to English in the user menu: applied at once, <html lang> follows; every page in English.
  await page.getByTestId('language-select').selectOption('en');
  await expect(page.locator('html')).toHaveAttribute('lang', 'en');
  await expect(page.getByTestId('nav-patients')).toHaveText('Patients');
  for (const id of ['patients', 'import', 'pacs', 'images', 'label', 'train', 'diagnose', 'careplans', 'reports', 'audit']) {
    await page.getByTestId(`nav-${id}`).click();
    await page.waitForTimeout(400);
    await shot(page, `en-${id}`);
  }

  // Remembered for the user: a new browser asking for Chinese signs in and gets English.
  const other = await browser.newContext({ locale: 'zh-CN' });
  const second = await other.newPage();
  await second.goto(host.loginUrl);
  await expect(second.getByTestId('auth-login')).toBeVisible();
  await expect(second.locator('html')).toHaveAttribute('lang', 'zh-CN');
  await shot(second, 'zh-login');
  await second.getByTestId('auth-username').fill(TEST_ADMIN.username);
  await second.getByTestId('auth-password').fill(TEST_ADMIN.password);
  await second.getByTestId('auth-submit').click();
  await expect(second.getByTestId('statusbar')).toBeVisible();
  await expect(second.locator('html')).toHaveAttribute('lang', 'en');
  await expect(second.getByTestId('nav-patients')).toHaveText('Patients');
  await other.close();

  // Back to Chinese; the lock screen is Chinese too.
  await page.getByTestId('language-select').selectOption('zh-CN');
  await expect(page.locator('html')).toHaveAttribute('lang', 'zh-CN');
  await page.getByTestId('lock-now').click();
  await expect(page.getByTestId('auth-locked')).toBeVisible();
  await checkPage(page, 'locked');
  await page.getByTestId('auth-password').fill(TEST_ADMIN.password);
  await page.getByTestId('auth-submit').click();
  await expect(page.getByTestId('statusbar')).toBeVisible();

  // Every page, all at once: which pages still show English, and which words.
  fs.writeFileSync(path.join(SHOTS, 'english-found.json'), JSON.stringify(found, null, 2));
  expect(found, 'English words on Chinese pages (outside data); see test-results/i18n/').toEqual({});
});
