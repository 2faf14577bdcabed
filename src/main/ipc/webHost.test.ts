import http from 'node:http';
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

/** A raw request, so headers (Host, Origin, Cookie) are exactly what the test says. */
function request(port: number, options: { method?: string; path: string; headers?: Record<string, string>; body?: string }): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method: options.method ?? 'GET', path: options.path, headers: { host: `127.0.0.1:${port}`, ...options.headers } }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    if (options.body !== undefined) req.write(options.body);
    req.end();
  });
}

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

  it('refuses calls without the token, with a wrong token, or with a foreign Host header', async () => {
    const h = await start();
    const body = '{}';
    expect((await request(h.port, { method: 'POST', path: '/api/patients:list', body })).status).toBe(401);
    expect((await request(h.port, { method: 'POST', path: '/api/patients:list', body, headers: { authorization: 'Bearer nope' } })).status).toBe(401);
    expect((await request(h.port, { path: '/?token=nope' })).status).toBe(401);
    const rebinding = await request(h.port, { method: 'POST', path: '/api/patients:list', body, headers: { authorization: `Bearer ${h.token}`, host: 'evil.example' } });
    expect(rebinding.status).toBe(403);
    const crossOrigin = await request(h.port, { method: 'POST', path: '/api/patients:list', body, headers: { authorization: `Bearer ${h.token}`, origin: 'https://evil.example' } });
    expect(crossOrigin.status).toBe(403);
  });

  it('trades the token for an HttpOnly session cookie that then authorises calls', async () => {
    const h = await start();
    const login = await request(h.port, { path: `/?token=${h.token}` });
    expect(login.status).toBe(303);
    const cookie = String(login.headers['set-cookie']).split(';')[0]!;
    expect(String(login.headers['set-cookie'])).toMatch(/HttpOnly; SameSite=Strict/);
    expect(login.headers.location).toBe('/');
    // The cookie's session, like a browser's, must still log in (first run: create the admin).
    const setup = await request(h.port, { method: 'POST', path: '/api/auth:setup', headers: { cookie }, body: JSON.stringify(ADMIN) });
    expect(JSON.parse(setup.body)).toMatchObject({ ok: true });
    const created = await request(h.port, { method: 'POST', path: '/api/patients:create', headers: { cookie }, body: JSON.stringify({ name: 'Ada', mrn: 'A1' }) });
    expect(JSON.parse(created.body)).toMatchObject({ ok: true, value: { name: 'Ada' } });
    const forged = await request(h.port, { method: 'POST', path: '/api/patients:list', headers: { cookie: 'carelens_session=forged' }, body: '{}' });
    expect(forged.status).toBe(401);
  });

  it('answers malformed bodies with VALIDATION and keeps serving', async () => {
    const h = await start();
    const auth = { authorization: `Bearer ${h.token}` };
    await request(h.port, { method: 'POST', path: '/api/auth:setup', headers: auth, body: JSON.stringify(ADMIN) });
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
    const auth = { authorization: `Bearer ${h.token}` };
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
    const received = await new Promise<string>((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port: h.port, path: '/events', headers: { authorization: `Bearer ${h.token}` } }, (res) => {
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
      audience: (session) => trust.mayReceiveEvents(session),
    });
    const h = host;
    const cookieOf = async () => {
      const login = await request(h.port, { path: `/?token=${h.token}` });
      return String(login.headers['set-cookie']).split(';')[0]!;
    };
    const call = async (cookie: string, channel: string, input: unknown) =>
      JSON.parse((await request(h.port, { method: 'POST', path: `/api/${channel}`, headers: { cookie, 'content-type': 'application/json' }, body: JSON.stringify(input) })).body);
    const admin = await cookieOf();
    expect((await call(admin, 'auth:setup', ADMIN)).ok).toBe(true);
    const stranger = await cookieOf(); // holds the token but nobody logged in on it

    // Collects what one session's stream receives until it is closed.
    const listen = (cookie: string) => {
      let text = '';
      let ready!: () => void;
      const connected = new Promise<void>((r) => (ready = r));
      const req = http.request({ host: '127.0.0.1', port: h.port, path: '/events', headers: { host: `127.0.0.1:${h.port}`, cookie } }, (res) => {
        res.on('data', (d: Buffer) => {
          text += d.toString();
          if (text.includes(': connected')) ready();
        });
      });
      req.end();
      return { connected, text: () => text, close: () => req.destroy() };
    };
    const a = listen(admin);
    const b = listen(stranger);
    await Promise.all([a.connected, b.connected]);
    const progress = (n: number) => app!.core.events.emit('imaging:progress' as never, { n } as never);
    progress(1);
    app.core.events.emit('auth:changed', {});
    expect((await call(admin, 'auth:lock', {})).ok).toBe(true);
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
