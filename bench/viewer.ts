/**
 * `npm run bench -- viewer [--runs N] [--keep]`: the Cornerstone3D viewer in the real renderer
 * (docs/viewer.md). Needs the built app (`npx electron-vite build`) and Debian's Chromium.
 *
 * Imports, into a fresh data folder, a 1841x1955 JPEG 2000 CR (pydicom's RG1_J2KI) and a 60-image
 * 512x512 CT series (one real slice copied with distinct SOP Instance UIDs). Every measurement
 * then starts its own `carelens serve` (the loopback web host) and a fresh Chromium context, so
 * nothing comes from an earlier run's caches (the main process keeps decoded frames):
 * 1. first pixels, N times (default 7): opens the Images page, waits 1.5 s (a person reading the
 *    list; the decoder warms meanwhile), clicks the CR's patient (which shows the patient's first
 *    image); first pixels = the viewer's `carelens:first-pixels` mark minus the click. Prints the
 *    last run's API calls after the click, and when the full frame replaced the preview. Then
 *    `imaging:frame` alone (decode + transport) from a fresh page and host, 3 times.
 * 2. per-entry cost of the CT series (frames not decoded before).
 * 3. cine: plays the CT series at 30 frames/s for 4 s as soon as it opens (cold) and again once
 *    the viewer's prefetch has it all (warm), then the same on another fresh host with every
 *    `imaging:frame` answer held back by its own decode time (2x slower decode, through
 *    Playwright's request interception, itself a cost); prints frames shown, late ticks (a frame
 *    not there in time: the viewer waits for it, nothing is skipped), how long the cine buffered
 *    before its clock started, and when the whole series was in the renderer.
 * Prints medians with the machine (bench/index.ts).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Page } from '@playwright/test';
import type { Api } from '../src/shared/ipc/contract';
import { CHROMIUM_ARGS, chromiumPath } from '../tests/e2e/chromium';
import { fmt, median } from './util';

const ROOT = path.resolve(__dirname, '..');
const CLI = path.join(ROOT, 'bin', 'carelens.js');
const SHARED = path.resolve(ROOT, '../shared/data');
const CR = path.join(SHARED, 'dicom/pydicom_pydicom-data/RG1_J2KI.dcm');
const CT = path.join(SHARED, 'dicom/cornerstonejs_cornerstone3D/CTImage.dcm_LittleEndianExplicitTransferSyntax_1.2.840.10008.1.2.1.dcm');
const ADMIN = { username: 'bench', password: 'a long bench password 1', name: 'Bench' };

function run(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`carelens ${args[0]} failed: ${err}`))));
  });
}

/** Copies of one DICOM file with distinct SOP Instance UIDs (same length, so no other byte moves). */
function copiesOf(file: string, dir: string, n: number): void {
  const bytes = fs.readFileSync(file);
  const text = bytes.toString('latin1');
  // The SOP Instance UID (0008,0018) value as written in the data set.
  const at = text.indexOf('\x08\x00\x18\x00');
  if (at < 0) throw new Error(`no SOP Instance UID in ${file}`);
  const explicit = /^[A-Z]{2}$/.test(text.slice(at + 4, at + 6));
  const len = explicit ? bytes.readUInt16LE(at + 6) : bytes.readUInt32LE(at + 4);
  const uid = text.slice(at + (explicit ? 8 : 8), at + 8 + len).replace(/\0+$/, '');
  fs.mkdirSync(dir, { recursive: true });
  for (let i = 0; i < n; i++) {
    const tail = String(i).padStart(4, '0');
    const next = uid.slice(0, uid.length - 4) + tail;
    fs.writeFileSync(path.join(dir, `${tail}.dcm`), Buffer.from(text.split(uid).join(next), 'latin1'));
  }
}

/** Stops a `carelens serve` and waits for it to exit (the next one opens the same data folder). */
function stopHost(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill();
  });
}

async function serve(dataDir: string): Promise<{ url: string; token: string; child: ChildProcess }> {
  const child = spawn(process.execPath, [CLI, 'serve', '--json', '--data-dir', dataDir], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('carelens serve did not start in 30 s')), 30_000);
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      try {
        const info = JSON.parse(out) as { url: string; token: string };
        clearTimeout(timer);
        resolve({ ...info, child });
      } catch {
        // not all of it yet
      }
    });
  });
}

