import { mount } from '@vue/test-utils';
import { describe, expect, it } from 'vitest';
import type { ImageSummary } from '../../../../shared/domain/imaging';
import ThumbnailGrid from './ThumbnailGrid.vue';

const items: ImageSummary[] = Array.from({ length: 10_000 }, (_, i) => ({
  id: `img${i}`, patientId: null, patientMrn: null, seriesId: null, format: 'png', modality: '', rows: 28, columns: 28, frames: 1, photometric: 'MONOCHROME2',
  sizeBytes: 700, instanceNumber: null, predefinedSplit: 'train', originalPath: `/x/${i}.png`, hasThumbnail: true, labels: [{ labelSet: 's', className: i % 2 ? 'a' : 'b' }],
}));

describe('ThumbnailGrid', () => {
  it('keeps only the rows in view in the DOM for 10,000 images, and the scroll height for all', async () => {
    const wrapper = mount(ThumbnailGrid, { props: { items, selectedId: null, thumbnail: () => null, version: 0 } });
    const tiles = wrapper.findAll('.tile');
    expect(tiles.length).toBeGreaterThan(0);
    expect(tiles.length).toBeLessThan(100);
    const space = wrapper.get('.grid-space').attributes('style');
    expect(Number(/height: (\d+)px/.exec(space ?? '')![1])).toBeGreaterThan(10_000 / 6 * 100);
  });

  it('opens an image on click and moves the selection with the arrow keys', async () => {
    const wrapper = mount(ThumbnailGrid, { props: { items, selectedId: 'img0', thumbnail: () => null, version: 0 } });
    await wrapper.get('[data-testid="thumb-3"]').trigger('click');
    expect(wrapper.emitted('open')![0]).toEqual(['img3']);
    await wrapper.get('[data-testid="thumbnail-grid"]').trigger('keydown', { key: 'ArrowRight' });
    expect(wrapper.emitted('open')![1]).toEqual(['img1']);
  });

  it('drags the image id when draggable (the reading room drops it on a viewport), and nothing otherwise', async () => {
    const drag = async (draggable: boolean) => {
      const wrapper = mount(ThumbnailGrid, { props: { items, selectedId: null, thumbnail: () => null, version: 0, tile: 96, draggable } });
      const data = new Map<string, string>();
      const dataTransfer = { setData: (k: string, v: string) => data.set(k, v), effectAllowed: '' };
      await wrapper.get('[data-testid="thumb-2"]').trigger('dragstart', { dataTransfer });
      return { data, tile: wrapper.get('[data-testid="thumb-2"]') };
    };
    const on = await drag(true);
    expect(on.tile.attributes('draggable')).toBe('true');
    expect(on.tile.attributes('style')).toContain('width: 96px');
    expect([...on.data]).toEqual([['application/x-carelens-image', 'img2']]);
    const off = await drag(false);
    expect(off.tile.attributes('draggable')).toBeUndefined();
    expect(off.data.size).toBe(0);
  });
});
