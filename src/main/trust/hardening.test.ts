import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { EventBus } from '../core/EventBus';
import { silentLogger } from '../core/logger';
import { CSP, startWebHost } from '../ipc/webHost';
import { isTrustedSender } from '../ipc/senderCheck';
import { channelNames } from '../../shared/ipc/contract';

// A stand-in for electron: records what the app asks of BrowserWindow, session, shell and ipcMain.
const electron = vi.hoisted(() => {
  const handlers: Record<string, (...a: unknown[]) => unknown> = {};
  const contents = {
    events: {} as Record<string, (...a: unknown[]) => void>,
    openHandler: null as null | ((d: { url: string }) => { action: string }),
    on(name: string, fn: (...a: unknown[]) => void) {
      this.events[name] = fn;
    },
    setWindowOpenHandler(fn: (d: { url: string }) => { action: string }) {
      this.openHandler = fn;
    },
  };
  const state = {
    windowOptions: null as null | Record<string, unknown>,
    contents,
    headersHook: null as null | ((d: unknown, cb: (r: unknown) => void) => void),
    permissionHook: null as null | ((c: unknown, p: string, cb: (ok: boolean) => void) => void),
    opened: [] as string[],
    handlers,
  };
  class BrowserWindow {
    webContents = contents;
    constructor(options: Record<string, unknown>) {
      state.windowOptions = options;
    }
    once() {}
    static getAllWindows() {
      return [];
    }
  }
  return {
    state,
    module: {
      BrowserWindow,
      session: {
        defaultSession: {
          webRequest: { onHeadersReceived: (fn: typeof state.headersHook) => (state.headersHook = fn) },
          setPermissionRequestHandler: (fn: typeof state.permissionHook) => (state.permissionHook = fn),
        },
      },
      shell: { openExternal: (url: string) => (state.opened.push(url), Promise.resolve()) },
      Menu: {
        buildFromTemplate: (t: unknown) => t,
        setApplicationMenu: (m: unknown) => ((state as Record<string, unknown>).menu = m),
      },
      dialog: { showMessageBox: async (_w: unknown, o: unknown) => ((state as Record<string, unknown>).dialog = o) },
      powerMonitor: { on: (name: string, fn: () => void) => (((state as Record<string, unknown>).power ??= {}) as Record<string, () => void>)[name] = fn },
    },
  };
});
vi.mock('electron', () => ({ ...electron.module, default: electron.module }));

