import path from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import type { Api } from '../../src/shared/ipc/contract';
import type { LabelQueue, LabelSet } from '../../src/shared/domain/labels';
import { freshDataDir, runCli, SHARED_DATA, startHost, type Host } from './fixtures';

// Issue 13, done when: "label 20 thumbnails in grid mode". Real BreastMNIST images through the
// real import (labelled from their folders), a clinician relabels 20 of them in the grid with the
// mouse and the keyboard, and the app's own API shows the 20 labels with her as author.

let host: Host | null = null;
test.afterEach(async () => {
  await host?.stop();
  host = null;
});

const ANA = { username: 'ana', password: 'ana labels the images', name: 'Ana Labeller', role: 'clinician' };
const SET = 'Breast ultrasound';

/** The set's queue under "All images", through the app's own API on this page (the web host's window.api). */
function queueOf(page: Page, labelSetId: string): Promise<LabelQueue> {
  return page.evaluate(async (id) => {
    const api = (globalThis as unknown as { api: Api }).api;
    const r = await api.labels.queue({ labelSetId: id, filter: 'all', limit: 5000 });
    if (!r.ok) throw new Error(r.error.message);
    return r.value;
  }, labelSetId);
}

/** The ids of the tiles shown selected, in page order. */
async function selectedIds(page: Page): Promise<string[]> {
  return page.locator('[data-testid="grid-tile"].selected').evaluateAll((els) => els.map((e) => e.getAttribute('data-image-id')!));
}

