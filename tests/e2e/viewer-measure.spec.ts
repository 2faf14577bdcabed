import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import type { Api } from '../../src/shared/ipc/contract';
import { openApp, runCli, SHARED_DATA, startHost, type Host } from './fixtures';

/**
 * The Cornerstone3D viewer (issue 13, docs/viewer.md) as a clinician uses it in the reading room:
 * a length drawn with the mouse on a CT with known Pixel Spacing shows, and stores, the pixel length
 * times the header's spacing; a rectangle ROI's mean HU equals the mean of the frame's own values
 * (fetched through `imaging:frame`, computed here); a 10-frame MR scrolls with the wheel and the
 * keys and plays. Screenshots in test-results/viewer-*.png.
 */

const CT = path.join(SHARED_DATA, 'dicom/cornerstonejs_cornerstone3D/CTImage.dcm_LittleEndianExplicitTransferSyntax_1.2.840.10008.1.2.1.dcm');
const MR = path.join(SHARED_DATA, 'dicom/pydicom_pydicom-data/emri_small.dcm');
const SHOTS = path.resolve(__dirname, '../../test-results');
const shot = (name: string) => path.join(SHOTS, `viewer-${name}.png`);

/** Pixel Spacing read from the file by dcmtk (independent of CareLens' parser): [rows, columns] mm. */
function pixelSpacing(file: string): [number, number] {
  const out = execFileSync('dcmdump', ['+P', '0028,0030', file], { encoding: 'utf8' });
  const m = /\[([^\]]+)\]/.exec(out);
  if (!m) throw new Error(`no Pixel Spacing in ${file}: ${out}`);
  const [r, c] = m[1]!.split('\\').map((s) => Number(s.trim()));
  return [r!, c!];
}

let host: Host;
test.beforeAll(async () => {
  host = await startHost();
  for (const file of [CT, MR]) {
    const r = await runCli(['import', file, '--data-dir', host.dataDir, '--json']);
    expect(r.code, r.stderr).toBe(0);
  }
  fs.mkdirSync(SHOTS, { recursive: true });
});
test.afterAll(async () => {
  await host?.stop();
});

interface Found {
  id: string;
  rows: number;
  columns: number;
}

/** The one image of a modality, through the app's own API (as the page sees it). */
async function imageOf(page: Page, modality: string): Promise<Found> {
  return page.evaluate(async (mod) => {
    const api = (window as unknown as { api: Api }).api;
    const patients = await api.imaging.patients({});
    if (!patients.ok) throw new Error(JSON.stringify(patients.error));
    for (const p of patients.value) {
      const page = await api.imaging.images(p.patientId === null ? { unassigned: true } : { patientId: p.patientId });
      if (!page.ok) throw new Error(JSON.stringify(page.error));
      const hit = page.value.items.find((i) => i.modality === mod);
      if (hit) return { id: hit.id, rows: hit.rows ?? 0, columns: hit.columns ?? 0 };
    }
    throw new Error(`no ${mod} image`);
  }, modality);
}

/** Opens an image in the reading room's active viewport and waits for its first pixels. */
async function openImage(page: Page, patientText: RegExp, seriesTestId: string): Promise<void> {
  await page.getByTestId('nav-images').click();
  await page.getByTestId('imaging-patient').filter({ hasText: patientText }).first().click();
  const study = page.getByTestId('series-browser').locator('.list.nested button').first();
  await study.click();
  await page.getByTestId(seriesTestId).first().click();
  await page.getByTestId('thumbnail-grid').locator('.tile').first().dblclick();
}

/** Drags with the left button from (x0, y0) to (x1, y1), in page pixels. */
async function drag(page: Page, x0: number, y0: number, x1: number, y1: number): Promise<void> {
  await page.mouse.move(x0, y0);
  await page.mouse.down();
  await page.mouse.move((x0 + x1) / 2, (y0 + y1) / 2, { steps: 4 });
  await page.mouse.move(x1, y1, { steps: 4 });
  await page.mouse.up();
}

