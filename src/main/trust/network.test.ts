import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SHARED_DATA, tempDir } from '../app/testing';
import { channelNames, channels } from '../../shared/ipc/contract';

/**
 * Runs the real app (`carelens serve`, as a user would, key from CARELENS_KEY) in a child
 * process with a preload that records every TCP/UDP connection and name lookup, drives a
 * full session over the web host, and checks nothing reached for a host other than this
 * machine's loopback.
 */
const ROOT = path.resolve(__dirname, '../../..');
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1', '0:0:0:0:0:0:0:1']);
let child: ChildProcess | null = null;
afterAll(() => {
  child?.kill('SIGKILL');
});

function outsideLoopback(log: string) {
  const events = fs.readFileSync(log, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as { kind: string; detail: Record<string, unknown> });
  const outside = events.filter((e) => {
    if (e.kind === 'tcp') return !e.detail.path && !LOOPBACK.has(String(e.detail.host));
    if (e.kind === 'dns') return !LOOPBACK.has(String(e.detail.host));
    if (e.kind === 'fetch') return !/^(https?:\/\/(127\.0\.0\.1|localhost)[:/]|file:|data:)/.test(String(e.detail.url));
    return true; // any UDP at all
  });
  return { events, outside };
}

describe('no network beyond loopback', () => {
  it('the watcher sees a connection to another host (so its silence below means something)', async () => {
    const log = path.join(tempDir(), 'self.log');
    fs.writeFileSync(log, '');
    const script = "require('net').connect(9, '192.0.2.1').on('error', () => {}).destroy(); fetch('http://example.invalid/').catch(() => {});";
    await new Promise((resolve) => spawn(process.execPath, ['--require', path.join(__dirname, 'testdata', 'netwatch.cjs'), '-e', script], { env: { ...process.env, CARELENS_NETWATCH_LOG: log } }).on('exit', resolve));
    const { outside } = outsideLoopback(log);
    expect(outside.map((e) => e.kind).sort()).toEqual(expect.arrayContaining(['fetch', 'tcp']));
  });

  it('a full app run opens no connection to any other host', async () => {
    const dir = tempDir();
    const log = path.join(dir, 'net.log');
    fs.writeFileSync(log, '');
    child = spawn(process.execPath, ['--require', path.join(__dirname, 'testdata', 'netwatch.cjs'), '--import', 'tsx', path.join(ROOT, 'src/cli/index.ts'), 'serve', '--json', '--data-dir', path.join(dir, 'data')], {
      cwd: ROOT,
      env: { ...process.env, CARELENS_KEY: '7'.repeat(64), CARELENS_NETWATCH_LOG: log },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    const info = await new Promise<{ url: string; loginUrl: string; token: string }>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`serve did not start: ${err}`)), 60_000);
      child!.stdout!.on('data', (d: Buffer) => {
        out += d.toString();
        try {
          const parsed = JSON.parse(out) as { url: string; loginUrl: string; token: string };
          clearTimeout(timer);
          resolve(parsed);
        } catch {
          // not yet the whole object
        }
      });
    });
    // Like a browser: the sign-in link gives a session cookie, which set-up renews.
    const cookieOf = (res: Response) => res.headers.getSetCookie().map((c) => c.split(';')[0]!).find((c) => c.startsWith('__Host-carelens_session=')) ?? null;
    let cookie = cookieOf(await fetch(info.loginUrl, { redirect: 'manual' }))!;
    const call = async (channel: string, input: unknown) => {
      const res = await fetch(`${info.url}api/${channel}`, { method: 'POST', headers: { cookie, 'content-type': 'application/json' }, body: JSON.stringify(input) });
      cookie = cookieOf(res) ?? cookie;
      return (await res.json()) as { ok: boolean; value?: unknown; error?: { code: string } };
    };

    expect(await call('auth:setup', { username: 'admin', displayName: 'Admin', password: 'correct horse battery staple' })).toMatchObject({ ok: true });
    expect(await call('patients:create', { name: 'Net Watch', mrn: 'N1' })).toMatchObject({ ok: true });
    // The shared data lies outside the home folder: allowed as a folder root, as an admin would.
    expect(await call('system:addFolderRoot', { folder: SHARED_DATA })).toMatchObject({ ok: true });
    // An import of real files (the imaging feature), whatever its outcome, exercises the store and the workers.
    await call('imaging:import', { paths: [path.join(SHARED_DATA, 'dicom', 'cornerstonejs_dicomParser')] });
    // Every read-only channel, as the UI would call them on opening each section.
    for (const name of channelNames) {
      if (channels[name].audit === 'none' || channels[name].audit === 'read') await call(name, {});
    }
    expect(await call('audit:verify', {})).toMatchObject({ ok: true, value: { ok: true } });
    expect(await call('auth:backup', {})).toMatchObject({ ok: true });
    // Give the ML backend loader (it starts 0.5 s after serve) time to run.
    for (let i = 0; i < 40; i++) {
      const s = (await call('system:status', {})) as { value?: { backend?: { name: string | null; detail: string } } };
      if (s.value?.backend?.name || /no backend/.test(s.value?.backend?.detail ?? '')) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    child.kill('SIGTERM');
    await new Promise((r) => child!.once('exit', r));
    child = null;

    const { events, outside } = outsideLoopback(log);
    console.log(`[network] ${events.length} connection/lookup attempts recorded in the app process; outside loopback: ${outside.length}`);
    expect(outside).toEqual([]);
  });
});
