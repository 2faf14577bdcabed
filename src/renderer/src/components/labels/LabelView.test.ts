import { flushPromises, mount } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Api } from '../../../../shared/ipc/contract';
import type { ImageLabelDetail, LabelSet, QueueItem } from '../../../../shared/domain/labels';
import { setApi } from '../../api';
import LabelView from '../../views/LabelView.vue';
import { useAuthStore } from '../../stores/auth';

const set: LabelSet = {
  id: 's1',
  name: 'CXR',
  description: '',
  classes: [
    { idx: 0, name: 'normal', count: 0 },
    { idx: 1, name: 'pneumonia', count: 0 },
  ],
  scope: [],
  createdAt: '2026-01-01T00:00:00Z',
  createdBy: 'ana',
  images: 3,
  labeled: 0,
  reviewed: 0,
};
const ids = ['img-a', 'img-b', 'img-c'];
const item = (imageId: string): QueueItem => ({ imageId, className: null, source: null, author: null, labeledAt: null, uncertainty: null, skipped: false, review: null });

function detail(imageId: string, className: string | null, extra: Partial<ImageLabelDetail> = {}): ImageLabelDetail {
  return {
    labelSetId: 's1',
    image: { id: imageId, patientId: null, format: 'png', rows: 2, columns: 2, frames: 1, modality: '', originalPath: `/data/0_normal/${imageId}.png`, importId: 'i1', predefinedSplit: null, createdAt: '2026-01-01T00:00:00Z' },
    current: className ? { id: 1, imageId, labelSetId: 's1', className, source: 'hand', author: 'ana', createdAt: '2026-01-01T00:00:00Z', note: '', undoneBy: null, undoes: null } : null,
    history: [],
    review: null,
    reviews: [],
    skipped: false,
    uncertainty: null,
    canUndo: Boolean(className),
    ...extra,
  };
}

/** A fake main process: records what the view asks, answers like the real channels would. */
function fakeApi() {
  const ok = <T>(value: T) => ({ ok: true as const, value });
  // Label calls answer after a delay, as over IPC, so fast key presses overlap.
  const slow = <T>(value: T) => new Promise<{ ok: true; value: T }>((r) => setTimeout(() => r(ok(value)), 5));
  const labels = {
    sets: vi.fn(async () => ok([set])),
    queue: vi.fn(async () => ok({ labelSetId: 's1', filter: 'next', items: ids.map(item), total: 3, ordering: 'import', modelNote: 'No model has scored these images yet.' })),
    image: vi.fn(async ({ imageId }: { imageId: string }) => ok(detail(imageId, null))),
    set: vi.fn(({ imageId, className }: { imageId: string; className: string }) => slow(detail(imageId, className))),
    undo: vi.fn(({ imageId }: { imageId: string }) => slow(detail(imageId, null))),
    skip: vi.fn(({ imageId }: { imageId: string }) => slow(detail(imageId, null, { skipped: true }))),
    review: vi.fn(({ imageId, className }: { imageId: string; className?: string }) => slow(detail(imageId, className ?? 'normal'))),
    agreement: vi.fn(async () => ok({ labelSetId: 's1', reviewed: 0, agreed: 0, rate: null, kappa: null, classes: ['normal', 'pneumonia'], confusion: [] })),
    imports: vi.fn(async () => ok([])),
  };
  const imaging = {
    frame: vi.fn(async ({ id }: { id: string }) =>
      ok({ imageId: id, frame: 0, frames: 1, width: 2, height: 2, samples: 1, encoding: 'uint16', data: btoa('\0\0\x01\0\x02\0\x03\0'), photometric: 'MONOCHROME2', modality: '', windowCenter: 1.5, windowWidth: 3, windowFromFile: false, invert: false, min: 0, max: 3, decodeMs: 0 }),
    ),
  };
  return { labels, imaging } as unknown as Api & { labels: typeof labels; imaging: typeof imaging };
}

function press(key: string, init: KeyboardEventInit = {}) {
  window.dispatchEvent(new KeyboardEvent('keydown', { key, ...init }));
}