interface StoredMeasurement {
  id: string;
  kind: string;
  points: [number, number][];
  valueMm: number | null;
  valuePx: number | null;
  stats: { mean: number; sd: number; min: number; max: number; count: number; areaMm2: number | null } | null;
  spacing: [number, number] | null;
  spacingSource: string | null;
  unit: string;
}

async function storedMeasurements(page: Page, imageId: string): Promise<StoredMeasurement[]> {
  return page.evaluate(async (id) => {
    const r = await (window as unknown as { api: Api }).api.measurements.list({ imageId: id });
    if (!r.ok) throw new Error(JSON.stringify(r.error));
    return r.value as StoredMeasurement[];
  }, imageId);
}

/** The frame's modality values as `imaging:frame` sends them (decoded here, not by the viewer). */
async function frameValues(page: Page, imageId: string): Promise<{ width: number; height: number; values: number[] }> {
  return page.evaluate(async (id) => {
    const r = await (window as unknown as { api: Api }).api.imaging.frame({ id, frame: 0 });
    if (!r.ok) throw new Error(JSON.stringify(r.error));
    const f = r.value;
    // Binary on the wire (the web host's envelope): little-endian values.
    const dv = new DataView(f.data.buffer, f.data.byteOffset, f.data.byteLength);
    const n = f.width * f.height;
    const values: number[] = [];
    for (let i = 0; i < n; i++) values.push(f.encoding === 'int16' ? dv.getInt16(i * 2, true) : f.encoding === 'uint16' ? dv.getUint16(i * 2, true) : dv.getFloat32(i * 4, true));
    return { width: f.width, height: f.height, values };
  }, imageId);
}

/** Numbers in the annotation text Cornerstone draws over the viewport. */
async function annotationText(page: Page): Promise<string> {
  return (await page.getByTestId('stack-viewport').first().locator('svg text').allTextContents()).join(' | ');
}

