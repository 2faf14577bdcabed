import http from 'node:http';
import { request, TestBrowser } from './testWebClient';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createTestApp, tempDir } from '../app/testing';
import { startWebHost, type WebHost } from './webHost';
import type { App } from '../app/createApp';

const ADMIN = { username: 'admin', displayName: 'Admin', password: 'correct horse battery staple' };
let host: WebHost | null = null;
let app: App | null = null;
afterEach(async () => {
  await host?.close();
  await app?.close();
  host = null;
  app = null;
});

async function start(rendererDir: string | null = null) {
  app = createTestApp();
  host = await startWebHost({ dispatch: app.dispatch, events: app.core.events, logger: app.core.logger, rendererDir, token: 'T0KEN-for-tests' });
  return host;
}

describe('web host', () => {
  it('binds to 127.0.0.1 only', async () => {
    const h = await start();
    expect(h.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
  });

  it('refuses calls without a session, with a wrong token, or with a foreign Host header or Origin', async () => {
    const h = await start();
    const body = '{}';
    expect((await request(h.port, { method: 'POST', path: '/api/patients:list', body })).status).toBe(401);
    expect((await request(h.port, { method: 'POST', path: '/api/patients:list', body, headers: { authorization: 'Bearer nope' } })).status).toBe(401);
    expect((await request(h.port, { path: '/?token=nope' })).status).toBe(401);
    const b = await TestBrowser.open(h);
    const rebinding = await request(h.port, { method: 'POST', path: '/api/patients:list', body, headers: { cookie: b.cookie, host: 'evil.example' } });
    expect(rebinding.status).toBe(403);
    const crossOrigin = await request(h.port, { method: 'POST', path: '/api/patients:list', body, headers: { cookie: b.cookie, origin: 'https://evil.example' } });
    expect(crossOrigin.status).toBe(403);
  });

  it('trades a sign-in link for an HttpOnly session cookie that then authorises calls', async () => {
    const h = await start();
    const link = new URL(h.loginUrl);
    const login = await request(h.port, { path: link.pathname + link.search });
    expect(login.status).toBe(303);
    const cookie = String(login.headers['set-cookie']).split(';')[0]!;
    expect(String(login.headers['set-cookie'])).toMatch(/^__Host-carelens_session=[^;]+; Secure; HttpOnly; SameSite=Strict; Path=\/$/);
    expect(login.headers.location).toBe('/');
    // The cookie's session, like a browser's, must still log in (first run: create the admin).
    const b = new TestBrowser(h, cookie);
    expect(await b.call('auth:setup', ADMIN)).toMatchObject({ ok: true });
    expect(await b.call('patients:create', { name: 'Ada', mrn: 'A1' })).toMatchObject({ ok: true, value: { name: 'Ada' } });
    const forged = await request(h.port, { method: 'POST', path: '/api/patients:list', headers: { cookie: '__Host-carelens_session=forged' }, body: '{}' });
    expect(forged.status).toBe(401);
  });

  it('answers malformed bodies with VALIDATION and keeps serving', async () => {
    const h = await start();
    const b = await TestBrowser.open(h);
    await b.call('auth:setup', ADMIN);
    const auth = { cookie: b.cookie };
    const notJson = await request(h.port, { method: 'POST', path: '/api/patients:list', headers: auth, body: '{not json' });
    expect(JSON.parse(notJson.body).error.code).toBe('VALIDATION');
    const get = await request(h.port, { path: '/api/patients:list', headers: auth });
    expect(JSON.parse(get.body).error.code).toBe('VALIDATION');
    const ok = await request(h.port, { method: 'POST', path: '/api/patients:list', headers: auth, body: '{}' });
    expect(JSON.parse(ok.body)).toMatchObject({ ok: true });
  });

  it('serves the renderer with the api script injected and a CSP, and nothing outside its folder', async () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'index.html'), '<html><head><title>x</title></head><body></body></html>');
    fs.writeFileSync(path.join(tempDir(), 'secret.txt'), 'no');
    const h = await start(dir);
    const auth = { cookie: (await TestBrowser.open(h)).cookie };
    const index = await request(h.port, { path: '/', headers: auth });
    expect(index.body).toContain('<script src="/carelens-api.js"></script>');
    expect(index.headers['content-security-policy']).toContain("default-src 'self'");
    const script = await request(h.port, { path: '/carelens-api.js', headers: auth });
    expect(script.body).toContain('"patients:create"');
    expect((await request(h.port, { path: '/../secret.txt', headers: auth })).status).toBe(404);
    expect((await request(h.port, { path: '/%2e%2e/%2e%2e/etc/passwd', headers: auth })).status).toBe(404);
  });

  it('streams push events to subscribers as server-sent events', async () => {
    const h = await start();
    const { cookie } = await TestBrowser.open(h);
    const received = await new Promise<string>((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port: h.port, path: '/events', headers: { host: `127.0.0.1:${h.port}`, cookie } }, (res) => {
        let text = '';
        res.on('data', (d: Buffer) => {
          text += d.toString();
          if (text.includes(': connected')) app!.core.events.emit('test:ping' as never, { n: 1 } as never);
          if (text.includes('data:')) {
            req.destroy();
            resolve(text);
          }
        });
      });
      req.on('error', reject);
      req.end();
    });
    expect(received).toContain('event: test:ping');
    expect(received).toContain('data: {"n":1}');
  });

  it('sends patient-bearing events only to signed-in, unlocked sessions (auth:changed to all)', async () => {
    app = createTestApp();
    const trust = app.features.trust.service;
    host = await startWebHost({
      dispatch: app.dispatch,
      events: app.core.events,
      logger: app.core.logger,
      rendererDir: null,
      token: 'T0KEN-for-tests',
      audience: (session, name) => trust.mayReceiveEvents(session, name),
    });
    const h = host;
    const adminBrowser = await TestBrowser.open(h);
    expect((await adminBrowser.call('auth:setup', ADMIN)).ok).toBe(true);
    const stranger = await TestBrowser.open(h); // opened a sign-in link but nobody logged in on it

    const a = adminBrowser.listen();
    const b = stranger.listen();
    await Promise.all([a.connected, b.connected]);
    const progress = (n: number) => app!.core.events.emit('imaging:progress' as never, { n } as never);
    progress(1);
    app.core.events.emit('auth:changed', {});
    expect((await adminBrowser.call('auth:lock', {})).ok).toBe(true);
    progress(2);
    await new Promise((r) => setTimeout(r, 100));
    a.close();
    b.close();
    expect(a.text()).toContain('data: {"n":1}');
    expect(a.text()).not.toContain('data: {"n":2}'); // locked: nothing more
    expect(b.text()).not.toContain('imaging:progress');
    expect(b.text()).toContain('event: auth:changed');
  });
});