test('labels 20 thumbnails in grid mode with the mouse and the keyboard, as the signed-in clinician', async ({ page }) => {
  test.setTimeout(90_000);
  const dataDir = freshDataDir();
  const imported = await runCli(['import', path.join(SHARED_DATA, 'images', 'breastmnist', 'val'), '--labels-from-folders', '--label-set', SET, '--data-dir', dataDir, '--json']);
  expect(imported.code, imported.stderr).toBe(0);
  const total = (JSON.parse(imported.stdout) as { imported: number }).imported;
  expect(total).toBeGreaterThan(60);
  const added = await runCli(['users', 'add', '--username', ANA.username, '--name', ANA.name, '--role', ANA.role, '--data-dir', dataDir], { CARELENS_NEW_PASSWORD: ANA.password });
  expect(added.code, added.stderr).toBe(0);
  host = await startHost(dataDir);

  await page.goto(host.loginUrl);
  // The sign-in link redirects to the app, whose script then defines window.api.
  await page.waitForFunction(() => typeof (globalThis as unknown as { api?: Api }).api?.auth?.login === 'function');
  const login = await page.evaluate(async ([u, p]) => {
    const api = (globalThis as unknown as { api: Api }).api;
    await api.auth.logout({});
    return api.auth.login({ username: u!, password: p! });
  }, [ANA.username, ANA.password]);
  expect(login.ok, JSON.stringify(login)).toBe(true);
  await page.reload();
  await page.getByTestId('nav-label').click();
  await expect(page.getByTestId('label-view')).toBeVisible();
  const set: LabelSet = await page.evaluate(async (name) => {
    const r = await (globalThis as unknown as { api: Api }).api.labels.getSet({ labelSetId: name });
    if (!r.ok) throw new Error(r.error.message);
    return r.value;
  }, SET);
  const [first, second] = set.classes.map((c) => c.name) as [string, string];

  // Every image came labelled from its folder: the grid shows them all under "All images".
  await page.getByTestId('label-filter').selectOption('all');
  await page.getByTestId('layout-grid').click();
  const tiles = page.getByTestId('grid-tile');
  await expect(tiles.first()).toBeVisible();
  const onPage = await tiles.count();
  // The page fits the window (1400 × 900 here): every tile in view, no scrolling.
  expect(onPage).toBeGreaterThanOrEqual(24);
  expect(onPage).toBeLessThanOrEqual(120);
  await expect(tiles.first().locator('img')).toBeVisible();
  await expect(page.getByTestId('grid-page')).toContainText(`Page 1 of ${Math.ceil(total / onPage)}`);

  // Mouse: click the first tile, Shift+click the tenth: ten selected. Key 2 labels them.
  await tiles.nth(0).click();
  await tiles.nth(9).click({ modifiers: ['Shift'] });
  const byMouse = await selectedIds(page);
  expect(byMouse).toHaveLength(10);
  await expect(page.getByTestId('grid-selected')).toHaveText('10 selected');
  await page.screenshot({ path: 'test-results/label-grid-selection.png' });
  await page.keyboard.press('2');
  await expect(page.getByTestId('label-notice')).toHaveText(`Labelled 10 images as ${second}.`);
  for (const id of byMouse) await expect(page.locator(`[data-testid="grid-tile"][data-image-id="${id}"] [data-testid="tile-label"]`)).toHaveText(`2 ${second}`);

  // Keyboard: down a row, Space starts a selection there, Shift+→ nine times extends it. Key 1.
  await page.keyboard.press('ArrowDown');
  // The cursor (dashed outline) moved to the tile right below the tenth: the arrows move by the columns drawn.
  const [was, cursor] = await Promise.all([tiles.nth(9).boundingBox(), page.locator('[data-testid="grid-tile"].cursor').boundingBox()]);
  expect(cursor!.x).toBeCloseTo(was!.x, 0);
  expect(cursor!.y).toBeGreaterThan(was!.y + was!.height - 1);
  await page.keyboard.press('Space');
  for (let i = 0; i < 9; i++) await page.keyboard.press('Shift+ArrowRight');
  const byKeys = await selectedIds(page);
  expect(byKeys).toHaveLength(10);
  expect(byKeys.filter((id) => byMouse.includes(id))).toEqual([]);
  await page.keyboard.press('1');
  await expect(page.getByTestId('label-notice')).toHaveText(`Labelled 10 images as ${first}.`);
  await expect(page.getByTestId('grid-selected')).toHaveText('0 selected');
  await expect(page.locator('[data-testid="grid-tile"]').last()).toBeInViewport();
  await page.screenshot({ path: 'test-results/label-grid-labelled.png' });

  // Through the app's API: the 20 carry those labels, set by hand by Ana.
  const queue = await queueOf(page, set.id);
  const now = new Map(queue.items.map((i) => [i.imageId, i]));
  for (const id of byMouse) expect(now.get(id), id).toMatchObject({ className: second, author: 'ana', source: 'hand' });
  for (const id of byKeys) expect(now.get(id), id).toMatchObject({ className: first, author: 'ana', source: 'hand' });
  expect(queue.items.filter((i) => i.author === 'ana')).toHaveLength(20);

  // Z undoes the whole last batch: those ten go back to their imported labels.
  await page.keyboard.press('z');
  await expect(page.getByTestId('label-notice')).toHaveText('Undone: 10 images back to their previous labels.');
  const after = await queueOf(page, set.id);
  const undone = new Map(after.items.map((i) => [i.imageId, i]));
  for (const id of byKeys) expect(undone.get(id)?.source, id).toBe('imported');
  for (const id of byMouse) expect(undone.get(id), id).toMatchObject({ className: second, author: 'ana' });

  // Page Down shows the next page; "?" lists the page's shortcuts.
  await page.keyboard.press('PageDown');
  await expect(page.getByTestId('grid-page')).toContainText('Page 2 of');
  // A box dragged from the first tile to the second tile of the next row selects those four.
  const cols = await page.getByTestId('grid-tile').evaluateAll((els) => els.filter((e) => (e as HTMLElement).offsetTop === (els[0] as HTMLElement).offsetTop).length);
  const [a, b] = await Promise.all([tiles.nth(0).boundingBox(), tiles.nth(cols + 1).boundingBox()]);
  await page.mouse.move(a!.x + 10, a!.y + 10);
  await page.mouse.down();
  await page.mouse.move(a!.x + 40, a!.y + 40);
  await page.mouse.move(b!.x + b!.width / 2, b!.y + b!.height / 2);
  await page.mouse.up();
  await expect(page.getByTestId('grid-selected')).toHaveText('4 selected');
  await page.keyboard.press('Escape');
  await expect(page.getByTestId('grid-selected')).toHaveText('0 selected');
  await page.keyboard.press('?');
  await expect(page.getByTestId('shortcut-help')).toContainText('Label the selected images');
  await page.screenshot({ path: 'test-results/label-grid-help.png' });
  await page.keyboard.press('Escape');
  await expect(page.getByTestId('shortcut-help')).toHaveCount(0);
});
