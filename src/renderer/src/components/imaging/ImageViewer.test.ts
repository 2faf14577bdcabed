/**
 * ImageViewer is a toolbar and keys around StackViewport (Cornerstone3D, which needs WebGL: its
 * own behaviour is in tests/e2e/viewer-measure.spec.ts and tests/node/viewerLoader.test.ts). Here
 * StackViewport is a stand-in that keeps a ViewportState and answers the exposed API the way the
 * real one does, so the wiring of the toolbar, keys, overlays and events is what is tested.
 */
import { flushPromises, mount } from '@vue/test-utils';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { defineComponent, h, onMounted } from 'vue';
import type { DicomTagRow, FramePixels } from '../../../../shared/domain/imaging';
import type { Api } from '../../../../shared/ipc/contract';
import { setApi } from '../../api';
import ImageViewer from './ImageViewer.vue';
import type { ViewportState } from './viewportState';

const frame: Omit<FramePixels, 'data'> = {
  imageId: 'img-a', frame: 0, frames: 3, width: 2, height: 2, fullWidth: 2, fullHeight: 2, reduced: false, samples: 1, encoding: 'int16',
  photometric: 'MONOCHROME2', modality: 'CT', windowCenter: 40, windowWidth: 400, windowFromFile: true, invert: false, min: -1000, max: 2000, decodeMs: 3, cached: false,
  geometry: { orientation: null, position: null, frameOfReferenceUID: null }, calibration: { spacing: null, source: null },
};

vi.mock('./cornerstone/runtime', () => ({
  metaOf: (csId: string) => (csId.startsWith('carelens:') ? { frame, plane: {} } : undefined),
  isPreview: () => false,
}));

const calls: string[] = [];

/** A stand-in StackViewport: state in, API calls recorded and applied. */
const FakeViewport = defineComponent({
  props: { imageIds: { type: Array, required: true } },
  emits: ['state', 'error'],
  setup(props, { emit, expose }) {
    let s: ViewportState;
    const publish = (change: Partial<ViewportState>) => {
      s = { ...s, ...change };
      emit('state', s);
    };
    onMounted(() => {
      s = { imageId: props.imageIds[0] as string, index: 0, count: 3, frame: 0, frames: 3, windowCenter: 40, windowWidth: 400, zoom: 0.5, mmPerScreenPixel: null, invert: false, playing: false, fps: 15, firstPixelsMs: 12 };
      emit('state', s);
    });
    expose({
      setWindow: (center: number, width: number) => (calls.push(`window ${center} ${width}`), publish({ windowCenter: center, windowWidth: width })),
      toggleInvert: () => (calls.push('invert'), publish({ invert: !s.invert })),
      reset: () => (calls.push('reset'), publish({ invert: false, windowCenter: 40, windowWidth: 400, zoom: 0.5 })),
      fit: () => calls.push('fit'),
      actualSize: () => (calls.push('actualSize'), publish({ zoom: 1 })),
      zoomBy: (f: number) => (calls.push(`zoomBy ${f}`), publish({ zoom: s.zoom * f })),
      panBy: (dx: number, dy: number) => calls.push(`panBy ${dx} ${dy}`),
      goTo: (i: number) => (calls.push(`goTo ${i}`), publish({ index: i, frame: i })),
    });
    return () => h('div', { 'data-testid': 'stack-viewport' });
  },
});

const tagRows: DicomTagRow[] = [{ tag: '(0008,0060)', name: 'Modality', vr: 'CS', value: 'CT', depth: 0 }];

afterEach(() => {
  setApi(null);
  calls.length = 0;
});

function mountViewer(props: Record<string, unknown> = {}) {
  setApi({ imaging: { tags: vi.fn(async () => ({ ok: true, value: tagRows })) } } as unknown as Api);
  return mount(ImageViewer, { props: { imageId: 'img-a', ...props }, global: { stubs: { StackViewport: FakeViewport } }, attachTo: document.body });
}

describe('ImageViewer around StackViewport', () => {
  it('reports first pixels, shows window and frames, and turns toolbar clicks and keys into viewport calls', async () => {
    const wrapper = mountViewer();
    await flushPromises();
    const viewport = wrapper.get('[data-testid="image-viewer"]');
    expect(wrapper.emitted('loaded')![0]![0]).toEqual({ imageId: 'img-a', frame: 0, ms: 12 });
    expect(viewport.attributes('data-ms')).toBe('12');
    expect(viewport.attributes('aria-label')).toBe('Image 2 by 2, frame 1 of 3');
    expect(wrapper.get('[data-testid="viewer-wl"]').text()).toBe('C 40 / W 400');
    expect(wrapper.get('[data-testid="viewer-frames"]').text()).toContain('Frame 1 / 3');

    // CT presets from the frame; a click sets the window and marks the preset.
    await wrapper.get('[data-testid="preset-lung"]').trigger('click');
    expect(calls).toContain('window -600 1500');
    expect(wrapper.get('[data-testid="viewer-wl"]').text()).toBe('C -600 / W 1500');
    expect(wrapper.get('[data-testid="preset-lung"]').classes()).toContain('active');
    expect(wrapper.emitted('window-change')!.at(-1)).toEqual([{ center: -600, width: 1500 }]);

    // Keys on the focused viewer: a preset, invert, 1:1, zoom, frames; handled keys go no further.
    const outside = vi.fn();
    document.body.addEventListener('keydown', outside);
    await viewport.trigger('keydown', { key: '5' });
    expect(wrapper.get('[data-testid="viewer-wl"]').text()).toBe('C 400 / W 1800');
    await viewport.trigger('keydown', { key: 'i' });
    expect(viewport.attributes('data-invert')).toBe('true');
    expect(wrapper.get('[data-testid="viewer-invert"]').classes()).toContain('active');
    await viewport.trigger('keydown', { key: '0' });
    expect(wrapper.text()).toContain('Zoom 100%');
    await viewport.trigger('keydown', { key: '+' });
    expect(wrapper.text()).toContain('Zoom 125%');
    await viewport.trigger('keydown', { key: 'ArrowRight' });
    expect(calls).toContain('goTo 1');
    expect(wrapper.emitted('frame-change')).toEqual([[1]]);
    expect(viewport.attributes('data-frame')).toBe('1');
    await viewport.trigger('keydown', { key: 'End' });
    expect(calls).toContain('goTo 2');
    expect(outside).not.toHaveBeenCalled();
    document.body.removeEventListener('keydown', outside);

    // Reset: the file's window, no invert.
    await wrapper.get('[data-testid="viewer-fit"]').trigger('click');
    expect(calls).toContain('fit');
    await viewport.trigger('keydown', { key: 'R' });
    expect(viewport.attributes('data-invert')).toBe('false');
    expect(wrapper.get('[data-testid="preset-file"]').classes()).toContain('active');
    wrapper.unmount();
  });

  it('says why when the viewport cannot show the image, and emits the message', async () => {
    const wrapper = mountViewer();
    await flushPromises();
    wrapper.findComponent(FakeViewport).vm.$emit('error', 'no such image');
    await flushPromises();
    expect(wrapper.get('[role="alert"]').text()).toBe('The image could not be shown: no such image');
    expect(wrapper.emitted('error')).toEqual([['no such image']]);
    wrapper.unmount();
  });

  it('opens the tags panel from the toolbar', async () => {
    const wrapper = mountViewer({ showTags: true });
    await flushPromises();
    expect(wrapper.get('[data-testid="viewer-tags-panel"]').text()).toContain('Modality');
    wrapper.unmount();
  });
});
