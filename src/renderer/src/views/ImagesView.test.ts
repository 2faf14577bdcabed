import { enableAutoUnmount, flushPromises, mount } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Api } from '../../../shared/ipc/contract';
import type { ImageSummary } from '../../../shared/domain/imaging';
import { setApi } from '../api';
import { useNavStore } from '../stores/nav';
import ImagesView from './ImagesView.vue';

const image = (id: string, patientId: string | null): ImageSummary => ({
  id,
  patientId,
  patientMrn: null,
  seriesId: null,
  format: 'png',
  modality: 'OT',
  rows: 8,
  columns: 8,
  frames: 1,
  photometric: null,
  sizeBytes: 10,
  instanceNumber: null,
  predefinedSplit: null,
  originalPath: `/data/${id}.png`,
  hasThumbnail: false,
  labels: [],
});

const people: Record<string, { name: string; mrn: string }> = { pA: { name: 'Alice Able', mrn: 'A-1' }, pB: { name: 'Bob Baker', mrn: 'B-2' } };

function fakeApi(hold: { images?: Promise<void> } = {}) {
  const ok = <T>(value: T) => ({ ok: true as const, value });
  const images = vi.fn(async (input: { patientId?: string; unassigned?: boolean; limit?: number }) => {
    if (input.patientId === 'pB' && input.limit !== 1 && hold.images) await hold.images;
    const items = [image(input.patientId ? `img-${input.patientId}` : 'img-loose', input.patientId ?? null)];
    return ok({ items: input.limit === 1 ? items.slice(0, 1) : items, total: 1 });
  });
  const api = {
    imaging: {
      // Pixels never arrive here (the page fetches the first image's as soon as it is listed):
      // these tests check the page's lists and cells, not the viewer.
      frame: vi.fn(() => new Promise(() => undefined)),
      patients: vi.fn(async () =>
        ok([
          { patientId: 'pA', ...people.pA!, studies: 0, images: 1 },
          { patientId: 'pB', ...people.pB!, studies: 0, images: 1 },
          { patientId: null, mrn: '', name: 'Unassigned images', studies: 0, images: 1 },
        ]),
      ),
      studies: vi.fn(async () => ok([])),
      images,
      // As the main process answers: no studies, so the images without a series are opened (from `images`, which a test may replace).
      patientOverview: vi.fn(async ({ patientId }: { patientId: string | null }) => {
        const page = (await images(patientId ? { patientId, limit: 20_000 } : { unassigned: true, limit: 20_000 })).value;
        return ok({ studies: [], looseCount: page.total, openStudyId: null, opened: { kind: 'loose', page } });
      }),
      thumbnails: vi.fn(async () => ok([])),
    },
    patients: {
      summaries: vi.fn(async ({ ids }: { ids: string[] }) =>
        ok(
          ids.map((id) => ({
            patient: { id, ...people[id]!, birthDate: '1960-06-01', sex: 'F', notes: '', createdAt: '', updatedAt: '' },
            allergies: { patientId: id, status: 'not-recorded', allergies: [], noneKnown: null },
          })),
        ),
      ),
    },
  };
  return { api: api as unknown as Api, raw: api };
}

// The Cornerstone viewport is stubbed: it shows which stack it was given and from which image.
const stubs = {
  StackViewport: {
    props: ['imageIds', 'initialIndex'],
    methods: { setTool: () => undefined },
    template: '<div data-testid="viewer-stub" :data-image-id="imageIds[initialIndex]"></div>',
  },
  ThumbnailGrid: { props: ['items'], template: '<ul><li v-for="i in items" :key="i.id" data-testid="thumb">{{ i.id }}</li></ul>' },
};

beforeEach(() => {
  setActivePinia(createPinia());
  history.replaceState(null, '', '#/patients');
});
afterEach(() => setApi(null));
// The page listens on window: a page left mounted by an earlier test would hear the keys too.
enableAutoUnmount(afterEach);

