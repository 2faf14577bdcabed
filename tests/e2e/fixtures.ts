import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, type APIRequestContext, type Page } from '@playwright/test';

export const ROOT = path.resolve(__dirname, '../..');
export const SHARED_DATA = path.resolve(ROOT, '../shared/data');
const CLI = path.join(ROOT, 'bin', 'carelens.js');

export interface Host {
  url: string;
  /**
   * A fresh one-time sign-in link each time it is read: the host mints it (`POST /login-url` with
   * the host's token, which `carelens serve --json` printed), since a link works once and briefly.
   */
  readonly loginUrl: string;
  /** The host's secret (mints sign-in links; it opens no API by itself). */
  token: string;
  dataDir: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

export function freshDataDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'carelens-e2e-'));
}

/** Runs the built CLI (`carelens ...`) to completion; returns stdout, stderr and the exit code. */
export function runCli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

/** Folders the specs import from and export to, outside the OS user's home: allowed as folder roots. */
export const TEST_FOLDER_ROOTS = [SHARED_DATA, os.tmpdir()];

/** Mints a one-time sign-in link on a running host, synchronously (a getter cannot await). */
function mintLoginUrl(url: string, token: string): string {
  const script = `fetch(process.argv[1] + 'login-url', { method: 'POST', headers: { authorization: 'Bearer ' + process.argv[2] } })
    .then((r) => r.json()).then((b) => { if (!b.ok) throw new Error(JSON.stringify(b)); process.stdout.write(b.value.loginUrl); })
    .catch((e) => { console.error(String(e)); process.exit(1); });`;
  return execFileSync(process.execPath, ['-e', script, url, token], { encoding: 'utf8', timeout: 30_000 });
}

/**
 * Starts `carelens serve --json` on a data folder (a fresh one by default) and waits for
 * the URL it prints. The built app is used (run `npx electron-vite build` first). The spec
 * folders (TEST_FOLDER_ROOTS) are allowed for import and export first, as an admin would.
 */
export async function startHost(dataDir = freshDataDir(), env: NodeJS.ProcessEnv = {}): Promise<Host> {
  const roots = await runCli(['folders', 'roots', 'add', ...TEST_FOLDER_ROOTS, '--data-dir', dataDir], env);
  if (roots.code !== 0) throw new Error(`carelens folders roots add failed: ${roots.stderr}`);
  const child = spawn(process.execPath, [CLI, 'serve', '--json', '--data-dir', dataDir], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const info = await new Promise<{ url: string; loginUrl: string; token: string }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`carelens serve did not start in 30 s. stderr:\n${err}`)), 30_000);
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      try {
        const parsed = JSON.parse(out) as { url: string; loginUrl: string; token: string };
        clearTimeout(timer);
        resolve(parsed);
      } catch {
        // not the whole object yet
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`carelens serve exited with ${code}. stderr:\n${err}`));
    });
  });
  let firstLink: string | null = info.loginUrl;
  return {
    url: info.url,
    token: info.token,
    get loginUrl() {
      const link = firstLink ?? mintLoginUrl(info.url, info.token);
      firstLink = null;
      return link;
    },
    dataDir,
    process: child,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        // Not unref'd: a host that ignores SIGTERM must still be ended, whatever else is pending.
        const kill = setTimeout(() => child.kill('SIGKILL'), 10_000);
        child.once('exit', () => {
          clearTimeout(kill);
          resolve();
        });
        child.kill('SIGTERM');
      }),
  };
}

/** Test credentials used when the app asks for a first-run admin account or a login. */
export const TEST_ADMIN = { username: 'admin', password: 'correct horse battery staple', displayName: 'Test Admin' };

/**
 * Opens the app in the page and waits for the shell. When the app asks for a first-run
 * admin account (a fresh data folder) or a login (a restarted host), this completes it
 * with TEST_ADMIN, so every spec starts logged in as that admin.
 */
export async function openApp(page: Page, host: Host): Promise<void> {
  await page.goto(host.loginUrl);
  const shell = page.getByTestId('app-shell');
  const setup = page.getByTestId('auth-setup');
  const login = page.getByTestId('auth-login');
  await expect(shell.or(setup).or(login)).toBeVisible();
  if (await setup.isVisible()) {
    await page.getByTestId('auth-username').fill(TEST_ADMIN.username);
    await page.getByTestId('auth-displayname').fill(TEST_ADMIN.displayName);
    await page.getByTestId('auth-password').fill(TEST_ADMIN.password);
    await page.getByTestId('auth-confirm').fill(TEST_ADMIN.password);
    await page.getByTestId('auth-submit').click();
  } else if (await login.isVisible()) {
    await page.getByTestId('auth-username').fill(TEST_ADMIN.username);
    await page.getByTestId('auth-password').fill(TEST_ADMIN.password);
    await page.getByTestId('auth-submit').click();
  }
  await expect(page.getByTestId('statusbar')).toBeVisible();
}

/**
 * Logs out from the user menu and waits for the login screen of the reloaded page: a change of
 * user reloads the renderer, so nothing of the previous user stays (src/renderer/src/stores/reset.ts).
 */
export async function logOut(page: Page): Promise<void> {
  await Promise.all([page.waitForEvent('load'), page.getByTestId('logout').click()]);
  await expect(page.getByTestId('auth-login')).toBeVisible();
}

/** The session cookie (`name=value`) a response sets, if any. */
function sessionCookie(setCookie: string | undefined): string | null {
  const m = /(__Host-carelens_session=[^;\s]+)/.exec(setCookie ?? '');
  return m ? m[1]! : null;
}

/**
 * For specs that call the web host's API directly (Playwright's `request`): like a browser, it
 * opens a one-time sign-in link for a session cookie, then creates TEST_ADMIN on a fresh data
 * folder, else logs in as it (login renews the cookie). Returns the headers to send with every call.
 */
export async function apiLogin(request: APIRequestContext, host: Host): Promise<Record<string, string>> {
  const signIn = await request.get(host.loginUrl, { maxRedirects: 0 });
  const anonymous = sessionCookie(signIn.headers()['set-cookie']);
  if (!anonymous) throw new Error(`apiLogin: the sign-in link gave no session (${signIn.status()})`);
  const status = await (await request.post(`${host.url}api/auth:status`, { headers: { cookie: anonymous }, data: {} })).json();
  const channel = status.value?.needsSetup ? 'auth:setup' : 'auth:login';
  const data = channel === 'auth:setup' ? TEST_ADMIN : { username: TEST_ADMIN.username, password: TEST_ADMIN.password };
  const response = await request.post(`${host.url}api/${channel}`, { headers: { cookie: anonymous }, data });
  const res = await response.json();
  if (!res.ok) throw new Error(`apiLogin failed: ${JSON.stringify(res.error)}`);
  const signedIn = sessionCookie(response.headers()['set-cookie']);
  if (!signedIn) throw new Error('apiLogin: the login gave no new session cookie');
  return { cookie: signedIn };
}