test('a length and an ROI on a CT match the header spacing and the pixels; a multi-frame MR scrolls and plays', async ({ page }) => {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await openApp(page, host);
  const ct = await imageOf(page, 'CT');
  const [rowMm, colMm] = pixelSpacing(CT);
  await openImage(page, /CT/, 'series-CT');
  const vp = page.getByTestId('stack-viewport').first();
  await expect(vp).not.toHaveAttribute('data-first-pixels-ms', '', { timeout: 30_000 });
  console.log(`viewer: CT first pixels ${await vp.getAttribute('data-first-pixels-ms')} ms, rendering on the ${await vp.getAttribute('data-render')}`);
  // A 512x512 CT is smoothed when magnified (only images of 64 px or less show their pixels).
  await expect(vp).toHaveAttribute('data-pixelated', 'false');
  const box = (await vp.boundingBox())!;
  const zoom = Number(await vp.getAttribute('data-zoom'));
  expect(zoom).toBeGreaterThan(0);

  // A length, drawn with the mouse: 240 screen pixels to the right and 90 down from the centre-left.
  await page.getByTestId('rr-tool-length').click();
  const cx = box.x + box.width / 2;
  const cy = box.y + box.height / 2;
  await drag(page, cx - 150, cy - 40, cx + 90, cy + 50);
  await expect.poll(async () => (await storedMeasurements(page, ct.id)).length, { timeout: 15_000 }).toBe(1);
  const [length] = await storedMeasurements(page, ct.id);
  expect(length!.kind).toBe('length');
  expect(length!.spacingSource).toBe('PixelSpacing');
  const [x0, y0] = length!.points[0]!;
  const [x1, y1] = length!.points[1]!;
  // The points are where the mouse went: 240 x 90 screen pixels at the viewport's zoom.
  expect(Math.abs(x1! - x0!) * zoom).toBeCloseTo(240, -0.5);
  expect(Math.abs(y1! - y0!) * zoom).toBeCloseTo(90, -0.5);
  const expectedMm = Math.hypot((x1! - x0!) * colMm, (y1! - y0!) * rowMm);
  expect(length!.valueMm!).toBeCloseTo(expectedMm, 6);
  // What the viewer shows is the stored value (same spacing, same points).
  await expect.poll(() => annotationText(page)).toContain(`${expectedMm.toFixed(2)} mm`);
  await page.screenshot({ path: shot('1-ct-length') });

  // A rectangle ROI: the stored mean is the mean of the pixels whose centres lie inside it.
  await page.getByTestId('rr-tool-rectangle').click();
  await drag(page, cx - 60, cy + 80, cx + 40, cy + 150);
  await expect.poll(async () => (await storedMeasurements(page, ct.id)).length, { timeout: 15_000 }).toBe(2);
  const roi = (await storedMeasurements(page, ct.id)).find((m) => m.kind === 'rectangle')!;
  const f = await frameValues(page, ct.id);
  const [ax, ay] = roi.points[0]!;
  const [bx, by] = roi.points[1]!;
  const inside: number[] = [];
  for (let r = Math.ceil(Math.min(ay!, by!)); r <= Math.floor(Math.max(ay!, by!)); r++)
    for (let c = Math.ceil(Math.min(ax!, bx!)); c <= Math.floor(Math.max(ax!, bx!)); c++) inside.push(f.values[r * f.width + c]!);
  const mean = inside.reduce((a, b) => a + b, 0) / inside.length;
  expect(roi.unit).toBe('HU');
  expect(roi.stats!.count).toBe(inside.length);
  expect(roi.stats!.mean).toBeCloseTo(mean, 6);
  expect(roi.stats!.min).toBe(Math.min(...inside));
  expect(roi.stats!.max).toBe(Math.max(...inside));
  // Cornerstone's own statistics on screen: the same pixels' mean, in HU.
  await expect.poll(() => annotationText(page)).toMatch(/Mean: -?[\d.]+ HU/);
  const shownMean = Number(/Mean: (-?[\d.]+) HU/.exec(await annotationText(page))![1]);
  expect(Math.abs(shownMean - mean)).toBeLessThan(Math.max(1, Math.abs(mean) * 0.02));
  await page.screenshot({ path: shot('2-ct-roi') });

  // Shown again after a reload: the stored measurements are drawn when the image shows.
  await page.reload();
  await openImage(page, /CT/, 'series-CT');
  await expect.poll(() => annotationText(page), { timeout: 30_000 }).toContain(`${expectedMm.toFixed(2)} mm`);

  // A 10-frame MR: the wheel and the keys scroll its frames, cine plays them.
  await page.getByTestId('imaging-patient').filter({ hasText: /Unassigned|No ID|\(no name\)/i }).first().click();
  await page.getByTestId('thumbnail-grid').locator('.tile').first().dblclick();
  await expect(vp).toHaveAttribute('data-frames', '10', { timeout: 30_000 });
  await expect(vp).toHaveAttribute('data-frame', '0');
  const mrBox = (await vp.boundingBox())!;
  await page.mouse.move(mrBox.x + mrBox.width / 2, mrBox.y + mrBox.height / 2);
  await page.mouse.wheel(0, 120);
  await expect(vp).not.toHaveAttribute('data-frame', '0');
  const afterWheel = Number(await vp.getAttribute('data-frame'));
  // Keys go to the page once the image, not the thumbnail grid, has the focus.
  await page.getByTestId('rr-tool-windowLevel').click();
  await page.mouse.click(mrBox.x + mrBox.width / 2, mrBox.y + mrBox.height / 2);
  await page.keyboard.press('ArrowDown');
  await expect(vp).toHaveAttribute('data-frame', String(afterWheel + 1));
  await page.getByTestId('rr-cine').click();
  await expect(vp).toHaveAttribute('data-playing', 'true');
  const seen = new Set<string>();
  for (let i = 0; i < 12; i++) {
    seen.add((await vp.getAttribute('data-frame'))!);
    await page.waitForTimeout(100);
  }
  expect(seen.size).toBeGreaterThan(3);
  await page.screenshot({ path: shot('3-mr-cine') });
  await page.getByTestId('rr-cine').click();
  await expect(vp).toHaveAttribute('data-playing', 'false');
  expect(Number(await vp.getAttribute('data-cine-late'))).toBe(0);
  expect(errors).toEqual([]);
});