describe('ImagesView opens the patient it was sent to', () => {
  it('shows B after A when the Patients page sends it to B (the wrong-patient regression)', async () => {
    const f = fakeApi();
    setApi(f.api);
    const nav = useNavStore();
    nav.go('images', { patientId: 'pA' });
    const wrapper = mount(ImagesView, { global: { stubs } });
    await flushPromises();
    expect(wrapper.get('[data-testid="banner-name"]').text()).toBe('Alice Able');
    expect(wrapper.findAll('[data-testid="thumb"]').map((t) => t.text())).toEqual(['img-pA']);
    expect(wrapper.get('[data-testid="viewer-stub"]').attributes('data-image-id')).toBe('img-pA');
    expect(location.hash).toBe('#/images/pA');

    nav.go('patients');
    nav.go('images', { patientId: 'pB' });
    await flushPromises();
    expect(f.raw.imaging.patientOverview).toHaveBeenLastCalledWith({ patientId: 'pB' });
    expect(wrapper.get('[data-testid="banner-name"]').text()).toBe('Bob Baker');
    expect(wrapper.get('[data-testid="patient-banner"]').attributes('data-patient-id')).toBe('pB');
    expect(wrapper.findAll('[data-testid="thumb"]').map((t) => t.text())).toEqual(['img-pB']);
    expect(wrapper.get('[data-testid="viewer-stub"]').attributes('data-image-id')).toBe('img-pB');
    expect(wrapper.get('[aria-current="true"]').text()).toContain('Bob Baker');
  });

  it("never shows the previous patient's images or name while the next patient's load", async () => {
    let release!: () => void;
    const f = fakeApi({ images: new Promise<void>((r) => (release = r)) });
    setApi(f.api);
    const nav = useNavStore();
    nav.go('images', { patientId: 'pA' });
    const wrapper = mount(ImagesView, { global: { stubs } });
    await flushPromises();
    nav.go('images', { patientId: 'pB' });
    await flushPromises();
    expect(wrapper.findAll('[data-testid="thumb"]')).toHaveLength(0);
    expect(wrapper.find('[data-testid="viewer-stub"]').exists()).toBe(false);
    expect(wrapper.get('[data-testid="patient-banner"]').attributes('data-patient-id')).toBe('pB');
    expect(wrapper.get('[data-testid="banner-name"]').text()).toBe('Bob Baker');
    release();
    await flushPromises();
    expect(wrapper.findAll('[data-testid="thumb"]').map((t) => t.text())).toEqual(['img-pB']);
  });

  it('shows nobody without a patient in the address, and the list navigates (unassigned images included)', async () => {
    const f = fakeApi();
    setApi(f.api);
    const nav = useNavStore();
    nav.go('images', { patientId: 'pA' });
    const wrapper = mount(ImagesView, { global: { stubs } });
    await flushPromises();
    nav.go('images');
    await flushPromises();
    expect(wrapper.get('[data-testid="patient-banner"]').attributes('data-state')).toBe('none');
    expect(wrapper.findAll('[data-testid="thumb"]')).toHaveLength(0);
    expect(wrapper.get('[data-testid="grid-title"]').text()).toBe('Choose a patient');

    const buttons = wrapper.findAll('[data-testid="imaging-patient"]');
    await buttons[1]!.trigger('click');
    await flushPromises();
    expect(location.hash).toBe('#/images/pB');
    expect(wrapper.get('[data-testid="banner-name"]').text()).toBe('Bob Baker');
    await buttons[2]!.trigger('click');
    await flushPromises();
    expect(location.hash).toBe('#/images?unassigned=1');
    expect(wrapper.get('[data-testid="patient-banner"]').attributes('data-state')).toBe('unassigned');
    expect(wrapper.findAll('[data-testid="thumb"]').map((t) => t.text())).toEqual(['img-loose']);
  });

  it('opens the image the address names when it is that patient\'s, else the first', async () => {
    const f = fakeApi();
    f.raw.imaging.images.mockImplementation(async (input: { patientId?: string; limit?: number }) => {
      const items = [image(`img-${input.patientId}`, input.patientId ?? null), image(`img-${input.patientId}-2`, input.patientId ?? null)];
      return { ok: true as const, value: { items: input.limit === 1 ? items.slice(0, 1) : items, total: 2 } };
    });
    setApi(f.api);
    const nav = useNavStore();
    nav.go('images', { patientId: 'pB', imageId: 'img-pB-2' });
    const wrapper = mount(ImagesView, { global: { stubs } });
    await flushPromises();
    expect(location.hash).toBe('#/images/pB?imageId=img-pB-2');
    expect(wrapper.get('[data-testid="viewer-stub"]').attributes('data-image-id')).toBe('img-pB-2');
    nav.go('images', { patientId: 'pA', imageId: 'img-pB-2' });
    await flushPromises();
    expect(wrapper.get('[data-testid="viewer-stub"]').attributes('data-image-id')).toBe('img-pA');
  });

  it('empties every viewport when another patient is opened', async () => {
    const f = fakeApi();
    setApi(f.api);
    const nav = useNavStore();
    nav.go('images', { patientId: 'pA' });
    const wrapper = mount(ImagesView, { global: { stubs } });
    await flushPromises();
    await wrapper.get('[data-testid="rr-layout-1x2"]').trigger('click');
    expect(wrapper.findAll('[data-testid="viewer-stub"]').map((v) => v.attributes('data-image-id'))).toEqual(['img-pA']);
    nav.go('images', { patientId: 'pB' });
    await flushPromises();
    // pB's first image in the first cell, nothing of pA's anywhere.
    expect(wrapper.findAll('[data-testid="viewer-stub"]').map((v) => v.attributes('data-image-id'))).toEqual(['img-pB']);
    expect(wrapper.get('[data-testid="viewport-cell-1"]').text()).toContain('Drag a series');
  });
});

describe('ImagesView keys', () => {
  it('keep working after a toolbar click, and "?" lists them', async () => {
    setApi(fakeApi().api);
    useNavStore().go('images', { patientId: 'pA' });
    const wrapper = mount(ImagesView, { global: { stubs }, attachTo: document.body });
    await flushPromises();
    const button = wrapper.get('[data-testid="rr-layout-2x2"]');
    await button.trigger('click');
    (button.element as HTMLButtonElement).focus();
    const press = async (key: string, init: KeyboardEventInit = {}) => {
      button.element.dispatchEvent(new KeyboardEvent('keydown', { key, bubbles: true, cancelable: true, ...init }));
      await flushPromises();
    };
    const grid = () => wrapper.get('[data-testid="viewport-grid"]').attributes('data-layout');
    expect(grid()).toBe('2x2');
    await press('m');
    expect(grid()).toBe('maximised');
    await press('Escape');
    expect(grid()).toBe('2x2');
    await press('g');
    expect(grid()).toBe('1x1');
    await press('s');
    expect(wrapper.get('[data-testid="series-browser"]').isVisible()).toBe(false);
    // Typing in a field is typing, not a shortcut.
    const search = wrapper.get('input[type="search"], [data-testid="series-browser"] input');
    search.element.dispatchEvent(new KeyboardEvent('keydown', { key: 'g', bubbles: true, cancelable: true }));
    await flushPromises();
    expect(grid()).toBe('1x1');
    await press('?', { shiftKey: true });
    const help = wrapper.get('[data-testid="shortcut-help"]');
    expect(help.text()).toContain('Maximise or restore the active viewport');
    expect(help.text()).toContain('Next layout (1x1, 1x2, 2x2)');
  });
});

