import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, type APIRequestContext, type Page } from '@playwright/test';

export const ROOT = path.resolve(__dirname, '../..');
export const SHARED_DATA = path.resolve(ROOT, '../shared/data');
const CLI = path.join(ROOT, 'bin', 'carelens.js');

export interface Host {
  url: string;
  loginUrl: string;
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

/**
 * Starts `carelens serve --json` on a data folder (a fresh one by default) and waits for
 * the URL it prints. The built app is used (run `npx electron-vite build` first).
 */
export async function startHost(dataDir = freshDataDir(), env: NodeJS.ProcessEnv = {}): Promise<Host> {
  const child = spawn(process.execPath, [CLI, 'serve', '--json', '--data-dir', dataDir], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const info = await new Promise<{ url: string; loginUrl: string }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`carelens serve did not start in 30 s. stderr:\n${err}`)), 30_000);
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      try {
        const parsed = JSON.parse(out) as { url: string; loginUrl: string };
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
  return {
    ...info,
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

/**
 * For specs that call the web host's API directly (Playwright's `request`): a bearer-token
 * caller has one session of its own and logs in like a browser. Creates TEST_ADMIN on a
 * fresh data folder, else logs in as it. Returns the headers to send with every call.
 */
export async function apiLogin(request: APIRequestContext, host: Host): Promise<Record<string, string>> {
  const token = new URL(host.loginUrl).searchParams.get('token')!;
  const headers = { authorization: `Bearer ${token}` };
  const status = await (await request.post(`${host.url}api/auth:status`, { headers, data: {} })).json();
  const channel = status.value?.needsSetup ? 'auth:setup' : 'auth:login';
  const data = channel === 'auth:setup' ? TEST_ADMIN : { username: TEST_ADMIN.username, password: TEST_ADMIN.password };
  const res = await (await request.post(`${host.url}api/${channel}`, { headers, data })).json();
  if (!res.ok) throw new Error(`apiLogin failed: ${JSON.stringify(res.error)}`);
  return headers;
}
