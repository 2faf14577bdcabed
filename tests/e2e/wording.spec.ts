import fs from 'node:fs';
import path from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { channelNames } from '../../src/shared/ipc/contract';
import { freshDataDir, logOut, openApp, ROOT, runCli, SHARED_DATA, startHost, TEST_ADMIN, type Host } from './fixtures';

/**
 * Walks every section of the app as an administrator (with data in it: patients, an import
 * with labels, a care-plan decision, a report) and reads what a person sees there: the text,
 * tooltips, placeholders, labels and select options. It fails on words meant for software:
 * a channel name of the contract, a raw ISO timestamp or a trailing "Z", an ISO or numeric
 * date instead of the app's date format, and internal keys (ageBand, patientId, …). Then, as a
 * clinician: what only an administrator may do is hidden or disabled with the reason, a
 * change of user leaves nothing of the previous one, and a lock hides the patient's data.
 *
 * Findings go to test-results/wording/findings.json (with the page and the text around each);
 * the walk reports them all rather than stopping at the first.
 */

const OUT = path.join(ROOT, 'test-results', 'wording');
const CLEO = { username: 'cleo', password: 'clinician password 1', name: 'Cleo Clinician' };
const CHANNELS = new Set<string>(channelNames);
/** Keys and codes of the software, not words of the clinic. */
const INTERNAL = [
  'ageBand',
  'ageBands',
  'cosine',
  'patientId',
  'patientIds',
  'imageId',
  'labelSetId',
  'seriesId',
  'studyId',
  'diagnosisId',
  'planId',
  'runId',
  'jobId',
  'importId',
  'modelVersionId',
  'displayName',
  'birthDate',
  'createdAt',
  'updatedAt',
  'lastLoginAt',
  'undefined',
  'NaN',
  '[object Object]',
  'Invalid input',
  'FORBIDDEN',
  'UNAUTHENTICATED',
  'VALIDATION',
];

interface Finding {
  page: string;
  where: string;
  kind: string;
  match: string;
  context: string;
}

const findings: Finding[] = [];
let shotNo = 0;

function around(text: string, index: number, length: number): string {
  return text
    .slice(Math.max(0, index - 50), index + length + 50)
    .replace(/\s+/g, ' ')
    .trim();
}

