import { mount } from '@vue/test-utils';
import { afterEach, describe, expect, it } from 'vitest';
import { setLocale } from '../../../i18n';
import { formatWindowValue, type ViewportState } from '../viewportState';
import ViewportOverlay from './ViewportOverlay.vue';

const state = (windowCenter: number, windowWidth: number): ViewportState => ({
  imageId: 'img-1', index: 0, count: 1, frame: 0, frames: 1, windowCenter, windowWidth, zoom: 1, mmPerScreenPixel: null, invert: false, playing: false, fps: 0, firstPixelsMs: null,
});

afterEach(() => setLocale('en'));

describe('formatWindowValue', () => {
  it.each([
    [400, '400'], [-600, '-600'], [1500, '1500'], [32767, '32767'], [399.99999999, '400'], [0, '0'], [-0.0000001, '0'],
    [1.0, '1'], [0.5, '0.5'], [1.25, '1.25'], [2.345, '2.35'], [0.01234, '0.0123'], [45.67, '45.7'], [-3.14159, '-3.14'], [399.6, '400'], [0.125, '0.125'],
  ])('%s -> %s', (value, text) => {
    expect(formatWindowValue(value, 'en-GB')).toBe(text);
  });

  it('writes a dash for what is not a number', () => {
    expect(formatWindowValue(Number.NaN, 'en-GB')).toBe('—');
  });
});

describe('ViewportOverlay window/level', () => {
  const mountWith = (s: ViewportState) => mount(ViewportOverlay, { props: { state: s, facts: {} as never, width: 512, imagePlace: null } });

  it("shows a parametric map's float window as it is (W 1 / L 0.5), not rounded to W 1 / L 1", () => {
    expect(mountWith(state(0.5, 1.0)).get('[data-testid="overlay-wl"]').text()).toBe('W 1 / L 0.5');
    expect(mountWith(state(0.0125, 0.025)).get('[data-testid="overlay-wl"]').text()).toBe('W 0.025 / L 0.0125');
  });

  it('keeps whole windows whole, in Chinese too', () => {
    expect(mountWith(state(-600, 1500)).get('[data-testid="overlay-wl"]').text()).toBe('W 1500 / L -600');
    setLocale('zh-CN');
    expect(mountWith(state(0.5, 1)).get('[data-testid="overlay-wl"]').text()).toBe('窗宽 1 / 窗位 0.5');
  });
});
