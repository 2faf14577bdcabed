import { flushPromises, mount } from '@vue/test-utils';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { DicomTagRow, FramePixels } from '../../../../shared/domain/imaging';
import type { Api } from '../../../../shared/ipc/contract';
import { setApi } from '../../api';
import ImageViewer from './ImageViewer.vue';

const ok = <T>(value: T) => ({ ok: true as const, value });

function pixels(imageId: string, frame: number, over: Partial<FramePixels> = {}): FramePixels {
  return {
    imageId, frame, frames: 3, width: 2, height: 2, fullWidth: 2, fullHeight: 2, reduced: false, samples: 1, encoding: 'uint16',
    data: btoa('\0\0\x01\0\x02\0\x03\0'), photometric: 'MONOCHROME2', modality: 'CT', windowCenter: 1.5, windowWidth: 3, windowFromFile: true,
    invert: false, min: 0, max: 3, decodeMs: 0, ...over,
  };
}

const tagRows: DicomTagRow[] = [
  { tag: '(0008,0060)', name: 'Modality', vr: 'CS', value: 'CT', depth: 0 },
  { tag: '(0028,0004)', name: 'Photometric Interpretation', vr: 'CS', value: 'MONOCHROME2', depth: 0 },
];

function fakeApi(frame = (id: string, f: number, _preview: boolean) => pixels(id, f)) {
  const imaging = {
    frame: vi.fn(async ({ id, frame: f, preview }: { id: string; frame: number; preview?: boolean }) => ok(frame(id, f, Boolean(preview)))),
    tags: vi.fn(async () => ok(tagRows)),
  };
  return { imaging } as unknown as Api & { imaging: typeof imaging };
}

async function settle() {
  for (let i = 0; i < 5; i++) {
    await new Promise((r) => setTimeout(r, 20));
    await flushPromises();
  }
}

afterEach(() => setApi(null));

