/**
 * Red-team findings on the running web host, logins part (finding 3): concurrent guesses are
 * counted before their password check, checks in flight are capped, sessions and the whole host
 * have limits too; trivially guessable passwords are refused when set (existing ones keep working).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createTestApp } from '../app/testing';
import type { App } from '../app/createApp';
import { startWebHost, type WebHost } from './webHost';
import { TestBrowser, type Envelope } from './testWebClient';
import { hashPassword } from '../trust/passwords';
import { insertUser, usernameKey } from '../trust/userRepository';

const ADMIN = { username: 'admin', displayName: 'Admin', password: 'correct horse battery staple' };
let host: WebHost | null = null;
let app: App | null = null;
afterEach(async () => {
  await host?.close();
  await app?.close();
  host = null;
  app = null;
});

async function start() {
  app = createTestApp();
  host = await startWebHost({ dispatch: app.dispatch, events: app.core.events, logger: app.core.logger, rendererDir: null });
  const admin = await TestBrowser.open(host);
  expect((await admin.call('auth:setup', ADMIN)).ok).toBe(true);
  return { h: host, admin };
}

describe('login throttling (finding 3)', () => {
  it('41 concurrent logins (40 wrong, 1 right): only a few are checked, and the right one sent after them is refused', async () => {
    const { h } = await start();
    const browser = await TestBrowser.open(h);
    const wrong = Array.from({ length: 40 }, (_, i) => browser.call('auth:login', { username: ADMIN.username, password: `wrong guess ${i}` }));
    // The right password goes as soon as the first guess has been answered (refused without a check).
    const firstAnswer = await Promise.race(wrong);
    const right = await browser.call('auth:login', { username: ADMIN.username, password: ADMIN.password });
    const answers: Envelope[] = [firstAnswer, ...(await Promise.all(wrong))];
    const checked = answers.slice(1).filter((a) => a.error?.message === 'Wrong username or password.');
    const refused = answers.slice(1).filter((a) => a.error?.code === 'FORBIDDEN');
    // Before: all 40 were checked (scrypt for each) and the right one got in.
    expect(checked.length).toBeLessThanOrEqual(5);
    expect(checked.length + refused.length).toBe(40);
    expect(right).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    expect(right.error!.message).toMatch(/wait a minute|try again in a moment/);
  });

  it('limits one session across many user names (other windows still log in)', async () => {
    const { h } = await start();
    const browser = await TestBrowser.open(h);
    const answers: Envelope[] = [];
    for (let i = 0; i < 12; i++) answers.push(await browser.call('auth:login', { username: `nobody${i}`, password: 'not the password' }));
    expect(answers.slice(0, 10).every((a) => a.error?.message === 'Wrong username or password.')).toBe(true);
    expect(answers[10]).toMatchObject({ ok: false, error: { code: 'FORBIDDEN', message: expect.stringContaining('from this window') } });
    // Another window still logs in: the limit is the session's, not the user's.
    const other = await TestBrowser.open(h);
    expect((await other.call('auth:login', { username: ADMIN.username, password: ADMIN.password })).ok).toBe(true);
  });
});

describe('password rules when a password is set (finding 3)', () => {
  it('refuses ten spaces, 1234567890 and other guessable passwords with words that say what to do', async () => {
    app = createTestApp();
    host = await startWebHost({ dispatch: app.dispatch, events: app.core.events, logger: app.core.logger, rendererDir: null });
    const first = await TestBrowser.open(host);
    for (const password of ['          ', '1234567890', 'aaaaaaaaaaaa', 'qwertyuiop', 'password123', '0987654321', 'admin12345']) {
      const r = await first.call('auth:setup', { ...ADMIN, password });
      expect(r, password).toMatchObject({ ok: false, error: { code: 'VALIDATION', issues: [{ path: 'password' }] } });
      expect(r.error!.message).toMatch(/Choose a longer phrase/);
    }
    expect((await first.call('auth:setup', ADMIN)).ok).toBe(true);
    const weak = { username: 'cleo', displayName: 'Cleo', role: 'clinician', password: '1234567890' };
    expect(await first.call('auth:createUser', weak)).toMatchObject({ ok: false, error: { code: 'VALIDATION' } });
    expect(await first.call('auth:createUser', { ...weak, username: 'System', password: 'a good long phrase' })).toMatchObject({ ok: false, error: { code: 'VALIDATION', message: expect.stringContaining('reserved') } });
    const created = await first.call('auth:createUser', { ...weak, password: 'cleo reads the charts' });
    expect(created.ok).toBe(true);
    const id = (created.value as { id: string }).id;
    expect(await first.call('auth:resetPassword', { id, password: '          ' })).toMatchObject({ ok: false, error: { code: 'VALIDATION' } });
    expect(await first.call('auth:changePassword', { currentPassword: ADMIN.password, newPassword: '1111111111' })).toMatchObject({ ok: false, error: { code: 'VALIDATION', issues: [{ path: 'newPassword' }] } });
  });

  it('an existing user keeps a password set before the rule (it applies when a password is set)', async () => {
    const { h } = await start();
    const now = new Date().toISOString();
    insertUser(app!.core.db, {
      id: 'old-user',
      username: 'olduser',
      username_key: usernameKey('olduser'),
      display_name: 'Old User',
      role: 'clinician',
      password_hash: await hashPassword('1234567890'),
      disabled: 0,
      created_at: now,
      created_by: 'test',
      updated_at: now,
      last_login_at: null,
    });
    const b = await TestBrowser.open(h);
    expect(await b.call('auth:login', { username: 'olduser', password: '1234567890' })).toMatchObject({ ok: true, value: { user: { username: 'olduser' } } });
  });
});
