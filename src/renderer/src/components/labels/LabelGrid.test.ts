import { flushPromises, mount } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Api } from '../../../../shared/ipc/contract';
import type { LabelBatchResult, LabelSet, QueueItem } from '../../../../shared/domain/labels';
import { setApi } from '../../api';
import LabelView from '../../views/LabelView.vue';
import { LABEL_SHORTCUTS, findShortcut, keyCaps } from './labelShortcuts';

const set: LabelSet = {
  id: 's1',
  name: 'Breast',
  description: '',
  classes: [
    { idx: 0, name: 'malignant', count: 0 },
    { idx: 1, name: 'benign', count: 0 },
  ],
  scope: [],
  createdAt: '2026-01-01T00:00:00Z',
  createdBy: 'ana',
  images: 60,
  labeled: 0,
  reviewed: 0,
};
const ids = Array.from({ length: 60 }, (_, i) => `img-${String(i).padStart(2, '0')}`);
const item = (imageId: string, className: string | null = null): QueueItem => ({
  imageId,
  className,
  source: className ? 'hand' : null,
  author: className ? 'ana' : null,
  labeledAt: className ? '2026-01-02T00:00:00Z' : null,
  uncertainty: null,
  skipped: false,
  review: null,
});

/** A fake main process for the grid: batches answer as the real channels would, row ids counting up. */
function fakeApi() {
  const ok = <T>(value: T) => ({ ok: true as const, value });
  let nextRow = 100;
  const imageOfRow = new Map<number, string>();
  const labels = {
    sets: vi.fn(async () => ok([set])),
    queue: vi.fn(async () => ok({ labelSetId: 's1', filter: 'next', items: ids.map((id) => item(id)), total: 60, ordering: 'import', modelNote: null })),
    image: vi.fn(async () => ({ ok: false as const, error: { code: 'NOT_FOUND', message: 'not in this test' } })),
    agreement: vi.fn(async () => ok({ labelSetId: 's1', reviewed: 0, agreed: 0, rate: null, kappa: null, classes: ['malignant', 'benign'], confusion: [] })),
    setMany: vi.fn(async ({ imageIds, className }: { imageIds: string[]; className: string }) =>
      ok<LabelBatchResult>({
        labelSetId: 's1',
        items: imageIds.map((id) => item(id, className)),
        written: imageIds.map((imageId) => {
          imageOfRow.set(nextRow, imageId);
          return { imageId, labelId: nextRow++ };
        }),
      }),
    ),
    undoMany: vi.fn(async ({ labelIds }: { labelIds: number[] }) => {
      const undone = labelIds.map((n) => imageOfRow.get(n)!);
      return ok<LabelBatchResult>({ labelSetId: 's1', items: undone.map((id) => item(id)), written: undone.map((imageId) => ({ imageId, labelId: nextRow++ })) });
    }),
  };
  const imaging = {
    image: vi.fn(async ({ id }: { id: string }) => ok({ id, patientId: id === 'img-00' ? 'pA' : null })),
    thumbnails: vi.fn(async ({ ids: asked }: { ids: string[] }) => ok(asked.map((imageId) => ({ imageId, dataUrl: `data:image/png;base64,${imageId}` })))),
  };
  const patients = {
    summaries: vi.fn(async ({ ids: asked }: { ids: string[] }) =>
      ok(asked.map((id) => ({ patient: { id, mrn: 'A1', name: 'Alice Able', birthDate: null, sex: 'U', notes: '', createdAt: '', updatedAt: '' }, allergies: { patientId: id, status: 'not-recorded', allergies: [], noneKnown: null } }))),
    ),
  };
  return { labels, imaging, patients } as unknown as Api & { labels: typeof labels; imaging: typeof imaging };
}

function press(key: string, init: KeyboardEventInit = {}) {
  window.dispatchEvent(new KeyboardEvent('keydown', { key, cancelable: true, ...init }));
}

async function settle() {
  for (let i = 0; i < 6; i++) {
    await new Promise((r) => setTimeout(r, 5));
    await flushPromises();
  }
}

const mounted: { unmount(): void }[] = [];
beforeEach(() => setActivePinia(createPinia()));
afterEach(() => {
  for (const w of mounted.splice(0)) w.unmount();
  setApi(null);
});

async function openGrid() {
  const api = fakeApi();
  setApi(api);
  const wrapper = mount(LabelView, { attachTo: document.body, global: { stubs: { ImageViewer: true } } });
  mounted.push(wrapper);
  await settle();
  await wrapper.get('[data-testid="layout-grid"]').trigger('click');
  await settle();
  const tiles = () => wrapper.findAll('[data-testid="grid-tile"]');
  const labelOf = (i: number) => tiles()[i]!.get('[data-testid="tile-label"]').text();
  return { api, wrapper, tiles, labelOf };
}

