import { BrowserWindow, session, shell, type WebContents } from 'electron';
import path from 'node:path';
import { CSP } from '../ipc/webHost';

/** Hosts the app may open in the system browser (documentation only). */
const EXTERNAL_ALLOW = new Set(['https://www.dicomstandard.org', 'https://hl7.org']);

/** Denies navigation and new windows; only allow-listed https links go to the system browser. */
export function hardenContents(contents: WebContents, appOrigins: readonly string[]): void {
  contents.on('will-navigate', (event, url) => {
    const origin = url.startsWith('file:') ? 'file://' : new URL(url).origin;
    if (!appOrigins.includes(origin)) event.preventDefault();
  });
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(({ url }) => {
    try {
      if (EXTERNAL_ALLOW.has(new URL(url).origin)) void shell.openExternal(url);
    } catch {
      // not a URL: nothing to open
    }
    return { action: 'deny' };
  });
}

/**
 * The policy for `electron-vite dev` only: Vite's dev server injects each stylesheet as a
 * `<style>` element from script and talks to its HMR socket, which the production policy
 * refuses. Built apps (`npm start`, packages) never use this.
 */
export const DEV_CSP = CSP.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'").replace("connect-src 'self'", "connect-src 'self' ws: http://localhost:*");

/** Applies the CSP to every response and refuses permission requests (camera, geolocation...). */
export function hardenSession(dev = false): void {
  const policy = dev ? DEV_CSP : CSP;
  session.defaultSession.webRequest.onHeadersReceived((details, callback) => {
    callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [policy] } });
  });
  session.defaultSession.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
}

export function createMainWindow(preloadPath: string, appOrigins: readonly string[]): BrowserWindow {
  const win = new BrowserWindow({
    width: 1440,
    height: 900,
    minWidth: 1024,
    minHeight: 680,
    show: false,
    title: 'CareLens',
    backgroundColor: '#0f1720',
    webPreferences: {
      preload: preloadPath,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      spellcheck: false,
    },
  });
  hardenContents(win.webContents, appOrigins);
  win.once('ready-to-show', () => win.show());
  void path;
  return win;
}
