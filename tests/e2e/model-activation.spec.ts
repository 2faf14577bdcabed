import path from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import type { Api } from '../../src/shared/ipc/contract';
import { freshDataDir, openApp, ROOT, runCli, SHARED_DATA, startHost, TEST_ADMIN, type Host } from './fixtures';

// Activating a model is a decision: never automatic, refused to clinicians (who see why), and
// made by a reviewer or an admin after seeing the test metrics and per-class recall, with a
// written reason when a class is below the clinic's minimum recall.
let host: Host | null = null;
test.afterEach(async () => {
  await host?.stop();
  host = null;
});

const SHOTS = path.join(ROOT, 'test-results', 'e2e');
const CAROL = { username: 'carol', password: 'carol reads the films', name: 'Carol Clinician', role: 'clinician' };
const RITA = { username: 'rita', password: 'rita reviews the models', name: 'Rita Reviewer', role: 'reviewer' };

async function cli(args: string[], dataDir: string, env: NodeJS.ProcessEnv = {}): Promise<string> {
  const r = await runCli([...args, '--data-dir', dataDir], env);
  expect(r.code, `carelens ${args.join(' ')}: ${r.stderr}`).toBe(0);
  return r.stdout;
}

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
}

/** The Train page with a version's model card open. */
async function openCard(page: Page, version: number) {
  await page.getByTestId('nav-train').click();
  await page.getByTestId('version-row').filter({ hasText: `v${version}` }).first().click();
  await expect(page.getByTestId('model-card')).toContainText(`Model version ${version}`);
}

test('a clinician cannot activate a model and sees why; a reviewer activates below the minimum with a reason; an admin without one', async ({ page }) => {
  test.setTimeout(600_000);
  const dataDir = freshDataDir();
  await cli(['users', 'add', '--username', TEST_ADMIN.username, '--name', TEST_ADMIN.displayName, '--role', 'admin'], dataDir, { CARELENS_NEW_PASSWORD: TEST_ADMIN.password });
  for (const u of [CAROL, RITA]) await cli(['users', 'add', '--username', u.username, '--name', u.name, '--role', u.role], dataDir, { CARELENS_NEW_PASSWORD: u.password });
  await cli(['import', path.join(SHARED_DATA, 'images', 'pneumoniamnist', 'val'), '--labels-from-folders', '--label-set', 'Chest X-ray', '--json'], dataDir);
  const v1 = JSON.parse(await cli(['train', '--label-set', 'Chest X-ray', '--epochs', '2', '--json'], dataDir));
  const v2 = JSON.parse(await cli(['train', '--label-set', 'Chest X-ray', '--epochs', '2', '--seed', '7', '--json'], dataDir));
  // Trained is not active: not the first version, not any.
  expect([v1.active, v2.active]).toEqual([false, false]);

  host = await startHost(dataDir);
  // The admin sets the clinic's minimum recall to 100%: every real model is below it for some class.
  await openApp(page, host);
  await page.getByTestId('nav-train').click();
  await page.locator('input[name=minRecall]').fill('100');
  await page.getByTestId('min-recall-form').getByRole('button', { name: 'Save' }).click();
  await expect(page.getByTestId('min-recall')).toHaveText('100%');

  // Carol, a clinician: the control is off and says why; the main process refuses too.
  await loginAs(page, host, CAROL);
  await openCard(page, 1);
  await expect(page.getByTestId('make-active')).toBeDisabled();
  await expect(page.getByTestId('activate-blocked')).toHaveText('Only a reviewer or an administrator can activate a model.');
  await expect(page.getByTestId('min-recall-form')).toHaveCount(0);
  await page.screenshot({ path: path.join(SHOTS, 'activation-clinician.png'), fullPage: true });
  const refused = await page.evaluate(async (id) => (globalThis as unknown as { api: Api }).api.ml.activate({ id, reason: 'I would like to try it' }), v1.modelVersionId);
  expect(refused).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
  await page.getByTestId('nav-diagnose').click();
  await expect(page.getByTestId('no-active-model')).toBeVisible();

  // Rita, a reviewer: the dialog shows the test metrics and per-class recall, every class below
  // the minimum marked; confirming needs a reason; Cancel changes nothing.
  await loginAs(page, host, RITA);
  await openCard(page, 1);
  await page.getByTestId('make-active').click();
  const dialog = page.getByTestId('activation-dialog');
  await expect(dialog).toContainText('Make model v1 the active model?');
  await expect(page.getByTestId('activation-accuracy')).toHaveText(/\d+\.\d%/);
  await expect(page.getByTestId('activation-recall').locator('tbody tr')).toHaveCount(2);
  await expect(page.getByTestId('activation-recall').locator('tr[data-below=true]').first()).toContainText('below the minimum');
  await expect(page.getByTestId('activation-reason-needed')).toContainText("below the clinic's minimum of 100.0%");
  await expect(page.getByTestId('activation-confirm')).toBeDisabled();
  await page.getByTestId('activation-cancel').click();
  await expect(dialog).toHaveCount(0);
  await expect(page.getByTestId('model-card').locator('.badge')).toHaveCount(0);
  await page.getByTestId('make-active').click();
  const reason = 'Night-shift pilot: every output is double-read by a radiologist';
  await page.getByTestId('activation-reason').fill(reason);
  await expect(page.getByTestId('activation-confirm')).toBeEnabled();
  await page.screenshot({ path: path.join(SHOTS, 'activation-reviewer-dialog.png'), fullPage: true });
  await page.getByTestId('activation-confirm').click();
  await expect(dialog).toHaveCount(0);
  await expect(page.getByTestId('model-card').locator('.badge')).toHaveText('active');

  // The admin lowers the minimum to 0%: v2 then needs no reason, and activating it is still a confirmed step.
  await loginAs(page, host, TEST_ADMIN);
  await page.getByTestId('nav-train').click();
  await page.locator('input[name=minRecall]').fill('0');
  await page.getByTestId('min-recall-form').getByRole('button', { name: 'Save' }).click();
  await expect(page.getByTestId('min-recall')).toHaveText('0%');
  await openCard(page, 2);
  await page.getByTestId('make-active').click();
  await expect(page.getByTestId('activation-recall').locator('tr[data-below=true]')).toHaveCount(0);
  await expect(page.getByTestId('activation-reason')).toHaveCount(0);
  await page.screenshot({ path: path.join(SHOTS, 'activation-admin-dialog.png'), fullPage: true });
  await page.getByTestId('activation-confirm').click();
  await expect(page.getByTestId('model-card').locator('.badge')).toHaveText('active');
  await expect(page.getByTestId('version-row').filter({ hasText: 'active' })).toHaveCount(1);

  // The audit trail has each attempt, the reviewer's reason in its detail.
  const audit = JSON.parse(await cli(['audit', 'list', '--action', 'ml:activate', '--json'], dataDir)).items as { actorName: string; outcome: string; detail: string }[];
  const byWho = audit.map((a) => [a.actorName, a.outcome]).sort();
  expect(byWho).toEqual([['admin', 'ok'], ['carol', 'FORBIDDEN'], ['rita', 'ok']]);
  expect(audit.find((a) => a.actorName === 'rita')!.detail).toContain(reason);
});