describe('grid labelling', () => {
  it('shows a page of thumbnails with their labels, and fetches the next page’s ahead', async () => {
    const { api, wrapper, tiles, labelOf } = await openGrid();
    expect(api.labels.queue).toHaveBeenLastCalledWith(expect.objectContaining({ labelSetId: 's1', filter: 'next', limit: 5000 }));
    // No layout in jsdom: the smallest page, 48 tiles.
    expect(tiles()).toHaveLength(48);
    expect(tiles()[0]!.get('img').attributes('src')).toBe('data:image/png;base64,img-00');
    expect(api.imaging.thumbnails.mock.calls.map((c) => c[0].ids.length)).toEqual([48, 12]);
    expect(labelOf(0)).toBe('no label');
    // The patient banner names the patient of the image under the cursor.
    expect(wrapper.get('[data-testid="banner-name"]').text()).toBe('Alice Able');
    press('ArrowRight');
    await settle();
    expect(wrapper.get('[data-testid="patient-banner"]').text()).toBe('No patient (unassigned image)');
  });

  it('keys: arrows move the cursor, Shift+arrows extend, Space toggles, a class key labels the selection in one call; Z undoes the batch', async () => {
    const { api, wrapper, tiles, labelOf } = await openGrid();
    press('ArrowRight');
    press('ArrowRight', { shiftKey: true });
    press('ArrowRight', { shiftKey: true });
    // Down one row (8 columns without layout) moves the cursor only; Space adds that tile.
    press('ArrowDown');
    press(' ');
    await settle();
    expect(wrapper.get('[data-testid="grid-selected"]').text()).toBe('4 selected');
    expect(tiles()[3]!.classes()).toContain('selected');
    expect(tiles()[11]!.classes()).toEqual(expect.arrayContaining(['selected', 'cursor']));
    press('1');
    await settle();
    expect(api.labels.setMany).toHaveBeenCalledWith({ labelSetId: 's1', imageIds: ['img-01', 'img-02', 'img-03', 'img-11'], className: 'malignant' });
    expect([1, 2, 3, 11].map(labelOf)).toEqual(['1 malignant', '1 malignant', '1 malignant', '1 malignant']);
    expect(labelOf(0)).toBe('no label');
    expect(wrapper.get('[data-testid="grid-selected"]').text()).toBe('0 selected');
    expect(wrapper.get('[data-testid="label-notice"]').text()).toBe('Labelled 4 images as malignant.');

    press('z');
    await settle();
    expect(api.labels.undoMany).toHaveBeenCalledWith({ labelSetId: 's1', labelIds: [100, 101, 102, 103] });
    expect([1, 2, 3, 11].map(labelOf)).toEqual(['no label', 'no label', 'no label', 'no label']);
    expect(wrapper.get('[data-testid="label-notice"]').text()).toBe('Undone: 4 images back to their previous labels.');
  });

  it('mouse: click, Shift+click a range, Ctrl+click one more; Ctrl+A takes the page; Page Down pages', async () => {
    const { api, wrapper, tiles } = await openGrid();
    await tiles()[20]!.trigger('click');
    await tiles()[23]!.trigger('click', { shiftKey: true });
    await tiles()[30]!.trigger('click', { ctrlKey: true });
    press('2');
    await settle();
    expect(api.labels.setMany).toHaveBeenLastCalledWith({ labelSetId: 's1', imageIds: ['img-20', 'img-21', 'img-22', 'img-23', 'img-30'], className: 'benign' });

    press('PageDown');
    await settle();
    expect(wrapper.get('[data-testid="grid-page"]').text()).toBe('Page 2 of 2');
    expect(tiles()).toHaveLength(12);
    press('a', { ctrlKey: true });
    await wrapper.get('[data-testid="grid-class-1"]').trigger('click');
    await settle();
    expect(api.labels.setMany).toHaveBeenLastCalledWith({ labelSetId: 's1', imageIds: ids.slice(48), className: 'malignant' });
    press('PageUp');
    await settle();
    expect(wrapper.get('[data-testid="grid-page"]').text()).toBe('Page 1 of 2');
  });

  it('"?" lists every shortcut of the page from the table the keys are read from; G goes back to one image', async () => {
    const { wrapper } = await openGrid();
    press('?', { shiftKey: true });
    await settle();
    const help = wrapper.get('[data-testid="shortcut-help"]');
    for (const s of LABEL_SHORTCUTS) for (const k of s.keys) for (const cap of keyCaps(k)) expect(help.text()).toContain(cap);
    expect(help.text()).toContain('Label the selected images (or the tile under the cursor) with class 1 to 9');
    expect(help.text()).toContain('Skip the image (set it aside for you)');
    // While it is open the page's keys do nothing; Esc closes it.
    press('Escape');
    await settle();
    expect(wrapper.find('[data-testid="shortcut-help"]').exists()).toBe(false);
    press('g');
    await settle();
    expect(wrapper.find('[data-testid="label-grid"]').exists()).toBe(false);
    expect(wrapper.get('[data-testid="layout-single"]').attributes('aria-pressed')).toBe('true');
  });

  it('every shortcut in the table is reachable: its own keys find it in its layout and mode', () => {
    for (const s of LABEL_SHORTCUTS) {
      for (const k of s.keys) {
        const key = k.key === '1-9' ? '5' : k.key;
        const found = findShortcut({ key, ctrlKey: Boolean(k.ctrl), metaKey: false, shiftKey: Boolean(k.shift), altKey: false }, s.layout === 'any' ? 'grid' : s.layout, s.mode ?? 'label');
        expect(found?.shortcut, `${s.id} ${k.key}`).toBe(s);
      }
    }
    // A key with Alt, or Ctrl where the table has none, is not a shortcut.
    expect(findShortcut({ key: '1', ctrlKey: false, metaKey: false, shiftKey: false, altKey: true }, 'grid', 'label')).toBeNull();
    expect(findShortcut({ key: 's', ctrlKey: true, metaKey: false, shiftKey: false, altKey: false }, 'single', 'label')).toBeNull();
  });
});
