/**
 * Red-team findings on the running web host (real HTTP on 127.0.0.1), sessions part: the sign-in
 * link works once and briefly, redirects only to '/', the session handle is renewed whenever who is
 * behind it changes (fixation), bearer callers cannot log in, and the status hides the data folder.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createTestApp } from '../app/testing';
import type { App } from '../app/createApp';
import { startWebHost, type WebHost } from './webHost';
import { request, sessionCookieOf, TestBrowser } from './testWebClient';

const ADMIN = { username: 'admin', displayName: 'Admin', password: 'correct horse battery staple' };
const CLINICIAN = { username: 'cleo', displayName: 'Cleo Clinician', role: 'clinician', password: 'cleo reads the charts' };
let host: WebHost | null = null;
let app: (App & { dataDir: string }) | null = null;
afterEach(async () => {
  await host?.close();
  await app?.close();
  host = null;
  app = null;
});

async function start(options: { loginTtlMs?: number } = {}) {
  app = createTestApp();
  const trust = app.features.trust.service;
  host = await startWebHost({
    dispatch: app.dispatch,
    events: app.core.events,
    logger: app.core.logger,
    rendererDir: null,
    audience: (session, name) => trust.mayReceiveEvents(session, name),
    ...options,
  });
  return host;
}

const pathOf = (url: string) => {
  const u = new URL(url);
  return u.pathname + u.search;
};

describe('the sign-in link (finding 1, 10)', () => {
  it('works once: a second GET of the same link is refused and mints no session', async () => {
    const h = await start();
    const link = pathOf(h.mintLoginUrl());
    const first = await request(h.port, { path: link });
    expect(first.status).toBe(303);
    expect(sessionCookieOf(first)).not.toBeNull();
    const again = await request(h.port, { path: link });
    expect(again.status).toBe(401);
    expect(sessionCookieOf(again)).toBeNull();
    expect(JSON.parse(again.body).error.message).toMatch(/already used or has expired/);
  });

  it('expires when nobody opens it in time', async () => {
    const h = await start({ loginTtlMs: 1 });
    const link = pathOf(h.mintLoginUrl());
    await new Promise((r) => setTimeout(r, 30));
    expect((await request(h.port, { path: link })).status).toBe(401);
  });

  it('redirects to / only, not stored, without a Referer (no open redirect through //host)', async () => {
    const h = await start();
    const token = new URL(h.mintLoginUrl()).searchParams.get('token')!;
    const res = await request(h.port, { path: `/.//evil.example/x?token=${token}` });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/');
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers['referrer-policy']).toBe('no-referrer');
    const other = await request(h.port, { path: `//evil.example/?token=${new URL(h.mintLoginUrl()).searchParams.get('token')}` });
    expect(other.headers.location).toBe('/');
  });

  it('is minted over HTTP only with the host token; the token opens no API by itself', async () => {
    const h = await start();
    expect((await request(h.port, { method: 'POST', path: '/login-url' })).status).toBe(401);
    expect((await request(h.port, { method: 'POST', path: '/login-url', headers: { authorization: 'Bearer wrong' } })).status).toBe(401);
    const minted = await request(h.port, { method: 'POST', path: '/login-url', headers: { authorization: `Bearer ${h.token}` } });
    const { loginUrl } = JSON.parse(minted.body).value as { loginUrl: string };
    expect((await request(h.port, { path: pathOf(loginUrl) })).status).toBe(303);
    // A bearer caller has no session: no status, and above all no login (they used to share one session).
    const bearer = { authorization: `Bearer ${h.token}` };
    expect((await request(h.port, { method: 'POST', path: '/api/auth:status', headers: bearer, body: '{}' })).status).toBe(401);
    expect((await request(h.port, { method: 'POST', path: '/api/auth:login', headers: bearer, body: JSON.stringify({ username: 'admin', password: 'x' }) })).status).toBe(401);
  });
});

describe('session fixation (finding 2)', () => {
  it('a handle planted before login is worth nothing after it: set-up, login and unlock renew it', async () => {
    const h = await start();
    // The attacker opens a sign-in link and plants its cookie S in the victim's browser.
    const attacker = await TestBrowser.open(h);
    const planted = attacker.cookie;
    const victim = new TestBrowser(h, planted);
    expect(await victim.call('auth:setup', ADMIN)).toMatchObject({ ok: true });
    expect(victim.cookie).not.toBe(planted);
    // S, replayed by the attacker, lists nothing: the host forgot it.
    const replay = await request(h.port, { method: 'POST', path: '/api/auth:listUsers', headers: { cookie: planted }, body: '{}' });
    expect(replay.status).toBe(401);
    expect(await victim.call('auth:listUsers')).toMatchObject({ ok: true });

    // Log out: the signed-in handle ends, the page gets an empty one to log in with.
    const signedIn = victim.cookie;
    expect(await victim.call('auth:logout')).toMatchObject({ ok: true, value: { user: null } });
    expect(victim.cookie).not.toBe(signedIn);
    expect((await request(h.port, { method: 'POST', path: '/api/auth:listUsers', headers: { cookie: signedIn }, body: '{}' })).status).toBe(401);

    // Login renews too.
    const beforeLogin = victim.cookie;
    expect(await victim.call('auth:login', { username: ADMIN.username, password: ADMIN.password })).toMatchObject({ ok: true });
    expect(victim.cookie).not.toBe(beforeLogin);
    expect((await request(h.port, { method: 'POST', path: '/api/auth:listUsers', headers: { cookie: beforeLogin }, body: '{}' })).status).toBe(401);

    // Unlock renews: a handle seen while the screen was locked is useless after.
    expect(await victim.call('auth:lock')).toMatchObject({ ok: true });
    const whileLocked = victim.cookie;
    expect(await victim.call('auth:unlock', { password: ADMIN.password })).toMatchObject({ ok: true, value: { locked: false } });
    expect(victim.cookie).not.toBe(whileLocked);
    expect((await request(h.port, { method: 'POST', path: '/api/auth:listUsers', headers: { cookie: whileLocked }, body: '{}' })).status).toBe(401);
  });

  it("an event stream opened on the planted handle ends at login and never carries the victim's events", async () => {
    const h = await start();
    const attacker = await TestBrowser.open(h);
    const stream = attacker.listen();
    await stream.connected;
    const victim = new TestBrowser(h, attacker.cookie);
    expect((await victim.call('auth:setup', ADMIN)).ok).toBe(true);
    const own = victim.listen();
    await own.connected;
    app!.core.events.emit('labels:changed', { labelSetId: 'set-1', imageId: null });
    await new Promise((r) => setTimeout(r, 50));
    stream.close();
    own.close();
    expect(own.text()).toContain('event: labels:changed');
    expect(stream.text()).not.toContain('labels:changed');
  });

  it("a password change renews this session's handle and ends the user's other sessions", async () => {
    const h = await start();
    const first = await TestBrowser.open(h);
    expect((await first.call('auth:setup', ADMIN)).ok).toBe(true);
    const second = await TestBrowser.open(h);
    expect((await second.call('auth:login', { username: ADMIN.username, password: ADMIN.password })).ok).toBe(true);
    const before = first.cookie;
    expect(await first.call('auth:changePassword', { currentPassword: ADMIN.password, newPassword: 'a brand new passphrase' })).toMatchObject({ ok: true });
    expect(first.cookie).not.toBe(before);
    expect(await first.call('auth:listUsers')).toMatchObject({ ok: true });
    expect(await second.call('auth:listUsers')).toMatchObject({ ok: false, error: { code: 'UNAUTHENTICATED' } });
  });
});

describe('system:status (finding 11)', () => {
  it('names the data folder only to a signed-in administrator', async () => {
    const h = await start();
    const anonymous = await TestBrowser.open(h);
    const before = await anonymous.call('system:status');
    expect(before).toMatchObject({ ok: true, value: { dataDir: null, databasePath: null } });
    expect(JSON.stringify(before)).not.toContain(app!.dataDir);

    const admin = await TestBrowser.open(h);
    expect((await admin.call('auth:setup', ADMIN)).ok).toBe(true);
    expect(await admin.call('system:status')).toMatchObject({ ok: true, value: { dataDir: app!.core.paths.root } });
    expect((await admin.call('auth:createUser', CLINICIAN)).ok).toBe(true);

    const clinician = await TestBrowser.open(h);
    expect((await clinician.call('auth:login', { username: CLINICIAN.username, password: CLINICIAN.password })).ok).toBe(true);
    expect(await clinician.call('system:status')).toMatchObject({ ok: true, value: { dataDir: null } });
  });
});

describe('push events by session and role (finding 4)', () => {
  it('go to signed-in, unlocked sessions only, and only events the role may see', async () => {
    const h = await start();
    const trust = app!.features.trust.service;
    const admin = await TestBrowser.open(h);
    expect((await admin.call('auth:setup', ADMIN)).ok).toBe(true);
    const session = admin.cookie.split('=')[1]!;
    expect(trust.mayReceiveEvents(session, 'imaging:progress')).toBe(true);
    expect(trust.mayReceiveEvents(session, 'reports:progress')).toBe(true);
    // An event no role has been given access to goes to nobody.
    expect(trust.mayReceiveEvents(session, 'made:up')).toBe(false);
    expect((await admin.call('auth:lock')).ok).toBe(true);
    expect(trust.mayReceiveEvents(session, 'imaging:progress')).toBe(false);
    const anonymous = await TestBrowser.open(h);
    expect(trust.mayReceiveEvents(anonymous.cookie.split('=')[1]!, 'imaging:progress')).toBe(false);
  });
});
