import path from 'node:path';
import { expect, test } from '@playwright/test';
import { freshDataDir, openApp, runCli, SHARED_DATA, startHost, type Host } from './fixtures';

/**
 * The reading room (issue 13): a 2x2 layout filled by dragging series from the browser, each cell
 * with its own overlays; maximise and restore; keys that keep working after a toolbar click; "?";
 * W/L, frame n/N, orientation letters and a scale bar where the header has the spacing.
 */
let host: Host;

// A few series, imported through the CLI before the host starts (the Import page has its own spec):
// a patient with a CT and an OT study (CompressedSamples CT1), an axial CT series (MISTER CT), an
// enhanced two-frame CT (Perfusion), an ultrasound without Pixel Spacing (TEST).
test.beforeAll(async () => {
  const dataDir = freshDataDir();
  for (const folder of ['cornerstonejs_cornerstone3D', 'cornerstonejs_dicomParser', 'pydicom_pydicom-data']) {
    const r = await runCli(['import', path.join(SHARED_DATA, 'dicom', folder), '--data-dir', dataDir, '--json']);
    expect(r.code, r.stderr).toBe(0);
  }
  host = await startHost(dataDir);
});
test.afterAll(async () => {
  await host?.stop();
});

const shot = (name: string) => path.join('test-results', 'reading-room-screens', `${name}.png`);

test('2x2 with dragged series, maximise, keys after toolbar clicks, "?", and the overlays', async ({ page }) => {
  test.setTimeout(90_000);
  await openApp(page, host);
  await page.getByTestId('nav-images').click();

  // A patient with two studies, a CT series of two images and an OT (a parametric map).
  await page.getByRole('button', { name: /^CompressedSamples CT1/ }).click();
  const browser = page.getByTestId('series-browser');
  await expect(browser.getByRole('button', { name: /Aug 2004/ })).toBeVisible();
  await page.getByTestId('rr-layout-2x2').click();
  const grid = page.getByTestId('viewport-grid');
  await expect(grid).toHaveAttribute('data-layout', '2x2');

  const cell = (i: number) => page.getByTestId(`viewport-cell-${i}`);
  const shows = async (i: number, modality: string, place: string) => {
    await expect(cell(i)).toHaveAttribute('data-active', 'true');
    await expect(cell(i).getByTestId('overlay-modality')).toHaveText(modality, { timeout: 30_000 });
    await expect(cell(i).getByTestId('overlay-image')).toHaveText(place);
  };
  // Series dragged from the browser: the CT series (2 images) and the OT.
  await browser.getByRole('button', { name: /Aug 2004/ }).click();
  await browser.getByTestId('series-CT').dragTo(cell(0));
  await shows(0, 'CT', 'Im 1 / 2');
  await browser.getByRole('button', { name: /Jan 2004/ }).click();
  await browser.getByTestId('series-OT').dragTo(cell(1));
  await shows(1, 'OT', 'Im 1 / 1');
  // Single images dragged from the thumbnails: the OT's, then the CT's second.
  await browser.getByTestId('thumb-0').dragTo(cell(2));
  await shows(2, 'OT', 'Im 1 / 1');
  await browser.getByRole('button', { name: /Aug 2004/ }).click();
  await expect(page.getByTestId('grid-title')).toContainText('CT');
  await browser.getByTestId('thumb-1').dragTo(cell(3));
  await shows(3, 'CT', 'Im 1 / 1');
  const plan: [RegExp, string][] = [
    [/Aug/, 'CT'],
    [/Jan/, 'OT'],
    [/Jan/, 'OT'],
    [/Aug/, 'CT'],
  ];
  // The two CT cells show different images of the series.
  expect(await cell(0).getAttribute('data-image-id')).not.toBe(await cell(3).getAttribute('data-image-id'));
  // Each cell keeps its own series, patient and window.
  for (const [i, [month, modality]] of plan.entries()) {
    await expect(cell(i).getByTestId('overlay-modality')).toHaveText(modality);
    await expect(cell(i).getByTestId('overlay-patient')).toHaveText('CompressedSamples CT1');
    await expect(cell(i).getByTestId('overlay-study')).toContainText(month);
    // The parametric map's float window as it is (not rounded to "W 1 / L 1"); the CT's whole numbers.
    await expect(cell(i).getByTestId('overlay-wl')).toHaveText(modality === 'OT' ? 'W 1 / L 0.5' : /^W \d+ \/ L -?\d+$/);
  }
  // The CT has Pixel Spacing 0.661468 mm: a scale bar.
  await expect(cell(0).getByTestId('overlay-scale')).toHaveText(/^\d+ mm$/);
  await page.screenshot({ path: shot('1-2x2') });

  // Maximise by double-click, restore with Esc.
  await cell(2).dblclick();
  await expect(grid).toHaveAttribute('data-layout', 'maximised');
  await expect(cell(2)).toBeVisible();
  await expect(cell(0)).toBeHidden();
  await page.screenshot({ path: shot('2-maximised') });
  await page.keyboard.press('Escape');
  await expect(grid).toHaveAttribute('data-layout', '2x2');
  await expect(cell(0)).toBeVisible();

  // A toolbar click leaves the focus on a button: the keys still act on the active cell.
  await cell(1).click();
  await page.getByTestId('rr-tool-pan').click();
  await expect(page.getByTestId('rr-tool-pan')).toBeFocused();
  const before = await cell(1).getAttribute('data-invert');
  await page.keyboard.press('i');
  await expect(cell(1)).toHaveAttribute('data-invert', before === 'true' ? 'false' : 'true');
  await page.getByTestId('rr-overlays').click();
  await expect(cell(1).getByTestId('viewport-overlay')).toHaveCount(0);
  await page.keyboard.press('o');
  await expect(cell(1).getByTestId('viewport-overlay')).toBeVisible();
  await page.keyboard.press('m');
  await expect(grid).toHaveAttribute('data-layout', 'maximised');
  await expect(cell(1)).toHaveAttribute('data-maximised', 'true');
  await page.keyboard.press('Escape');
  await expect(grid).toHaveAttribute('data-layout', '2x2');

  // "?" lists the page's keys, from the table that drives them.
  await page.keyboard.press('?');
  const help = page.getByTestId('shortcut-help');
  await expect(help).toBeVisible();
  await expect(help).toContainText('Maximise or restore the active viewport');
  await expect(help).toContainText('Play or stop cine');
  await page.screenshot({ path: shot('3-help') });
  await page.keyboard.press('Escape');
  await expect(help).toBeHidden();

  // The tags drawer lies over the viewports, one value per line, searchable.
  await page.keyboard.press('t');
  const tags = page.getByTestId('viewer-tags-panel');
  await expect(tags).toContainText('(0008,0060)');
  await page.screenshot({ path: shot('4-tags') });
  await page.getByTestId('tags-filter').fill('0028,0004');
  await expect(tags.locator('tr')).toHaveCount(1);
  const valueCell = tags.locator('td.value').first();
  const box = (await valueCell.boundingBox())!;
  expect(box.height).toBeLessThan(30);
  await page.getByTestId('tags-close').click();
  await expect(tags).toBeHidden();

  // The measurements drawer (Shift+M), closed with Esc.
  await page.keyboard.press('Shift+M');
  await expect(page.getByTestId('measurements-drawer')).toBeVisible();
  // The active cell is in the right column: the drawer opens on the left, leaving it in view.
  const drawerBox = (await page.getByTestId('measurements-drawer').boundingBox())!;
  const gridBox = (await grid.boundingBox())!;
  expect(drawerBox.x + drawerBox.width).toBeLessThan(gridBox.x + gridBox.width / 2 + 10);
  await page.screenshot({ path: shot('4b-measurements') });
  await page.keyboard.press('Escape');
  await expect(page.getByTestId('measurements-drawer')).toBeHidden();

  // The side panel folds away (button or key), giving the viewports the width.
  const withPanel = (await grid.boundingBox())!.width;
  await page.getByTestId('rr-browser').click();
  await expect(browser).toBeHidden();
  // 1,400 px window: the viewports get everything right of the app's sidebar but the margins.
  await expect.poll(async () => (await grid.boundingBox())!.width).toBeGreaterThan(withPanel + 250);
  expect((await grid.boundingBox())!.width).toBeGreaterThan(1150);
  await page.screenshot({ path: shot('5-panel-folded') });
  await page.keyboard.press('s');
  await expect(browser).toBeVisible();
});

