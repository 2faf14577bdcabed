import { expect, test } from '@playwright/test';
import { apiLogin, freshDataDir, openApp, startHost, type Host } from './fixtures';

let host: Host | null = null;
test.afterEach(async () => {
  await host?.stop();
  host = null;
});

test('adds a patient in the UI, finds it, and it survives a restart of the host', async ({ page }) => {
  const dataDir = freshDataDir();
  host = await startHost(dataDir);
  await openApp(page, host);
  await expect(page.getByTestId('status-datadir')).toContainText(dataDir);
  await expect(page.getByTestId('status-backend')).toContainText('ML backend');

  await page.getByTestId('patient-new').click();
  await page.getByTestId('field-name').fill('Ada Lovelace');
  await page.getByTestId('field-mrn').fill('A1');
  await page.getByTestId('field-birthdate').fill('1815-12-10');
  await page.getByTestId('patient-save').click();
  await expect(page.getByTestId('patient-row')).toHaveCount(1);
  await expect(page.getByTestId('patient-detail')).toContainText('Ada Lovelace');

  // Validation errors appear beside the fields; a taken MRN is a conflict.
  await page.getByTestId('patient-new').click();
  await page.getByTestId('field-name').fill('');
  await page.getByTestId('field-mrn').fill('A1');
  await page.getByTestId('field-birthdate').fill('2999-01-01');
  await page.getByTestId('patient-save').click();
  await expect(page.getByTestId('error-name')).toBeVisible();
  await expect(page.getByTestId('error-birthDate')).toContainText('future');
  await page.getByTestId('field-name').fill('Someone Else');
  await page.getByTestId('field-birthdate').fill('');
  await page.getByTestId('patient-save').click();
  await expect(page.getByTestId('error-mrn')).toContainText('already in use');
  await expect(page.getByTestId('form-error')).toContainText('Nothing was changed');

  await page.getByTestId('patient-search').fill('lovelace');
  await expect(page.getByTestId('patient-count')).toContainText('1 patient');
  await page.getByTestId('patient-search').fill('nobody');
  await expect(page.getByTestId('patient-count')).toContainText('0 patients');
  await page.screenshot({ path: 'test-results/e2e/patients.png' });

  await host.stop();
  host = await startHost(dataDir);
  await openApp(page, host);
  await expect(page.getByTestId('patient-row')).toHaveCount(1);
  await expect(page.getByTestId('patient-row').first()).toContainText('Ada Lovelace');
});

test('the web host refuses requests without the token and malformed calls, and keeps serving', async ({ request }) => {
  host = await startHost();
  const base = host.url;
  const noToken = await request.post(`${base}api/patients:list`, { data: {} });
  expect(noToken.status()).toBe(401);
  expect((await noToken.json()).error.code).toBe('UNAUTHENTICATED');
  // Unauthenticated-but-tokened calls to patient channels are refused by the login gate.
  const token = new URL(host.loginUrl).searchParams.get('token')!;
  const beforeLogin = await (await request.post(`${base}api/patients:list`, { headers: { authorization: `Bearer ${token}` }, data: {} })).json();
  expect(beforeLogin.error.code).toBe('UNAUTHENTICATED');
  const headers = await apiLogin(request, host);
  const bad = [
    ['patients:create', { name: 5, mrn: [] }],
    ['patients:create', { name: 'A', mrn: 'B', extra: 'field' }],
    ['nope:nothing', {}],
    ['patients:list', 'not an object'],
  ] as const;
  for (const [channel, data] of bad) {
    const res = await request.post(`${base}api/${channel}`, { headers, data: data as object });
    const body = await res.json();
    expect(body.ok).toBe(false);
    expect(body.error.code).toBe('VALIDATION');
  }
  const list = await (await request.post(`${base}api/patients:list`, { headers, data: {} })).json();
  expect(list).toMatchObject({ ok: true, value: { total: 0 } });
});
