import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { callAs, createTestApp, tempDir, ok } from '../app/testing';
import type { App } from '../app/createApp';
import type { CallContext } from '../ipc/dispatch';
import type { AuditPage, AuthStatus, User } from '../../shared/domain/trust';
import { channelNames, channels } from '../../shared/ipc/contract';
import { assertDataFolderOwner } from './owner';
import { hashPassword, verifyPassword } from './passwords';
import { roleAllows } from './TrustService';

let app: App | null = null;
afterEach(async () => {
  await app?.close();
  app = null;
});

const ADMIN = { username: 'admin', displayName: 'Ada Admin', password: 'correct horse battery staple' };

/** A browser session as the web host makes it: the actor comes from the session only. */
function web(a: App, sessionId: string) {
  return (channel: string, input: unknown, extra: Partial<CallContext> = {}) => a.call(channel, input, { transport: 'web', actor: null, sessionId, ...extra });
}


async function withUsers() {
  const a = createTestApp();
  app = a;
  const s1 = web(a, 's-admin');
  await ok(s1('auth:setup', ADMIN));
  await ok(s1('auth:createUser', { username: 'cleo', displayName: 'Cleo Clinician', role: 'clinician', password: 'clinician pass 1' }));
  await ok(s1('auth:createUser', { username: 'rex', displayName: 'Rex Reviewer', role: 'reviewer', password: 'reviewer pass 1' }));
  return { a, admin: s1 };
}

