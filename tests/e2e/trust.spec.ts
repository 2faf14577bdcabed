import { expect, test } from '@playwright/test';
import { freshDataDir, logOut, openApp, startHost, TEST_ADMIN, type Host } from './fixtures';

let host: Host | null = null;
test.afterEach(async () => {
  await host?.stop();
  host = null;
});

test('first-run admin, users and roles, lock and unlock, and the audit trail names who tried what', async ({ page }) => {
  host = await startHost(freshDataDir());
  await page.goto(host.loginUrl);

  // First start: the app asks for an administrator account before anything else.
  await expect(page.getByTestId('auth-setup')).toBeVisible();
  await expect(page.getByTestId('app-shell')).toHaveCount(0);
  await page.getByTestId('auth-username').fill(TEST_ADMIN.username);
  await page.getByTestId('auth-displayname').fill(TEST_ADMIN.displayName);
  await page.getByTestId('auth-password').fill(TEST_ADMIN.password);
  await page.getByTestId('auth-confirm').fill('something else entirely');
  await page.getByTestId('auth-submit').click();
  await expect(page.getByTestId('auth-confirm-error')).toContainText('differ');
  await page.screenshot({ path: 'test-results/e2e/trust-setup.png' });
  await page.getByTestId('auth-confirm').fill(TEST_ADMIN.password);
  await page.getByTestId('auth-submit').click();
  await expect(page.getByTestId('app-shell')).toBeVisible();
  await expect(page.getByTestId('user-name')).toContainText(TEST_ADMIN.displayName);

  // The admin adds a clinician.
  await page.getByTestId('open-users').click();
  await page.getByTestId('new-username').fill('cleo');
  await page.getByTestId('new-displayname').fill('Cleo Clinician');
  await page.getByTestId('new-role').selectOption('clinician');
  await page.getByTestId('new-password').fill('clinician password 1');
  await page.getByTestId('new-user-save').click();
  await expect(page.getByTestId('user-row')).toHaveCount(2);
  await page.screenshot({ path: 'test-results/e2e/trust-users.png' });
  await page.getByTestId('users-close').click();

  // A patient to audit.
  await page.getByTestId('nav-patients').click();
  await page.getByTestId('patient-new').click();
  await page.getByTestId('field-name').fill('Audit Target');
  await page.getByTestId('field-mrn').fill('AT1');
  await page.getByTestId('patient-save').click();
  await expect(page.getByTestId('patient-detail')).toContainText('Audit Target');

  // Lock on demand: the shell hides; the same user's password unlocks and the work is still there.
  await page.getByTestId('lock-now').click();
  await expect(page.getByTestId('auth-locked')).toBeVisible();
  await expect(page.getByTestId('app-shell')).toBeHidden();
  await page.getByTestId('auth-password').fill('wrong password here');
  await page.getByTestId('auth-submit').click();
  await expect(page.getByTestId('auth-error')).toContainText('Wrong password');
  await page.screenshot({ path: 'test-results/e2e/trust-locked.png' });
  await page.getByTestId('auth-password').fill(TEST_ADMIN.password);
  await page.getByTestId('auth-submit').click();
  await expect(page.getByTestId('patient-detail')).toContainText('Audit Target');

  // The clinician logs in; the Audit view is not theirs, and the main process refuses
  // an admin channel called directly, past the UI.
  await logOut(page);
  await page.getByTestId('auth-username').fill('cleo');
  await page.getByTestId('auth-password').fill('clinician password 1');
  await page.getByTestId('auth-submit').click();
  await expect(page.getByTestId('user-name')).toContainText('Cleo Clinician');
  await expect(page.getByTestId('open-users')).toHaveCount(0);
  // Their own password: the current one is checked in the main process.
  await page.getByTestId('open-password').click();
  await page.getByTestId('pw-current').fill('not my password');
  await page.getByTestId('pw-new').fill('a new clinician password');
  await page.getByTestId('pw-again').fill('a new clinician password');
  await page.getByTestId('pw-save').click();
  await expect(page.getByTestId('change-password')).toContainText('Wrong password');
  await page.getByTestId('pw-current').fill('clinician password 1');
  await page.getByTestId('pw-save').click();
  await expect(page.getByTestId('pw-done')).toBeVisible();
  await page.getByTestId('change-password').getByRole('button', { name: 'Close' }).click();
  // The Audit section is an administrator's: hidden from a clinician; opened by address, it says why.
  await expect(page.getByTestId('nav-audit')).toHaveCount(0);
  await page.evaluate(() => {
    location.hash = '#/audit';
  });
  await expect(page.getByTestId('audit-admin-only')).toContainText('Only an administrator can read the audit trail');
  const direct = await page.evaluate(async () => {
    const w = window as unknown as { api: { auth: { createUser(i: unknown): Promise<{ ok: boolean; error?: { code: string } }> } } };
    return w.api.auth.createUser({ username: 'mallory', displayName: 'M', role: 'admin', password: 'let me in, please' });
  });
  expect(direct).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
  await page.getByTestId('nav-patients').click();
  await expect(page.getByTestId('patient-row')).toHaveCount(1);
  await page.getByTestId('patient-row').first().click();

  // Back as the admin (openApp logs in as TEST_ADMIN): the Audit view shows the attempt.
  await logOut(page);
  await openApp(page, host);
  await page.getByTestId('nav-audit').click();
  await page.getByTestId('audit-user').fill('cleo');
  await page.getByTestId('audit-outcome').selectOption('FORBIDDEN');
  await page.getByTestId('audit-search').click();
  await expect(page.getByTestId('audit-row')).toHaveCount(1);
  // In words, not the channel (which stays in the row's data and in the CSV export).
  await expect(page.getByTestId('audit-row').first()).toContainText('Tried to add a user account');
  await expect(page.getByTestId('audit-row').first()).toHaveAttribute('data-channel', 'auth:createUser');
  await page.getByTestId('audit-row').first().click();
  await expect(page.getByText('mallory')).toBeVisible();

  // By patient name: who touched Audit Target (the admin created it, both listed it).
  await page.getByTestId('audit-user').fill('');
  await page.getByTestId('audit-outcome').selectOption('');
  await page.getByTestId('audit-patient').fill('audit target');
  await page.getByTestId('audit-search').click();
  await expect(page.getByTestId('audit-row').filter({ hasText: 'Registered Audit Target' })).toHaveCount(1);
  await expect(page.getByTestId('audit-row').filter({ hasText: 'cleo' }).first()).toBeVisible();

  await page.getByTestId('audit-verify').click();
  await expect(page.getByTestId('audit-verification')).toContainText('Chain intact');
  await page.screenshot({ path: 'test-results/e2e/trust-audit.png', fullPage: true });
});