describe('Electron checklist (window options, navigation, permissions, CSP, sender checks)', () => {
  it('the window isolates the renderer: context isolation, sandbox, no node, web security', async () => {
    const { createMainWindow } = await import('../platform/window');
    createMainWindow('/app/preload.js', ['file://']);
    const prefs = electron.state.windowOptions!.webPreferences as Record<string, unknown>;
    expect(prefs).toMatchObject({ contextIsolation: true, sandbox: true, nodeIntegration: false, webSecurity: true, allowRunningInsecureContent: false });
    expect(prefs.nodeIntegrationInSubFrames ?? false).toBe(false);
    expect(prefs.webviewTag ?? false).toBe(false);
    expect(prefs.preload).toBe('/app/preload.js');
  });

  it('navigation away, webviews and new windows are denied; only allow-listed https links open outside', async () => {
    const { hardenContents } = await import('../platform/window');
    hardenContents(electron.state.contents as never, ['file://']);
    const nav = (url: string) => {
      let prevented = false;
      electron.state.contents.events['will-navigate']!({ preventDefault: () => (prevented = true) }, url);
      return prevented;
    };
    expect(nav('https://evil.example/')).toBe(true);
    expect(nav('http://127.0.0.1:9999/')).toBe(true);
    expect(nav('file:///app/index.html')).toBe(false);
    let webview = false;
    electron.state.contents.events['will-attach-webview']!({ preventDefault: () => (webview = true) });
    expect(webview).toBe(true);
    const open = electron.state.contents.openHandler!;
    expect(open({ url: 'https://evil.example/' })).toEqual({ action: 'deny' });
    expect(open({ url: 'https://hl7.org/fhir/' })).toEqual({ action: 'deny' });
    expect(open({ url: 'not a url' })).toEqual({ action: 'deny' });
    expect(electron.state.opened).toEqual(['https://hl7.org/fhir/']);
  });

  it('every response gets the CSP and every permission request is refused', async () => {
    const { hardenSession } = await import('../platform/window');
    hardenSession();
    let headers: Record<string, string[]> = {};
    electron.state.headersHook!({ responseHeaders: { 'x-a': ['1'] } }, (r) => (headers = (r as { responseHeaders: Record<string, string[]> }).responseHeaders));
    expect(headers['Content-Security-Policy']).toEqual([CSP]);
    let granted: boolean | null = null;
    electron.state.permissionHook!(null, 'media', (ok) => (granted = ok));
    expect(granted).toBe(false);
  });

  it('no inline styles either, and the Electron window (header and index.html meta) has the same policy as the web host', () => {
    expect(CSP).not.toContain('unsafe-inline');
    expect(CSP).not.toContain('unsafe-eval');
    const html = fs.readFileSync(path.join(__dirname, '../../renderer/index.html'), 'utf8');
    const meta = /http-equiv="Content-Security-Policy" content="([^"]+)"/.exec(html)![1]!;
    // A meta tag cannot carry frame-ancestors (the header does); everything else is the same.
    const withoutFraming = CSP.split(';').map((d) => d.trim()).filter((d) => !d.startsWith('frame-ancestors'));
    expect(meta.split(';').map((d) => d.trim())).toEqual(withoutFraming);
  });

  it('the CSP allows no remote code: scripts only from the app, no eval, no plugins, no framing', () => {
    const directives = Object.fromEntries(CSP.split(';').map((d) => d.trim().split(/\s+/)).map(([k, ...v]) => [k, v]));
    expect(directives['script-src']).toEqual(["'self'"]);
    expect(directives['default-src']).toEqual(["'self'"]);
    expect(directives['connect-src']).toEqual(["'self'"]);
    expect(directives['object-src']).toEqual(["'none'"]);
    expect(directives['frame-ancestors']).toEqual(["'none'"]);
    expect(CSP).not.toMatch(/unsafe-eval|https?:|\*/);
    const html = fs.readFileSync(path.resolve(__dirname, '../../renderer/index.html'), 'utf8');
    expect(html).not.toMatch(/<script[^>]+src=["']https?:/);
    expect(html).not.toMatch(/<link[^>]+href=["']https?:/);
  });

  it('IPC is served only to the app’s own top-level frame; the preload exposes only `api`', async () => {
    expect(isTrustedSender({ frameUrl: 'file:///app/index.html', isMainFrame: true }, ['file://'])).toBe(true);
    expect(isTrustedSender({ frameUrl: 'file:///app/index.html', isMainFrame: false }, ['file://'])).toBe(false);
    expect(isTrustedSender({ frameUrl: 'https://evil.example/', isMainFrame: true }, ['file://'])).toBe(false);
    expect(isTrustedSender({ frameUrl: '', isMainFrame: true }, ['file://'])).toBe(false);
    expect(isTrustedSender({ frameUrl: 'http://localhost:5173/', isMainFrame: true }, ['http://localhost:5173'])).toBe(true);
    const { registerElectronIpc } = await import('../ipc/electron');
    const handlers: Record<string, (e: unknown, input: unknown) => Promise<unknown>> = {};
    const ipcMain = { handle: (c: string, fn: (e: unknown, i: unknown) => Promise<unknown>) => (handlers[c] = fn), removeHandler: () => {} };
    const dispatch = vi.fn(async (_c: unknown, _i: unknown, _ctx: unknown) => ({ ok: true as const, value: 1 as unknown }));
    registerElectronIpc(ipcMain as never, dispatch, new EventBus(), ['file://'], () => []);
    expect(Object.keys(handlers).sort()).toEqual([...channelNames].sort());
    const mainFrame = { url: 'file:///app/index.html' };
    const sub = { url: 'file:///app/index.html' };
    const fromSubframe = await handlers['patients:list']!({ senderFrame: sub, sender: { id: 1, mainFrame } }, {});
    expect(fromSubframe).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    const fromOther = await handlers['patients:list']!({ senderFrame: { url: 'https://evil.example/' }, sender: { id: 1, mainFrame: null } }, {});
    expect(fromOther).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    expect(dispatch).not.toHaveBeenCalled();
    await handlers['patients:list']!({ senderFrame: mainFrame, sender: { id: 7, mainFrame } }, {});
    expect(dispatch).toHaveBeenCalledWith('patients:list', {}, expect.objectContaining({ transport: 'electron', actor: null, sessionId: 'window-7' }));
    const preload = fs.readFileSync(path.resolve(__dirname, '../../preload/index.ts'), 'utf8');
    expect(preload.match(/exposeInMainWorld\(/g)).toHaveLength(1);
    expect(preload).toMatch(/exposeInMainWorld\('api', api\)/);
    expect(preload).not.toMatch(/exposeInMainWorld\([^)]*ipcRenderer/);
  });
});

function request(port: number, opts: { path: string; host?: string; method?: string; headers?: Record<string, string>; body?: string; address?: string }) {
  return new Promise<{ status: number; body: string; headers: http.IncomingHttpHeaders }>((resolve, reject) => {
    const req = http.request(
      { host: opts.address ?? '127.0.0.1', port, path: opts.path, method: opts.method ?? 'GET', headers: { host: opts.host ?? `127.0.0.1:${port}`, ...opts.headers } },
      (res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
      },
    );
    req.on('error', reject);
    req.end(opts.body);
  });
}

describe('Electron menu: Lock and Back up now go through the dispatch table as the window’s session', () => {
  it('locks the focused window’s session and backs up as it (role check and audit apply)', async () => {
    const { installTrustMenu, lockOnSystemLock } = await import('../platform/trustMenu');
    const dispatch = vi.fn(async (channel: unknown, _i: unknown, _ctx: unknown) =>
      channel === 'auth:backup' ? { ok: false as const, error: { code: 'FORBIDDEN' as const, message: 'Only an administrator can back up CareLens; you are signed in as a clinician.' } } : { ok: true as const, value: {} as unknown },
    );
    installTrustMenu(dispatch);
    type Item = { label?: string; click?: (i: unknown, w: unknown) => unknown; submenu?: Item[] };
    const items = ((electron.state as Record<string, unknown>).menu as Item[])[0]!.submenu!;
    const win = { webContents: { id: 42 } };
    await items.find((i) => i.label === 'Lock')!.click!(null, win);
    expect(dispatch).toHaveBeenLastCalledWith('auth:lock', {}, { transport: 'electron', actor: null, sessionId: 'window-42' });
    await items.find((i) => i.label === 'Back up now')!.click!(null, win);
    expect(dispatch).toHaveBeenLastCalledWith('auth:backup', {}, { transport: 'electron', actor: null, sessionId: 'window-42' });
    expect((electron.state as Record<string, unknown>).dialog).toMatchObject({ type: 'warning', message: expect.stringContaining('Only an administrator can back up CareLens') });
    lockOnSystemLock(dispatch);
    expect(Object.keys((electron.state as Record<string, unknown>).power as object).sort()).toEqual(['lock-screen', 'suspend']);
  });
});

describe('web host answers only loopback, only with a session from a sign-in link', () => {
  it('binds 127.0.0.1, refuses other Host headers, missing or wrong tokens and cross-origin calls', async () => {
    const dispatch = vi.fn(async () => ({ ok: true as const, value: 'served' }));
    const host = await startWebHost({ dispatch, events: new EventBus(), logger: silentLogger, rendererDir: null, token: 't'.repeat(43) });
    try {
      const api = { path: '/api/system:status', method: 'POST', body: '{}' };
      expect((await request(host.port, api)).status).toBe(401);
      expect((await request(host.port, { ...api, headers: { authorization: 'Bearer wrong' } })).status).toBe(401);
      // The host's token mints sign-in links; it opens no API call by itself.
      expect((await request(host.port, { ...api, headers: { authorization: `Bearer ${host.token}` } })).status).toBe(401);
      expect((await request(host.port, { path: '/?token=wrong' })).status).toBe(401);
      const link = new URL(host.mintLoginUrl());
      const session = await request(host.port, { path: link.pathname + link.search });
      const good = { cookie: String(session.headers['set-cookie']).split(';')[0]! };
      expect(JSON.parse((await request(host.port, { ...api, headers: good })).body)).toEqual({ ok: true, value: 'served' });
      // DNS rebinding: a page on evil.example resolving to 127.0.0.1 still sends its own Host.
      expect((await request(host.port, { ...api, headers: good, host: `evil.example:${host.port}` })).status).toBe(403);
      expect((await request(host.port, { ...api, headers: { ...good, origin: 'http://evil.example' } })).status).toBe(403);
      // A sign-in link opens a cookie session (Secure, HttpOnly, SameSite=Strict) and leaves the URL.
      const second = new URL(host.mintLoginUrl());
      const login = await request(host.port, { path: second.pathname + second.search });
      expect(login.status).toBe(303);
      expect(String(login.headers['set-cookie'])).toMatch(/Secure; HttpOnly; SameSite=Strict/);
      expect(login.headers.location).toBe('/');
      // No other interface of this machine reaches it.
      const others = Object.values(os.networkInterfaces())
        .flat()
        .filter((i) => i && i.family === 'IPv4' && !i.internal)
        .map((i) => i!.address);
      for (const address of others) {
        await expect(request(host.port, { ...api, headers: good, address })).rejects.toThrow(/ECONNREFUSED|EHOSTUNREACH|ENETUNREACH/);
      }
      expect(dispatch).toHaveBeenCalledTimes(1);
    } finally {
      await host.close();
    }
  });
});