describe('ImageViewer', () => {
  it('shows a frame, then answers keys on the viewport: presets, invert, frames, tags', async () => {
    const api = fakeApi();
    setApi(api);
    const wrapper = mount(ImageViewer, { props: { imageId: 'img-a' }, attachTo: document.body });
    await settle();
    const viewport = wrapper.get('[data-testid="image-viewer"]');
    expect(viewport.attributes('data-image-id')).toBe('img-a');
    expect(viewport.attributes('aria-label')).toBe('Image 2 by 2, frame 1 of 3');
    expect(wrapper.emitted('loaded')![0]![0]).toMatchObject({ imageId: 'img-a', frame: 0 });
    expect(wrapper.get('[data-testid="viewer-wl"]').text()).toBe('C 2 / W 3');

    const outside = vi.fn();
    document.body.addEventListener('keydown', outside);
    await viewport.trigger('keydown', { key: '2' });
    expect(wrapper.get('[data-testid="viewer-wl"]').text()).toBe('C 2 / W 3');
    expect(wrapper.emitted('window-change')![0]).toEqual([{ center: 1.5, width: 3 }]);
    expect(wrapper.get('[data-testid="preset-full"]').classes()).toContain('active');
    await viewport.trigger('keydown', { key: '3' });
    expect(wrapper.get('[data-testid="viewer-wl"]').text()).toBe('C -600 / W 1500');
    expect(outside).not.toHaveBeenCalled();

    await viewport.trigger('keydown', { key: 'i' });
    expect(viewport.attributes('data-invert')).toBe('true');
    await viewport.trigger('keydown', { key: 'R' });
    expect(viewport.attributes('data-invert')).toBe('false');
    expect(wrapper.get('[data-testid="preset-file"]').classes()).toContain('active');

    await viewport.trigger('keydown', { key: 'ArrowRight' });
    await settle();
    expect(wrapper.emitted('frame-change')).toEqual([[1]]);
    expect(viewport.attributes('data-frame')).toBe('1');
    expect(wrapper.get('[data-testid="viewer-frames"]').text()).toContain('Frame 2 / 3');
    await viewport.trigger('keydown', { key: 'End' });
    await settle();
    expect(viewport.attributes('data-frame')).toBe('2');
    await viewport.trigger('keydown', { key: 'Home' });
    await settle();
    expect(viewport.attributes('data-frame')).toBe('0');
    // Frame 0 came from the cache the second time.
    expect(api.imaging.frame.mock.calls.map((c) => c[0].frame)).toEqual([0, 1, 2]);

    // Zoom keys: 1:1 shows 100%; + and - step by 1.25.
    await viewport.trigger('keydown', { key: '0' });
    expect(wrapper.text()).toContain('Zoom 100%');
    await viewport.trigger('keydown', { key: '+' });
    expect(wrapper.text()).toContain('Zoom 125%');
    await viewport.trigger('keydown', { key: '-' });
    expect(wrapper.text()).toContain('Zoom 100%');

    // Alt-modified keys belong to someone else.
    await viewport.trigger('keydown', { key: 't', altKey: true });
    expect(wrapper.find('[data-testid="viewer-tags-panel"]').exists()).toBe(false);
    expect(outside).toHaveBeenCalledTimes(1);
    document.body.removeEventListener('keydown', outside);

    await viewport.trigger('keydown', { key: 'T' });
    await settle();
    const panel = wrapper.get('[data-testid="viewer-tags-panel"]');
    expect(panel.text()).toContain('MONOCHROME2');
    await panel.get('input').setValue('modality');
    expect(wrapper.findAll('.tag-table tr')).toHaveLength(1);
    // Closing and reopening keeps the tags and the filter.
    await wrapper.get('[data-testid="viewer-tags"]').trigger('click');
    expect(wrapper.find('[data-testid="viewer-tags-panel"]').exists()).toBe(false);
    await wrapper.get('[data-testid="viewer-tags"]').trigger('click');
    await settle();
    expect((wrapper.get('[data-testid="viewer-tags-panel"] input').element as HTMLInputElement).value).toBe('modality');
    expect(wrapper.findAll('.tag-table tr')).toHaveLength(1);
    expect(api.imaging.tags).toHaveBeenCalledTimes(1);
    wrapper.unmount();
  });

  it('shows a reduced preview first, then the full frame', async () => {
    const api = fakeApi((id, f, preview) => pixels(id, f, { reduced: preview, width: preview ? 1 : 2, height: preview ? 1 : 2, data: preview ? btoa('\0\0') : btoa('\0\0\x01\0\x02\0\x03\0') }));
    setApi(api);
    const wrapper = mount(ImageViewer, { props: { imageId: 'img-a' } });
    await settle();
    expect(api.imaging.frame.mock.calls.map((c) => c[0])).toEqual([{ id: 'img-a', frame: 0, preview: true }, { id: 'img-a', frame: 0 }]);
    expect(wrapper.get('[data-testid="image-viewer"]').attributes('data-reduced')).toBe('false');
    wrapper.unmount();
  });

  it('says why when a frame cannot be shown, and emits the message', async () => {
    const api = fakeApi();
    api.imaging.frame.mockResolvedValue({ ok: false, error: { code: 'NOT_FOUND', message: 'no such image' } } as never);
    setApi(api);
    const wrapper = mount(ImageViewer, { props: { imageId: 'gone', showTags: true } });
    await settle();
    expect(wrapper.get('[role="alert"]').text()).toBe('The image could not be shown: no such image');
    expect(wrapper.emitted('error')).toEqual([['no such image']]);
    expect(wrapper.get('[data-testid="image-viewer"]').attributes('aria-label')).toBe('Loading image');
    expect(api.imaging.tags).toHaveBeenCalledWith({ id: 'gone' });
    wrapper.unmount();
  });

  it('follows the imageId and frame props', async () => {
    const api = fakeApi();
    setApi(api);
    const wrapper = mount(ImageViewer, { props: { imageId: 'img-a', showTags: true } });
    await settle();
    await wrapper.setProps({ imageId: 'img-b' });
    await settle();
    expect(wrapper.get('[data-testid="image-viewer"]').attributes('data-image-id')).toBe('img-b');
    expect(api.imaging.tags.mock.calls.map((c) => (c as unknown as [{ id: string }])[0].id)).toEqual(['img-a', 'img-b']);
    await wrapper.setProps({ frame: 2 });
    await settle();
    expect(wrapper.get('[data-testid="image-viewer"]').attributes('data-frame')).toBe('2');
    wrapper.unmount();
  });
});
