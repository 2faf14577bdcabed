import { flushPromises, mount } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Api } from '../../../shared/ipc/contract';
import type { ImageLabelDetail } from '../../../shared/domain/labels';
import { setApi } from '../api';
import LabelView from './LabelView.vue';

const patientOf: Record<string, string | null> = { 'img-a': 'pA', 'img-b': null, 'img-c': 'pC' };
const names: Record<string, string> = { pA: 'Alice Able', pC: 'Carol Cole' };

function detail(imageId: string): ImageLabelDetail {
  return {
    labelSetId: 's1',
    image: { id: imageId, patientId: patientOf[imageId]!, format: 'png', rows: 2, columns: 2, frames: 1, modality: '', originalPath: `/x/${imageId}.png`, importId: null, predefinedSplit: null, createdAt: '' },
    current: null,
    history: [],
    review: null,
    reviews: [],
    skipped: false,
    uncertainty: null,
    canUndo: false,
  };
}

function fakeApi() {
  const ok = <T>(value: T) => ({ ok: true as const, value });
  const set = { id: 's1', name: 'CXR', description: '', classes: [{ idx: 0, name: 'normal', count: 0 }], scope: [], createdAt: '', createdBy: 'x', images: 3, labeled: 0, reviewed: 0 };
  const item = (imageId: string) => ({ imageId, className: null, source: null, author: null, labeledAt: null, uncertainty: null, skipped: false, review: null });
  return {
    labels: {
      sets: vi.fn(async () => ok([set])),
      queue: vi.fn(async () => ok({ labelSetId: 's1', filter: 'next', items: Object.keys(patientOf).map(item), total: 3, ordering: 'import', modelNote: null })),
      image: vi.fn(async ({ imageId }: { imageId: string }) => ok(detail(imageId))),
      agreement: vi.fn(async () => ok({ labelSetId: 's1', reviewed: 0, agreed: 0, rate: null, kappa: null, classes: ['normal'], confusion: [] })),
    },
    imaging: { image: vi.fn(async ({ id }: { id: string }) => ok({ id, patientId: patientOf[id] })) },
    patients: {
      summaries: vi.fn(async ({ ids }: { ids: string[] }) =>
        ok(ids.map((id) => ({ patient: { id, mrn: id.toUpperCase(), name: names[id]!, birthDate: null, sex: 'U', notes: '', createdAt: '', updatedAt: '' }, allergies: { patientId: id, status: 'not-recorded', allergies: [], noneKnown: null } }))),
      ),
    },
  } as unknown as Api;
}

beforeEach(() => setActivePinia(createPinia()));
afterEach(() => setApi(null));

describe('LabelView patient banner', () => {
  it('names the patient of the image being labelled, and says when an image has none', async () => {
    setApi(fakeApi());
    const wrapper = mount(LabelView, { global: { stubs: { ImageViewer: true } } });
    await flushPromises();
    const banner = () => wrapper.get('[data-testid="patient-banner"]');
    expect(banner().attributes('data-patient-id')).toBe('pA');
    expect(wrapper.get('[data-testid="banner-name"]').text()).toBe('Alice Able');

    window.dispatchEvent(new KeyboardEvent('keydown', { key: 'ArrowRight' }));
    await flushPromises();
    expect(wrapper.get('[data-testid="label-image"]').attributes('data-image-id')).toBe('img-b');
    expect(banner().attributes('data-state')).toBe('unassigned');
    expect(banner().text()).toBe('No patient (unassigned image)');

    window.dispatchEvent(new KeyboardEvent('keydown', { key: 'ArrowRight' }));
    await flushPromises();
    expect(banner().attributes('data-patient-id')).toBe('pC');
    expect(wrapper.get('[data-testid="banner-name"]').text()).toBe('Carol Cole');
    wrapper.unmount();
  });
});