async function loginUrl(url: string, token: string): Promise<string> {
  const r = await fetch(`${url}login-url`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
  const body = (await r.json()) as { ok: boolean; value: { loginUrl: string } };
  if (!body.ok) throw new Error('no sign-in link');
  return body.value.loginUrl;
}

async function signIn(page: Page, link: string): Promise<void> {
  await page.goto(link);
  const setup = page.getByTestId('auth-setup');
  const login = page.getByTestId('auth-login');
  await page.getByTestId('app-shell').or(setup).or(login).waitFor();
  if (await setup.isVisible()) {
    await page.getByTestId('auth-username').fill(ADMIN.username);
    await page.getByTestId('auth-displayname').fill(ADMIN.name);
    await page.getByTestId('auth-password').fill(ADMIN.password);
    await page.getByTestId('auth-confirm').fill(ADMIN.password);
    await page.getByTestId('auth-submit').click();
  } else if (await login.isVisible()) {
    await page.getByTestId('auth-username').fill(ADMIN.username);
    await page.getByTestId('auth-password').fill(ADMIN.password);
    await page.getByTestId('auth-submit').click();
  }
  await page.getByTestId('statusbar').waitFor();
}

/** Opens the Images page on a patient's study (its series listed; the series button not clicked yet). */
async function showStudy(page: Page, patient: RegExp): Promise<void> {
  await page.getByTestId('nav-images').click();
  await page.getByTestId('imaging-patient').filter({ hasText: patient }).first().click();
  await page.getByTestId('series-browser').locator('.list.nested button').first().click();
  await page.getByTestId('series-browser').locator('[data-testid^="series-"]').first().waitFor();
}

/** Opens a patient's first series in the viewer (a click on the series opens its first image). */
async function showSeries(page: Page, patient: RegExp): Promise<void> {
  await showStudy(page, patient);
  await page.getByTestId('series-browser').locator('[data-testid^="series-"]').first().click();
  await page.getByTestId('thumbnail-grid').locator('.tile').first().waitFor();
}

/**
 * Click on the patient in the Images page's list (which opens the patient's first image: nothing of
 * it is in the fresh page's cache) -> the viewer's first-pixels mark, in ms.
 */
async function clickToFirstPixels(page: Page, patient: RegExp): Promise<number> {
  await page.evaluate(() => {
    const w = globalThis as unknown as { __click?: number; addEventListener(type: string, f: () => void, o: object): void };
    w.__click = undefined;
    w.addEventListener('click', () => (w.__click ??= performance.now()), { capture: true, once: true });
  });
  await page.getByTestId('imaging-patient').filter({ hasText: patient }).first().click();
  await page.waitForFunction(
    () => {
      const click = (globalThis as unknown as { __click?: number }).__click;
      return click !== undefined && performance.getEntriesByName('carelens:first-pixels').some((e) => e.startTime >= click);
    },
    undefined,
    { timeout: 60_000 },
  );
  return page.evaluate(() => {
    const click = (globalThis as unknown as { __click: number }).__click;
    return performance.getEntriesByName('carelens:first-pixels').find((e) => e.startTime >= click)!.startTime - click;
  });
}

/** The API calls after the click, up to first pixels: "channel start-end" in ms after the click (resource timing). */
async function callsAfterClick(page: Page): Promise<string> {
  return page.evaluate(() => {
    const click = (globalThis as unknown as { __click: number }).__click;
    const pixels = performance.getEntriesByName('carelens:first-pixels').find((e) => e.startTime >= click)!.startTime;
    return performance
      .getEntriesByType('resource')
      .map((e) => e as unknown as { name: string; startTime: number; responseEnd: number })
      .filter((e) => e.name.includes('/api/') && e.startTime >= click && e.startTime <= pixels)
      .map((e) => `${decodeURIComponent(e.name.slice(e.name.indexOf('/api/') + 5))} ${Math.round(e.startTime - click)}-${Math.round(e.responseEnd - click)}`)
      .join(', ');
  });
}

/** After clickToFirstPixels: ms from the click to the full-resolution frame on screen (the preview replaced). */
async function clickToFullFrame(page: Page): Promise<number> {
  await page.getByTestId('stack-viewport').first().and(page.locator('[data-preview="false"]')).waitFor({ timeout: 60_000 });
  return page.evaluate(() => performance.now() - (globalThis as unknown as { __click: number }).__click);
}

async function frameCall(page: Page, modality: string): Promise<{ total: number; decode: number; mb: number; cached: boolean }> {
  return page.evaluate(async (mod) => {
    const api = (globalThis as unknown as { api: Api }).api;
    const patients = await api.imaging.patients({});
    if (!patients.ok) throw new Error(patients.error.message);
    for (const p of patients.value) {
      const images = await api.imaging.images(p.patientId === null ? { unassigned: true } : { patientId: p.patientId });
      const hit = images.ok ? images.value.items.find((i) => i.modality === mod) : undefined;
      if (!hit) continue;
      const t = performance.now();
      const r = await api.imaging.frame({ id: hit.id, preview: true });
      if (!r.ok) throw new Error(r.error.message);
      return { total: performance.now() - t, decode: r.value.decodeMs, mb: r.value.data.byteLength / 1e6, cached: r.value.cached };
    }
    throw new Error(`no ${mod}`);
  }, modality);
}

/** What one stack entry of the CT series costs from the page, per call (medians of 10, sequential). */
async function perEntryCalls(page: Page): Promise<Record<string, number>> {
  // No named functions inside: tsx would wrap them in a helper the page does not have.
  const raw = await page.evaluate(async () => {
    const api = (globalThis as unknown as { api: Api }).api;
    const patients = await api.imaging.patients({});
    const p = patients.ok ? patients.value.find((x) => /MISTER/.test(x.name)) : undefined;
    const images = p?.patientId ? await api.imaging.images({ patientId: p.patientId }) : null;
    if (!images?.ok) throw new Error('no CT series');
    const items = images.value.items.slice(0, 10);
    const out: Record<string, number[]> = { frame: [], decode: [] };
    for (const it of items) {
      const t = performance.now();
      const f = await api.imaging.frame({ id: it.id, preview: true });
      out.frame!.push(performance.now() - t);
      if (f.ok) out.decode!.push(f.value.decodeMs);
    }
    return out;
  });
  return Object.fromEntries(Object.entries(raw).map(([k, xs]) => [k, median(xs)]));
}

/** The `decodeMs` of an `imaging:frame` answer: JSON, or the binary envelope's JSON part (src/main/ipc/binaryEnvelope.ts). */
function decodeMsOf(body: Buffer): number {
  let text = body.toString('utf8');
  if (body.length >= 12 && body.readUInt32LE(0) === 0x31424c43) {
    const head = 12 + 8 * body.readUInt32LE(8);
    text = body.subarray(head, head + body.readUInt32LE(4)).toString('utf8');
  }
  return (JSON.parse(text) as { value?: { decodeMs?: number } }).value?.decodeMs ?? 0;
}

async function cine(page: Page, seconds: number): Promise<{ shown: number; late: number; fps: number; allCachedS: number | null; bufferedMs: number }> {
  const vp = page.getByTestId('stack-viewport').first();
  await page.getByTestId('rr-fps').fill('30');
  await page.getByTestId('rr-cine').click();
  await vp.and(page.locator('[data-playing="true"]')).waitFor();
  const t0 = Date.now();
  // When the whole series is in the renderer's cache (how fast frames arrive, whatever the cine shows).
  let allCachedS: number | null = null;
  while (Date.now() - t0 < seconds * 1000) {
    if (allCachedS === null && (await vp.getAttribute('data-cached')) === (await vp.getAttribute('data-count'))) allCachedS = (Date.now() - t0) / 1000;
    await page.waitForTimeout(50);
  }
  const shown = Number(await vp.getAttribute('data-cine-shown'));
  const late = Number(await vp.getAttribute('data-cine-late'));
  const bufferedMs = Number(await vp.getAttribute('data-cine-buffered-ms'));
  const elapsed = (Date.now() - t0) / 1000;
  await page.getByTestId('rr-cine').click();
  return { shown, late, fps: shown / elapsed, allCachedS, bufferedMs };
}

export default async function viewer(args: string[]): Promise<void> {
  const runsAt = args.indexOf('--runs');
  const runs = runsAt >= 0 ? Number(args[runsAt + 1]) : 7;
  const keep = args.includes('--keep');
  const exe = chromiumPath();
  if (!exe) throw new Error('no Chromium (apt-get install -y chromium)');
  if (!fs.existsSync(path.join(ROOT, 'out/main/cli.js')) || !fs.existsSync(path.join(ROOT, 'out/renderer/index.html'))) throw new Error('build first: npx electron-vite build');

  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'carelens-bench-viewer-'));
  const dataDir = path.join(work, 'data');
  let host = null as ChildProcess | null;
  const browser = await chromium.launch({ executablePath: exe, args: CHROMIUM_ARGS });
  try {
    copiesOf(CT, path.join(work, 'ct-series'), 60);
    await run(['import', CR, path.join(work, 'ct-series'), '--data-dir', dataDir, '--json']);
    // Every measurement below starts a fresh `carelens serve` (and a fresh browser context): the
    // main process keeps recently decoded frames (imaging/frameCache.ts), and a first view is what
    // is measured here, never a frame an earlier run decoded.
    const fresh = async () => {
      if (host) await stopHost(host);
      const h = await serve(dataDir);
      host = h.child;
      const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
      const page = await context.newPage();
      await signIn(page, await loginUrl(h.url, h.token));
      return { h, context, page };
    };
    let render = '?';
    let timeline = '';
    const times: number[] = [];
    const fullTimes: number[] = [];
    /** The viewer's own part: from its stack being set (loadStack) to first pixels. */
    const own: number[] = [];
    const calls: { total: number; decode: number; mb: number; cached: boolean }[] = [];
    for (let i = 0; i < runs; i++) {
      const { context, page } = await fresh();
      await page.getByTestId('nav-images').click();
      await page.getByTestId('imaging-patient').first().waitFor();
      // A person reads the list before clicking; meanwhile the decoder starts (the patient list
      // warms it: worker and wasm codecs, ~0.5 s on a fresh host). Without this pause the first
      // decode of each fresh host would include compiling the codecs.
      await page.waitForTimeout(1500);
      times.push(await clickToFirstPixels(page, /RG1/));
      timeline = `${await callsAfterClick(page)}; first pixels ${Math.round(times[times.length - 1]!)}`;
      own.push(Number(await page.getByTestId('stack-viewport').first().getAttribute('data-first-pixels-ms')));
      fullTimes.push(await clickToFullFrame(page));
      render = (await page.getByTestId('stack-viewport').first().getAttribute('data-render')) ?? '?';
      await context.close();
    }
    for (let i = 0; i < 3; i++) {
      const { context, page } = await fresh();
      await page.getByTestId('nav-images').click();
      await page.getByTestId('imaging-patient').first().waitFor();
      await page.waitForTimeout(1500);
      calls.push(await frameCall(page, 'CR'));
      await context.close();
    }
    console.log(`CR 1841x1955 (JPEG 2000): click -> first pixels median ${fmt(median(times))} ms over ${runs} runs (min ${fmt(Math.min(...times))}, max ${fmt(Math.max(...times))}); rendering: ${render}`);
    console.log(`  of which the viewer's own (stack set -> pixels: the frame call, drawing): median ${fmt(median(own))} ms; the rest is the page before it`);
    console.log(`  the last run's API calls after the click (ms after it): ${timeline}`);
    console.log(`  full resolution on screen (the preview replaced): median ${fmt(median(fullTimes))} ms after the click (an upper bound: polled)`);
    console.log(`  imaging:frame (preview: true, as the viewer asks first) alone from a fresh page and host: median ${fmt(median(calls.map((c) => c.total)))} ms over 3, of which decode ${fmt(median(calls.map((c) => c.decode)))} ms; ${fmt(calls[0]!.mb, 1)} MB of pixels (binary)${calls.some((c) => c.cached) ? '; SOME FROM THE CACHE' : ''}`);

    {
      const { context, page } = await fresh();
      const calls512 = await perEntryCalls(page);
      console.log(`512x512 CT, per stack entry from a fresh page and host (median of 10, not decoded before): imaging:frame ${fmt(calls512.frame!)} ms (decode ${fmt(calls512.decode!)} ms), the only call per entry (it brings the plane and calibration)`);
      await context.close();
    }
    // Cold: play at once, frames fetched as the cine (and the prefetch ahead of it) reaches them.
    // Warm: once the viewer's background prefetch has the whole series in the cache.
    const cineBoth = async (p: Page, label: string) => {
      await showSeries(p, /MISTER/);
      const v = p.getByTestId('stack-viewport').first();
      await v.and(p.locator('[data-count="60"]')).waitFor({ timeout: 30_000 });
      const cold = await cine(p, 4);
      const t0 = Date.now();
      const filled = await v
        .and(p.locator('[data-cached="60"]'))
        .waitFor({ timeout: 60_000 })
        .then(() => `the rest of the series was cached ${fmt((Date.now() - t0) / 1000)} s after the cold run`)
        .catch(async () => `only ${await v.getAttribute('data-cached')} of 60 cached 60 s after the cold run`);
      const warm = await cine(p, 4);
      console.log(`cine 60 x 512x512 CT at 30/s${label}, 4 s each: cold ${cold.shown} frames (${fmt(cold.fps)}/s, ${cold.late} late, clock started after ${cold.bufferedMs} ms of buffering; all 60 frames in the renderer ${cold.allCachedS === null ? 'not within the run' : `${fmt(cold.allCachedS)} s after play`}); warm ${warm.shown} frames (${fmt(warm.fps)}/s, ${warm.late} late, ${warm.bufferedMs} ms buffering); ${filled}`);
    };
    {
      const { context, page } = await fresh();
      await cineBoth(page, '');
      await context.close();
    }
    {
      // 2x slower decode: every frame answer waits as long again as the main process took to decode it.
      const { context, page } = await fresh();
      await page.route(
        (url) => decodeURIComponent(url.pathname).endsWith('imaging:frame'),
        async (route) => {
          const response = await route.fetch();
          const body = await response.body();
          await new Promise((r) => setTimeout(r, decodeMsOf(body)));
          await route.fulfill({ response, body });
        },
      );
      await cineBoth(page, ' at 2x slower decode');
      await page.unrouteAll({ behavior: 'ignoreErrors' });
      await context.close();
    }
    console.log(`load average at end: ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}`);
  } finally {
    await browser.close();
    host?.kill();
    if (!keep) fs.rmSync(work, { recursive: true, force: true });
    else console.log(`kept ${work}`);
  }
}