describe('users, roles and sessions', () => {
  it('the first start asks for an admin; after that set-up is refused', async () => {
    app = createTestApp();
    const s = web(app, 's1');
    expect(await ok<AuthStatus>(s('auth:status', {}))).toMatchObject({ needsSetup: true, user: null, locked: false });
    const after = await ok<AuthStatus>(s('auth:setup', ADMIN));
    expect(after).toMatchObject({ needsSetup: false, user: { username: 'admin', role: 'admin' } });
    const again = await web(app, 's2')('auth:setup', { ...ADMIN, username: 'mallory' });
    expect(again).toMatchObject({ ok: false, error: { code: 'CONFLICT' } });
    const row = app.core.db.prepare('SELECT password_hash FROM users').pluck().get() as string;
    expect(row).toMatch(/^scrypt\$32768\$8\$1\$/);
    expect(row).not.toContain(ADMIN.password);
  });

  it('a clinician calling an admin channel directly, past the UI, gets FORBIDDEN and it is audited', async () => {
    const { a } = await withUsers();
    const cleo = web(a, 's-cleo');
    await ok(cleo('auth:login', { username: 'cleo', password: 'clinician pass 1' }));
    const res = await cleo('auth:createUser', { username: 'eve', displayName: 'Eve', role: 'admin', password: 'let me in please' });
    expect(res).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    expect((await cleo('audit:list', {})) as { ok: boolean }).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    // A clinician may use clinician channels.
    expect(await cleo('patients:create', { name: 'Ana', mrn: 'A1' })).toMatchObject({ ok: true });
    const audit = await ok<AuditPage>(callAs(a, 'audit:list', { user: 'cleo', outcome: 'FORBIDDEN' }));
    expect(audit.items.map((e) => e.channel).sort()).toEqual(['audit:list', 'auth:createUser']);
    expect(audit.items[0]).toMatchObject({ actorName: 'cleo', actorRole: 'clinician', transport: 'web' });
    expect(await ok<User[]>(callAs(a, 'auth:listUsers', {}))).toHaveLength(3);
  });

  it('the web and Electron transports cannot choose their actor: it comes from the session', async () => {
    const { a } = await withUsers();
    const forged = await a.call('auth:listUsers', {}, { transport: 'web', sessionId: 'nobody', actor: { id: 'x', username: 'x', role: 'system' } });
    expect(forged).toMatchObject({ ok: false, error: { code: 'UNAUTHENTICATED' } });
    const electron = await a.call('patients:list', {}, { transport: 'electron', sessionId: 'window-9', actor: { id: 'x', username: 'x', role: 'admin' } });
    expect(electron).toMatchObject({ ok: false, error: { code: 'UNAUTHENTICATED' } });
    const audit = await ok<AuditPage>(callAs(a, 'audit:list', { outcome: 'UNAUTHENTICATED' }));
    expect(audit.total).toBe(2);
    expect(audit.items[0]!.actorName).toBe('anonymous');
  });

  it('every channel has a role the main process enforces', async () => {
    const { a } = await withUsers();
    const rex = web(a, 's-rex');
    await ok(rex('auth:login', { username: 'rex', password: 'reviewer pass 1' }));
    // The gate's check alone (no handler runs: some channels start long jobs).
    const service = a.features.trust.service;
    const ctxOf = (sessionId: string): CallContext => ({ transport: 'web', actor: null, sessionId });
    for (const name of channelNames) {
      const access = channels[name].access;
      const asRex = () => service.authorize(name, access, ctxOf('s-rex'));
      if (access === 'admin') expect(asRex, name).toThrow(/^Only an administrator can [a-z].*; you are signed in as a reviewer\./);
      else expect(asRex, name).not.toThrow();
      const asNobody = () => service.authorize(name, access, ctxOf('s-none'));
      if (access === 'public') expect(asNobody, name).not.toThrow();
      else expect(asNobody, name).toThrow(/log in/);
    }
    // And through the dispatcher, for one channel of each level.
    expect(await rex('auth:listUsers', {})).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    expect(await rex('patients:list', {})).toMatchObject({ ok: true });
    expect(await web(a, 's-none')('patients:list', {})).toMatchObject({ ok: false, error: { code: 'UNAUTHENTICATED' } });
    expect(roleAllows('clinician', 'reviewer')).toBe(false);
    expect(roleAllows('admin', 'reviewer')).toBe(true);
    expect(roleAllows('system', 'admin')).toBe(true);
  });

  it('wrong passwords read the same as unknown users, and repeated guesses pause the account', async () => {
    const { a } = await withUsers();
    const s = web(a, 's-x');
    const wrong = await s('auth:login', { username: 'cleo', password: 'nope' });
    const unknown = await s('auth:login', { username: 'nobody', password: 'nope' });
    expect(wrong).toEqual(unknown);
    expect(wrong).toMatchObject({ ok: false, error: { code: 'UNAUTHENTICATED', message: 'Wrong username or password.' } });
    for (let i = 0; i < 4; i++) await s('auth:login', { username: 'cleo', password: 'nope' });
    expect(await s('auth:login', { username: 'cleo', password: 'clinician pass 1' })).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    (a.core.clock as unknown as { advance(ms: number): void }).advance(61_000);
    expect(await s('auth:login', { username: 'cleo', password: 'clinician pass 1' })).toMatchObject({ ok: true });
    const failures = await ok<AuditPage>(callAs(a, 'audit:list', { action: 'auth:login', outcome: 'error' }));
    expect(failures.total).toBe(7);
    expect(failures.items.every((e) => !e.detail.includes('nope'))).toBe(true);
  });

  it('locks after the idle time and on demand; only the same user unlocks; log out ends the session', async () => {
    const { a } = await withUsers();
    const clock = a.core.clock as unknown as { advance(ms: number): void };
    const cleo = web(a, 's-cleo');
    await ok(cleo('auth:login', { username: 'cleo', password: 'clinician pass 1' }));
    await ok(callAs(a, 'auth:setIdleMinutes', { minutes: 5 }));
    clock.advance(4 * 60_000);
    expect(await cleo('patients:list', {})).toMatchObject({ ok: true });
    clock.advance(4 * 60_000);
    expect(await cleo('auth:heartbeat', {})).toMatchObject({ ok: true });
    clock.advance(5 * 60_000 + 1);
    expect(await cleo('patients:list', {})).toMatchObject({ ok: false, error: { code: 'LOCKED' } });
    expect(await ok<AuthStatus>(cleo('auth:status', {}))).toMatchObject({ locked: true, user: { username: 'cleo' } });
    expect(await cleo('auth:unlock', { password: 'reviewer pass 1' })).toMatchObject({ ok: false, error: { code: 'UNAUTHENTICATED' } });
    expect(await ok<AuthStatus>(cleo('auth:unlock', { password: 'clinician pass 1' }))).toMatchObject({ locked: false });
    expect(await cleo('patients:list', {})).toMatchObject({ ok: true });
    const pushed: unknown[] = [];
    a.core.events.subscribe((name, payload) => pushed.push([name, payload]));
    await ok(cleo('auth:lock', {}));
    expect(await cleo('patients:list', {})).toMatchObject({ ok: false, error: { code: 'LOCKED' } });
    // Every renderer is told to re-read its status; the event names no session.
    expect(pushed).toEqual([['auth:changed', {}]]);
    await ok(cleo('auth:logout', {}));
    expect(await cleo('patients:list', {})).toMatchObject({ ok: false, error: { code: 'UNAUTHENTICATED' } });
    const kinds = (await ok<AuditPage>(callAs(a, 'audit:list', { user: 'cleo', action: 'auth' }))).items.map((e) => `${e.channel}:${e.outcome}`);
    expect(kinds).toEqual(expect.arrayContaining(['auth:login:ok', 'auth:lock:ok', 'auth:unlock:ok', 'auth:unlock:UNAUTHENTICATED', 'auth:logout:ok']));
  });

  it('admins manage users; the last admin cannot be demoted; a disabled user is logged out', async () => {
    const { a, admin } = await withUsers();
    const users = await ok<User[]>(admin('auth:listUsers', {}));
    const me = users.find((u) => u.username === 'admin')!;
    const cleoId = users.find((u) => u.username === 'cleo')!.id;
    expect(await admin('auth:updateUser', { id: me.id, changes: { role: 'clinician' } })).toMatchObject({ ok: false, error: { code: 'CONFLICT' } });
    expect(await admin('auth:createUser', { username: 'CLEO', displayName: 'x', role: 'clinician', password: 'long enough pw' })).toMatchObject({ ok: false, error: { code: 'CONFLICT' } });
    const cleo = web(a, 's-cleo');
    await ok(cleo('auth:login', { username: 'cleo', password: 'clinician pass 1' }));
    await ok(admin('auth:updateUser', { id: cleoId, changes: { disabled: true } }));
    expect(await cleo('patients:list', {})).toMatchObject({ ok: false, error: { code: 'UNAUTHENTICATED' } });
    expect(await cleo('auth:login', { username: 'cleo', password: 'clinician pass 1' })).toMatchObject({ ok: false, error: { code: 'UNAUTHENTICATED', message: expect.stringMatching(/disabled/) } });
    await ok(admin('auth:updateUser', { id: cleoId, changes: { disabled: false } }));
    await ok(admin('auth:resetPassword', { id: cleoId, password: 'a brand new one' }));
    expect(await cleo('auth:login', { username: 'cleo', password: 'a brand new one' })).toMatchObject({ ok: true });
    expect(await cleo('auth:changePassword', { currentPassword: 'wrong', newPassword: 'another new one' })).toMatchObject({ ok: false, error: { code: 'VALIDATION' } });
    expect(await cleo('auth:changePassword', { currentPassword: 'a brand new one', newPassword: 'another new one' })).toMatchObject({ ok: true });
  });

  it('refuses bad input on every auth channel', async () => {
    const { admin } = await withUsers();
    const bad: [string, unknown][] = [
      ['auth:setup', { username: 'a', displayName: '', password: 'short' }],
      ['auth:login', { username: 'admin' }],
      ['auth:login', { username: 'admin', password: 'x', extra: 1 }],
      ['auth:unlock', {}],
      ['auth:status', { x: 1 }],
      ['auth:lock', []],
      ['auth:logout', 'x'],
      ['auth:heartbeat', { a: 1 }],
      ['auth:changePassword', { currentPassword: 'x', newPassword: 'short' }],
      ['auth:listUsers', { all: true }],
      ['auth:createUser', { username: 'bad name!', displayName: 'x', role: 'admin', password: 'long enough pw' }],
      ['auth:createUser', { username: 'okname', displayName: 'x', role: 'superuser', password: 'long enough pw' }],
      ['auth:updateUser', { id: 'x', changes: { password: 'x' } }],
      ['auth:resetPassword', { id: '', password: 'long enough pw' }],
      ['auth:setIdleMinutes', { minutes: 0 }],
      ['auth:backup', { file: 5 }],
    ];
    for (const [channel, input] of bad) expect(await admin(channel, input), channel).toMatchObject({ ok: false, error: { code: 'VALIDATION' } });
  });

  it('only the command line (system) may choose where a backup goes', async () => {
    const { admin } = await withUsers();
    expect(await admin('auth:backup', { file: '/tmp/anywhere.clbackup' })).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
  });

  it('scrypt hashes use a per-user salt and verify', async () => {
    const p = { N: 1024, r: 8, p: 1 };
    const h1 = await hashPassword('same password', p);
    const h2 = await hashPassword('same password', p);
    expect(h1).not.toBe(h2);
    expect(await verifyPassword('same password', h1)).toBe(true);
    expect(await verifyPassword('same passwore', h1)).toBe(false);
    expect(await verifyPassword('x', 'garbage')).toBe(false);
  });
});

describe('the command line runs only for the data folder owner', () => {
  it('refuses a folder owned by another uid', () => {
    const dir = tempDir();
    expect(() => assertDataFolderOwner(dir)).not.toThrow();
    const uid = fs.statSync(dir).uid;
    expect(() => assertDataFolderOwner(dir, uid + 1)).toThrow(/belongs to another operating-system user/);
    if (process.getuid?.() === 0) {
      const other = path.join(dir, 'other');
      fs.mkdirSync(other);
      fs.chownSync(other, 65534, 65534);
      expect(() => assertDataFolderOwner(other)).toThrow(/uid 65534/);
    }
  });
});
