import fs from 'node:fs';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { openApp, runCli, SHARED_DATA, startHost, type Host } from './fixtures';

/**
 * The measurement list in the reading room (docs/measurements.md): measurements made with the CLI
 * (computed in the main process) show in the Measurements drawer with their values and units, the
 * spacing source, the author and the time; removing one asks first, and the main process no
 * longer lists it. Screenshots in test-results/measurements-*.png.
 */

const CT = path.join(SHARED_DATA, 'dicom/cornerstonejs_cornerstone3D/CTImage.dcm_LittleEndianExplicitTransferSyntax_1.2.840.10008.1.2.1.dcm');
const SHOTS = path.resolve(__dirname, '../../test-results');

let host: Host;
let imageId = '';
const made: Record<string, { valueMm?: number; value?: number; mean?: number }> = {};

test.beforeAll(async () => {
  host = await startHost();
  fs.mkdirSync(SHOTS, { recursive: true });
  const cli = async (args: string[]) => {
    const r = await runCli([...args, '--data-dir', host.dataDir, '--json']);
    expect(r.code, r.stderr).toBe(0);
    return JSON.parse(r.stdout);
  };
  await cli(['import', CT]);
  imageId = (await cli(['images', 'list'])).items[0].id;
  made.length = await cli(['measurements', 'add', '--image', imageId, '--length', '100,200,400,200']);
  made.probe = await cli(['measurements', 'add', '--image', imageId, '--probe', '256,256']);
  made.rect = await cli(['measurements', 'add', '--image', imageId, '--rect', '200,200,260,240']);
});
test.afterAll(async () => {
  await host?.stop();
});

test('the Measurements drawer lists values with units, spacing source, author and time; remove asks first', async ({ page }) => {
  await openApp(page, host);
  await page.getByTestId('nav-images').click();
  await page.getByTestId('imaging-patient').filter({ hasText: /CT/ }).first().click();
  await page.getByTestId('series-browser').locator('.list.nested button').first().click();
  await page.getByTestId('series-CT').first().click();
  await page.getByTestId('thumbnail-grid').locator('.tile').first().dblclick();
  await page.getByTestId('rr-measurements').click();

  const drawer = page.getByTestId('measurements-drawer');
  const items = drawer.getByTestId('measurement-item');
  await expect(items).toHaveCount(3, { timeout: 20_000 });
  // 300 px x 0.675781 mm = 202.73 mm; the probe's HU and the ROI's mean as the main process computed them.
  await expect(items.nth(0).getByTestId('measurement-value')).toHaveText(`${made.length!.valueMm!.toFixed(2)} mm`);
  await expect(items.nth(1).getByTestId('measurement-value')).toContainText(`${made.probe!.value} HU`);
  await expect(items.nth(2)).toContainText(`mean ${made.rect!.mean!.toFixed(1)} HU`);
  for (let i = 0; i < 3; i++) {
    await expect(items.nth(i).getByTestId('measurement-source')).toHaveText('Pixel Spacing');
    await expect(items.nth(i)).toContainText('system');
  }
  await page.screenshot({ path: path.join(SHOTS, 'measurements-1-drawer.png') });

  await items.nth(1).getByTestId('measurement-remove').click();
  await expect(drawer.getByTestId('measurement-remove-confirm')).toBeVisible();
  await page.screenshot({ path: path.join(SHOTS, 'measurements-2-confirm.png') });
  await drawer.getByTestId('measurement-remove-confirm').click();
  await expect(items).toHaveCount(2);
  const listed = await page.evaluate(async (id) => {
    const r = await (window as unknown as { api: { measurements: { list(i: { imageId: string }): Promise<{ ok: boolean; value: { kind: string }[] }> } } }).api.measurements.list({ imageId: id });
    return r.value.map((m) => m.kind);
  }, imageId);
  expect(listed).toEqual(['length', 'rectangle']);
});