test('orientation letters and a scale bar from the header, frames of a multi-frame file', async ({ page }) => {
  test.setTimeout(60_000);
  await openApp(page, host);
  await page.getByTestId('nav-images').click();

  // An axial CT with Pixel Spacing 0.675781 mm and orientation 1\0\0\0\1\0.
  await page.getByRole('button', { name: /^MISTER CT/ }).click();
  const c0 = page.getByTestId('viewport-cell-0');
  await expect(c0.getByTestId('overlay-image')).toHaveText(/^Im 1 \/ \d+$/, { timeout: 30_000 });
  await expect(c0.getByTestId('overlay-orient-left')).toHaveText('R');
  await expect(c0.getByTestId('overlay-orient-right')).toHaveText('L');
  await expect(c0.getByTestId('overlay-orient-top')).toHaveText('A');
  await expect(c0.getByTestId('overlay-orient-bottom')).toHaveText('P');
  const scale = c0.getByTestId('overlay-scale');
  await expect(scale).toBeVisible();
  await expect(scale).toHaveText(/^\d+ mm$/);
  await expect(c0.getByTestId('overlay-series')).toContainText('HELICAL CHEST');
  await page.screenshot({ path: shot('6-ct-scale') });

  // The CT preset keys apply to a CT.
  await page.keyboard.press('3');
  await expect(c0.getByTestId('overlay-wl')).toHaveText('W 1500 / L -600');

  // A two-frame enhanced CT: frame 1/2, then 2/2 with the arrow key.
  await page.getByRole('button', { name: /^Perfusion/ }).click();
  await expect(c0.getByTestId('overlay-frame')).toHaveText('Fr 1 / 2', { timeout: 30_000 });
  await page.keyboard.press('ArrowDown');
  await expect(c0.getByTestId('overlay-frame')).toHaveText('Fr 2 / 2');
  await page.screenshot({ path: shot('7-multiframe') });
  // Cine: P plays at the toolbar's rate, P again stops.
  await page.getByTestId('rr-fps').fill('10');
  await page.getByTestId('rr-cine').focus();
  await page.keyboard.press('p');
  await expect(c0).toHaveAttribute('data-playing', 'true');
  await expect(c0.getByTestId('overlay-cine')).toHaveText('Cine 10 fps');
  await page.keyboard.press('p');
  await expect(c0).toHaveAttribute('data-playing', 'false');

  // An ultrasound without Pixel Spacing (its calibration is only in Ultrasound Regions): no scale bar.
  await page.getByRole('button', { name: /^TEST MRN 1234/ }).click();
  await expect(c0.getByTestId('overlay-modality')).toHaveText('US', { timeout: 30_000 });
  await expect(c0.getByTestId('overlay-uncalibrated')).toHaveText('uncalibrated');
  await expect(c0.getByTestId('overlay-scale')).toHaveCount(0);
});
