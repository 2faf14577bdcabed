import { flushPromises, mount } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Api } from '../../../../shared/ipc/contract';
import type { Measurement } from '../../../../shared/domain/measurements';
import { setApi } from '../../api';
import MeasurementList from './MeasurementList.vue';

const base = { imageId: 'img1', frame: 0, points: [[0, 0], [1, 1]] as [number, number][], valueMm: null, valuePx: null, angleDeg: null, probe: null, stats: null, unit: '', spacing: null, spacingSource: null, createdBy: 'cleo', createdAt: '2026-03-12T14:05:00.000Z' };
const measurements: Measurement[] = [
  { ...base, id: 'm1', kind: 'length', valueMm: 42.123, valuePx: 100, spacing: [0.5, 0.25], spacingSource: 'PixelSpacing' },
  { ...base, id: 'm2', kind: 'length', valuePx: 37.5 },
  { ...base, id: 'm3', kind: 'probe', probe: { raw: 1091, value: 67 }, unit: 'HU', spacing: [0.3, 0.3], spacingSource: 'ImagerPixelSpacing' },
  { ...base, id: 'm4', kind: 'ellipse', unit: 'HU', stats: { mean: 40.25, sd: 12.5, min: -3, max: 90, count: 120, areaPx: 125.6, areaMm2: 57.4 }, spacing: [0.675781, 0.675781], spacingSource: 'PixelSpacing' },
  { ...base, id: 'm5', kind: 'angle', frame: 2, angleDeg: 63.4349 },
];

function fakeApi() {
  return {
    measurements: {
      list: vi.fn(async () => ({ ok: true, value: measurements })),
      remove: vi.fn(async () => ({ ok: true, value: { removed: true, imageId: 'img1' } })),
    },
    on: () => () => {},
  } as unknown as Api;
}

let api: Api;
beforeEach(() => {
  setActivePinia(createPinia());
  api = fakeApi();
  setApi(api);
});
afterEach(() => setApi(null));

describe('MeasurementList', () => {
  it('shows each value with its unit, the spacing source or "uncalibrated", the author and the time', async () => {
    const wrapper = mount(MeasurementList, { props: { imageId: 'img1' } });
    await flushPromises();
    const items = wrapper.findAll('[data-testid="measurement-item"]');
    expect(items).toHaveLength(5);
    expect(items[0]!.get('[data-testid="measurement-value"]').text()).toBe('42.12 mm');
    expect(items[0]!.get('[data-testid="measurement-source"]').text()).toBe('Pixel Spacing');
    expect(items[0]!.get('[data-testid="measurement-source"]').attributes('title')).toContain('0.5 mm between rows, 0.25 mm between columns');
    expect(items[0]!.text()).toContain('cleo');
    expect(items[0]!.text()).toMatch(/12 Mar 2026/);
    expect(items[1]!.get('[data-testid="measurement-value"]').text()).toBe('37.5 px');
    expect(items[1]!.get('[data-testid="measurement-source"]').text()).toBe('uncalibrated');
    expect(items[2]!.get('[data-testid="measurement-value"]').text()).toBe('67 HU (stored value 1,091)');
    expect(items[2]!.get('[data-testid="measurement-source"]').text()).toBe('Imager Pixel Spacing');
    expect(items[3]!.text()).toContain('mean 40.3 HU, SD 12.5, min -3, max 90');
    expect(items[3]!.text()).toContain('area 57.4 mm² (120 pixels)');
    // Frames are named when the list shows several frames (frame 2 is the third).
    expect(items[4]!.text()).toContain('63.4°');
    expect(items[4]!.text()).toContain('frame 3');
  });

  it('lists one frame when asked, and emits select on a click', async () => {
    const wrapper = mount(MeasurementList, { props: { imageId: 'img1', frame: 2 } });
    await flushPromises();
    const items = wrapper.findAll('[data-testid="measurement-item"]');
    expect(items).toHaveLength(1);
    await items[0]!.get('button.pick').trigger('click');
    expect(wrapper.emitted('select')![0]![0]).toMatchObject({ id: 'm5' });
  });

  it('removes only after the confirmation, and keeps the row when the user keeps it', async () => {
    const wrapper = mount(MeasurementList, { props: { imageId: 'img1' } });
    await flushPromises();
    await wrapper.findAll('[data-testid="measurement-remove"]')[1]!.trigger('click');
    expect(api.measurements.remove).not.toHaveBeenCalled();
    await wrapper.get('[data-testid="measurement-remove-confirm"]').trigger('click');
    await flushPromises();
    expect(api.measurements.remove).toHaveBeenCalledWith({ id: 'm2' });
    expect(wrapper.findAll('[data-testid="measurement-item"]')).toHaveLength(4);
  });
});