/** Every software word in one piece of visible text. */
function scan(pageName: string, where: string, text: string): void {
  const add = (kind: string, m: RegExpMatchArray) => findings.push({ page: pageName, where, kind, match: m[0], context: around(text, m.index ?? 0, m[0].length) });
  for (const m of text.matchAll(/\b[a-z]+:[a-z][A-Za-z]+\b/g)) if (CHANNELS.has(m[0])) add('channel name', m);
  for (const m of text.matchAll(/\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/g)) add('raw ISO timestamp', m);
  for (const m of text.matchAll(/\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?Z\b/g)) add('UTC "Z" time', m);
  // A date as ISO (1957-03-12) or digits (03/12/1957) rather than the app's one format (12 Mar 1957).
  // Not inside a file or folder name, and not the form hint that asks for one.
  for (const m of text.matchAll(/(?<![\w/.-])\d{4}-\d{2}-\d{2}(?![\w/.T-])/g)) add('ISO date instead of the app date format', m);
  for (const m of text.matchAll(/(?<![\w/])\d{1,2}\/\d{1,2}\/\d{2,4}(?![\w/])/g)) add('numeric date instead of the app date format', m);
  for (const m of text.matchAll(/\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/g)) add('internal id (a UUID)', m);
  for (const m of text.matchAll(/\b(?:age|sex):[\w+-]+/g)) add('catalog code (age:/sex:)', m);
  // The recommender's own names for its methods, and sex as a code letter.
  for (const m of text.matchAll(/\[(?:content|user|item|hybrid|popular)\b|\b(?:hybrid|content|user|item) mode\b|\b[Hh]ybrid weights: user\b/g)) add('recommender method name', m);
  for (const m of text.matchAll(/\bsex [FMOU]\b/g)) add('sex as a code letter', m);
  for (const key of INTERNAL) {
    const re = new RegExp(`(?<![A-Za-z])${key.replace(/[[\]]/g, '\\$&')}(?![A-Za-z])`, 'g');
    for (const m of text.matchAll(re)) add('internal key', m);
  }
}

/** What the page shows now: its visible text, and the tooltips, placeholders, labels and options of visible elements. */
async function read(page: Page): Promise<{ text: string; attrs: { where: string; value: string }[] }> {
  return page.evaluate(() => {
    const attrs: { where: string; value: string }[] = [];
    const seen = (el: Element) => (el as HTMLElement).checkVisibility?.({ checkOpacity: false, checkVisibilityCSS: true }) ?? true;
    for (const el of Array.from(document.querySelectorAll('[title], [placeholder], [aria-label]'))) {
      if (!seen(el)) continue;
      for (const name of ['title', 'placeholder', 'aria-label']) {
        const v = el.getAttribute(name);
        if (v) attrs.push({ where: name === 'title' ? 'tooltip' : name, value: v });
      }
    }
    for (const select of Array.from(document.querySelectorAll('select'))) {
      if (seen(select)) for (const o of Array.from(select.options)) attrs.push({ where: 'select option', value: o.text });
    }
    return { text: document.body.innerText, attrs };
  });
}

/** Reads and scans the page as it is now, with a screenshot for a person to look at. */
async function look(page: Page, name: string): Promise<void> {
  await page.waitForTimeout(600); // let loads settle (an SSE stream keeps the network busy, so no networkidle)
  const { text, attrs } = await read(page);
  scan(name, 'text', text);
  for (const a of attrs) scan(name, a.where, a.value);
  shotNo++;
  await page.screenshot({ path: path.join(OUT, `${String(shotNo).padStart(2, '0')}-${name.replace(/[^a-z0-9]+/gi, '-')}.png`), fullPage: true });
}

/** Clicks when the control is there (views change; the walk reads what is there rather than failing on a moved button). */
async function tryClick(page: Page, selector: string, timeout = 3_000): Promise<boolean> {
  const target = page.locator(selector).first();
  try {
    await target.waitFor({ state: 'visible', timeout });
    if (await target.isDisabled()) return false;
    await target.click({ timeout });
    return true;
  } catch {
    return false;
  }
}

async function go(page: Page, section: string): Promise<void> {
  await page.getByTestId(`nav-${section}`).click();
  await expect(page.getByTestId(`nav-${section}`)).toHaveAttribute('aria-current', 'page');
}

async function login(page: Page, user: { username: string; password: string }): Promise<void> {
  await expect(page.getByTestId('auth-login')).toBeVisible();
  await page.getByTestId('auth-username').fill(user.username);
  await page.getByTestId('auth-password').fill(user.password);
  await page.getByTestId('auth-submit').click();
  await expect(page.getByTestId('statusbar')).toBeVisible();
}

async function cli(args: string[], dataDir: string, env: NodeJS.ProcessEnv = {}): Promise<string> {
  const r = await runCli([...args, '--data-dir', dataDir], env);
  expect(r.code, `carelens ${args.join(' ')}: ${r.stderr}`).toBe(0);
  return r.stdout;
}

let host: Host | null = null;
test.afterAll(async () => {
  await host?.stop();
});

test('every page speaks the clinic’s words; a clinician sees what is not theirs disabled with the reason; a user switch leaves nothing behind', async ({ page }) => {
  test.setTimeout(420_000);
  fs.rmSync(OUT, { recursive: true, force: true });
  fs.mkdirSync(OUT, { recursive: true });

  // Data, quickly, through the CLI: patients (one with a CJK name), a labelled import for one
  // of them, the demo care-plan catalog, a problem, a report, and a clinician account.
  const dataDir = freshDataDir();
  await cli(['careplans', 'demo'], dataDir);
  await cli(['patients', 'add', '--name', '张伟', '--mrn', 'ZW-1', '--birth-date', '1957-03-12', '--sex', 'M'], dataDir);
  await cli(['patients', 'add', '--name', 'Wang XiaoDong', '--mrn', 'WX-2', '--birth-date', '1990-11-02', '--sex', 'M'], dataDir);
  await cli(['careplans', 'conditions', 'ZW-1', '--code', 'J18.9', '--words', 'pneumonia'], dataDir);
  await cli(['import', path.join(SHARED_DATA, 'images', 'breastmnist', 'val'), '--patient', 'WX-2', '--labels-from-folders', '--label-set', 'Wang XiaoDong ultrasound', '--json'], dataDir);
  // Images of no patient (each its own subject), so a training run can split them.
  await cli(['import', path.join(SHARED_DATA, 'images', 'breastmnist', 'test'), '--labels-from-folders', '--label-set', 'Breast ultrasound', '--json'], dataDir);
  await cli(['report', 'WX-2', '--format', 'pdf', '--json'], dataDir);
  await cli(['users', 'add', '--username', TEST_ADMIN.username, '--name', TEST_ADMIN.displayName, '--role', 'admin'], dataDir, { CARELENS_NEW_PASSWORD: TEST_ADMIN.password });
  await cli(['users', 'add', '--username', CLEO.username, '--name', CLEO.name, '--role', 'clinician'], dataDir, { CARELENS_NEW_PASSWORD: CLEO.password });

  host = await startHost(dataDir);
  await openApp(page, host);

  // The nav lists every section of sections.ts for an administrator.
  const sectionIds = [...fs.readFileSync(path.join(ROOT, 'src/renderer/src/sections.ts'), 'utf8').matchAll(/\{ id: '([a-z]+)'/g)].map((m) => m[1]!);
  expect(sectionIds.length).toBeGreaterThan(5);
  const navIds = (await page.locator('[data-testid^="nav-"]').evaluateAll((els) => els.map((e) => e.getAttribute('data-testid')!.slice(4)))).sort();
  expect(navIds).toEqual([...sectionIds].sort());

  // ------------------------------------------------------------------ the walk, as the administrator
  await go(page, 'patients');
  await look(page, 'patients');
  // A patient registered in the UI, and the form's own refusal of a bad one.
  await page.getByTestId('patient-new').click();
  await page.getByTestId('field-name').fill('Ada Lovelace');
  await page.getByTestId('field-mrn').fill('AL-3');
  await page.getByTestId('field-birthdate').fill('1815-12-10');
  await page.getByTestId('patient-save').click();
  await expect(page.getByTestId('patient-detail')).toContainText('Ada Lovelace');
  await look(page, 'patients-detail');
  await page.getByTestId('patient-new').click();
  await page.getByTestId('field-mrn').fill('AL-3');
  await page.getByTestId('patient-save').click();
  await look(page, 'patients-form-refused');

  await go(page, 'import');
  await tryClick(page, '.import-view button:has-text("Report")');
  await look(page, 'import');

  await go(page, 'images');
  await look(page, 'images');
  if (await tryClick(page, '[data-testid="imaging-patient"]:has-text("Wang XiaoDong")')) await look(page, 'images-patient');
  if (await tryClick(page, '[data-testid^="series-"]')) await look(page, 'images-series');

  await go(page, 'label');
  await look(page, 'label');
  if (await tryClick(page, '[data-testid="label-sets-toggle"]')) await look(page, 'label-sets');

  await go(page, 'train');
  await look(page, 'train');
  await go(page, 'diagnose');
  await look(page, 'diagnose');

  await go(page, 'careplans');
  await page.getByTestId('cp-patient-search').fill('张伟');
  await page.getByTestId('cp-patient').filter({ hasText: '张伟' }).first().click();
  await expect(page.getByTestId('cp-problem-list')).toBeVisible();
  // A care-plan decision in the UI, when a plan is offered.
  const card = page.getByTestId('plan-card').first();
  if (await card.isVisible({ timeout: 10_000 }).catch(() => false)) {
    await card.getByTestId('plan-accept').click();
    await card.getByTestId('plan-decision-reason').fill('agreed with the patient');
    await card.getByTestId('plan-confirm').click();
    await expect(page.getByTestId('cp-assignment')).toHaveCount(1);
  }
  await look(page, 'careplans-patient');
  await page.getByTestId('cp-catalog-toggle').click();
  await expect(page.getByTestId('catalog-panel')).toBeVisible();
  await look(page, 'careplans-catalog');

  await go(page, 'reports');
  await look(page, 'reports');
  for (const summary of await page.locator('details > summary').all()) await summary.click().catch(() => undefined);
  await look(page, 'reports-details-open');

  await go(page, 'audit');
  await expect(page.getByTestId('audit-row').first()).toBeVisible();
  await look(page, 'audit');
  // The trail names the patients and says what was done, in words: by patient (MRN), the report
  // the command line exported and the images viewed; the row opened, and the chain checked.
  await page.getByTestId('audit-patient').fill('WX-2');
  await page.getByTestId('audit-search').click();
  const exported = page.getByTestId('audit-row').filter({ hasText: 'Exported a PDF report on Wang XiaoDong' });
  await expect(exported).toHaveCount(1);
  await exported.click();
  await expect(page.getByTestId('audit-detail')).toContainText('Wang XiaoDong (MRN WX-2)');
  await page.getByTestId('audit-verify').click();
  await expect(page.getByTestId('audit-verification')).toContainText('Chain intact');
  await look(page, 'audit-by-patient-row-open');
  await page.getByTestId('audit-patient').fill('AL-3');
  await page.getByTestId('audit-search').click();
  await expect(page.getByTestId('audit-what').filter({ hasText: 'Registered Ada Lovelace' })).toHaveCount(1);

  // Dialogs: user accounts (with a refused new user: the form's words, not the channel's) and the password.
  await page.getByTestId('open-users').click();
  await expect(page.getByTestId('user-row')).toHaveCount(2);
  await page.getByTestId('new-username').fill('dora');
  await page.getByTestId('new-displayname').fill('Dora');
  await page.getByTestId('new-password').fill('short');
  await page.getByTestId('new-user-save').click();
  await expect(page.getByTestId('users-error')).toHaveText('Check the form: A password has at least 10 characters.');
  await look(page, 'dialog-users');
  await page.getByTestId('users-close').click();
  await page.getByTestId('open-password').click();
  await page.getByTestId('pw-current').fill('x');
  await page.getByTestId('pw-new').fill('short');
  await page.getByTestId('pw-again').fill('short');
  await page.getByTestId('pw-save').click();
  await expect(page.getByTestId('change-password')).toContainText('A password has at least 10 characters');
  await look(page, 'dialog-password');
  await page.getByTestId('change-password').getByRole('button', { name: 'Close' }).click();

  // ------------------------------------------------------------------ a user switch leaves nothing behind
  // The admin leaves a patient's images open and a training run going.
  await go(page, 'images');
  await tryClick(page, '[data-testid="imaging-patient"]:has-text("Wang XiaoDong")');
  await go(page, 'train');
  const trainForm = page.locator('form.train-form');
  await trainForm.locator('select[name=labelSet]').selectOption('Breast ultrasound');
  await trainForm.locator('input[name=epochs]').fill('100');
  await trainForm.getByRole('button', { name: 'Train', exact: true }).click();
  await expect(page.getByTestId('run-state')).toHaveText('running', { timeout: 90_000 });
  await look(page, 'train-running-before-switch');
  await logOut(page);
  expect(new URL(page.url()).hash).toBe('');
  await login(page, CLEO);
  await expect(page.getByTestId('user-role')).toHaveText('Clinician');
  await expect(page.getByTestId('nav-patients')).toHaveAttribute('aria-current', 'page');
  expect(new URL(page.url()).hash).not.toMatch(/images|train/);
  await go(page, 'train');
  await expect(page.getByTestId('run-state')).toHaveCount(0);
  await expect(page.getByTestId('training-chart')).toHaveCount(0);
  await go(page, 'images');
  await look(page, 'clinician-images-after-switch');

  // ------------------------------------------------------------------ as a clinician: not theirs, disabled or hidden, with the reason
  await expect(page.getByTestId('nav-audit')).toHaveCount(0);
  await expect(page.getByTestId('open-users')).toHaveCount(0);
  await expect(page.getByTestId('backup-now')).toHaveCount(0);
  await page.evaluate(() => {
    location.hash = '#/audit';
  });
  await expect(page.getByTestId('audit-admin-only')).toHaveText(/Only an administrator can read the audit trail\. You are signed in as a clinician\./);
  await look(page, 'clinician-audit-by-address');

  await go(page, 'careplans');
  await page.getByTestId('cp-catalog-toggle').click();
  await expect(page.getByTestId('catalog-role-hint')).toContainText('Only an administrator can add, edit, retire or import care plans');
  const retire = page.getByTestId('plan-retire').first();
  await expect(retire).toBeDisabled();
  await expect(retire).toHaveAttribute('title', 'Only an administrator can retire a care plan');
  await expect(page.getByTestId('plan-edit').first()).toBeDisabled();
  await expect(page.getByTestId('catalog-new')).toBeDisabled();
  await expect(page.getByTestId('catalog-demo')).toHaveAttribute('title', 'Only an administrator can load the demo catalog');
  await expect(page.getByTestId('import-plans')).toBeDisabled();
  await expect(page.getByTestId('import-assignments')).toBeDisabled();
  await expect(page.getByRole('button', { name: 'Export plans' })).toBeEnabled();
  await look(page, 'clinician-catalog');
  // Past the UI, the main process refuses in the same words.
  const refused = await page.evaluate(async () => {
    const api = (window as unknown as { api: { careplans: { retirePlan(i: unknown): Promise<{ ok: boolean; error?: { code: string; message: string } }> } } }).api;
    return api.careplans.retirePlan({ id: 'demo-cap-outpatient-doxycycline', retired: true });
  });
  expect(refused).toMatchObject({ ok: false, error: { code: 'FORBIDDEN', message: 'Only an administrator can retire a care plan; you are signed in as a clinician. Ask an administrator if you need it.', key: 'errors.trust.forbidden' } });

  await go(page, 'reports');
  const clinic = page.locator('details', { has: page.getByTestId('report-clinic-save') });
  await clinic.locator('summary').click();
  await expect(page.getByTestId('report-clinic-save')).toBeDisabled();
  await expect(page.getByTestId('report-clinic-name')).toBeDisabled();
  await expect(clinic.getByTestId('role-hint')).toContainText('Only an administrator can change the clinic name and logo on reports');
  await look(page, 'clinician-reports');

  await go(page, 'label');
  const review = page.getByTestId('mode-review');
  await expect(review).toBeDisabled();
  await expect(review).toHaveAttribute('title', 'Only a reviewer or an administrator can review labels');
  await look(page, 'clinician-label');

  // ------------------------------------------------------------------ a lock hides the patient; the same user comes back to it
  await go(page, 'patients');
  await page.getByTestId('patient-row').filter({ hasText: '张伟' }).first().click();
  await expect(page.getByTestId('patient-detail')).toContainText('张伟');
  await page.getByTestId('lock-now').click();
  await expect(page.getByTestId('auth-locked')).toBeVisible();
  expect(await page.evaluate(() => document.body.innerText)).not.toMatch(/张伟|Wang XiaoDong|Ada Lovelace|ZW-1/);
  await page.screenshot({ path: path.join(OUT, 'locked.png'), fullPage: true });
  await page.getByTestId('auth-password').fill(CLEO.password);
  await page.getByTestId('auth-submit').click();
  await expect(page.getByTestId('patient-detail')).toContainText('张伟');

  // ------------------------------------------------------------------ the findings
  fs.writeFileSync(path.join(OUT, 'findings.json'), JSON.stringify(findings, null, 2));
  const pagesOf = new Map<string, Set<string>>();
  for (const f of findings) {
    const key = `${f.kind}: "${f.match}" in ${f.where} — …${f.context}…`;
    pagesOf.set(key, (pagesOf.get(key) ?? new Set()).add(f.page));
  }
  const summary = [...pagesOf.entries()].map(([what, pages]) => `[${[...pages].join(', ')}] ${what}`);
  console.log(`wording findings (${findings.length}):\n${summary.join('\n')}`);
  expect(summary, 'software words on the pages (details in test-results/wording/findings.json)').toEqual([]);
});