async function settle() {
  for (let i = 0; i < 10; i++) {
    await new Promise((r) => setTimeout(r, 10));
    await flushPromises();
  }
}

// The viewer is stubbed: its pixels are the imaging feature's (and Cornerstone's) business; this
// checks which image each of the view's two viewer slots is given.
const mounted: { unmount(): void }[] = [];
function mountView() {
  const wrapper = mount(LabelView, { attachTo: document.body, global: { stubs: { ImageViewer: true } } });
  mounted.push(wrapper);
  return wrapper;
}

beforeEach(() => setActivePinia(createPinia()));
afterEach(() => {
  // A failed test must not leave its window key listener behind for the next one.
  for (const w of mounted.splice(0)) w.unmount();
  setApi(null);
});

describe('LabelView keyboard', () => {
  it('number keys typed fast label successive images; Z undoes the last; S skips; arrows move', async () => {
    const api = fakeApi();
    setApi(api);
    const wrapper = mountView();
    await settle();
    expect(wrapper.get('[data-testid="label-position"]').text()).toBe('1 / 3');
    // Prefetch: the second viewer slot holds the next image, and its label was asked for, before any key press.
    expect(api.labels.image.mock.calls.map((c) => c[0].imageId)).toEqual(expect.arrayContaining(['img-a', 'img-b']));
    expect(wrapper.get('[data-testid="label-image-next"]').attributes('data-image-id')).toBe('img-b');

    press('1');
    press('2');
    await settle();
    expect(api.labels.set.mock.calls.map((c) => [c[0].imageId, c[0].className])).toEqual([
      ['img-a', 'normal'],
      ['img-b', 'pneumonia'],
    ]);
    expect(wrapper.get('[data-testid="label-position"]').text()).toBe('3 / 3');

    press('z', { ctrlKey: true });
    await settle();
    expect(api.labels.undo).toHaveBeenCalledWith({ labelSetId: 's1', imageId: 'img-b' });
    expect(wrapper.get('[data-testid="label-position"]').text()).toBe('2 / 3');

    press('s');
    await settle();
    expect(api.labels.skip).toHaveBeenCalledWith({ labelSetId: 's1', imageId: 'img-b', skipped: true });
    expect(wrapper.get('[data-testid="label-position"]').text()).toBe('3 / 3');
    press('ArrowLeft');
    press('ArrowLeft');
    await settle();
    expect(wrapper.get('[data-testid="label-position"]').text()).toBe('1 / 3');
    expect(wrapper.get('[data-testid="label-current"]').text()).toContain('normal');
    // Only the file name shows: its folder ("0_normal") would hint at the class.
    expect(wrapper.get('[data-testid="label-image-id"]').text()).toBe('img-a.png');

    // Keys typed into a form field are not label keys.
    const input = document.createElement('input');
    document.body.appendChild(input);
    input.dispatchEvent(new KeyboardEvent('keydown', { key: '2', bubbles: true }));
    await settle();
    expect(api.labels.set).toHaveBeenCalledTimes(2);
  });

  it('in review mode Enter confirms and a number key corrects', async () => {
    const api = fakeApi();
    setApi(api);
    // Review is a reviewer's job: the mode button is disabled for other roles.
    useAuthStore().status = { needsSetup: false, locked: false, idleMinutes: 15, user: { id: 'ben', username: 'ben', displayName: 'Ben', role: 'reviewer', disabled: false, createdAt: '', createdBy: '', lastLoginAt: null } };
    const wrapper = mountView();
    await settle();
    await wrapper.get('[data-testid="mode-review"]').trigger('click');
    await settle();
    expect(api.labels.queue).toHaveBeenLastCalledWith(expect.objectContaining({ filter: 'unreviewed' }));
    press('Enter');
    await settle();
    press('2');
    await settle();
    expect(api.labels.review.mock.calls.map((c) => c[0])).toEqual([
      { labelSetId: 's1', imageId: 'img-a' },
      { labelSetId: 's1', imageId: 'img-b', className: 'pneumonia' },
    ]);
    expect(api.labels.set).not.toHaveBeenCalled();
  });
});
