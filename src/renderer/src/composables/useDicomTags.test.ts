import { afterEach, describe, expect, it, vi } from 'vitest';
import type { DicomTagRow } from '../../../shared/domain/imaging';
import type { Api } from '../../../shared/ipc/contract';
import { setApi } from '../api';
import { useDicomTags } from './useDicomTags';

const row = (value: string): DicomTagRow => ({ tag: '(0010,0010)', name: 'Patient Name', vr: 'PN', value, depth: 0 });

afterEach(() => setApi(null));

describe('useDicomTags', () => {
  it('loads the tags of the image asked for, and forgets them', async () => {
    const tags = vi.fn(async ({ id }: { id: string }) => ({ ok: true as const, value: [row(id)] }));
    setApi({ imaging: { tags } } as unknown as Api);
    const t = useDicomTags(() => 'img-a', vi.fn());
    expect(t.tags.value).toBeNull();
    await t.load();
    expect(tags).toHaveBeenCalledWith({ id: 'img-a' });
    expect(t.tags.value).toEqual([row('img-a')]);
    t.forget();
    expect(t.tags.value).toBeNull();
  });

  it('drops tags that arrive after the image changed', async () => {
    let imageId = 'img-a';
    setApi({ imaging: { tags: async ({ id }: { id: string }) => ({ ok: true, value: [row(id)] }) } } as unknown as Api);
    const t = useDicomTags(() => imageId, vi.fn());
    const pending = t.load();
    imageId = 'img-b';
    await pending;
    expect(t.tags.value).toBeNull();
  });

  it('on failure leaves an empty list and reports the message', async () => {
    setApi({ imaging: { tags: async () => ({ ok: false, error: { code: 'NOT_FOUND', message: 'file moved' } }) } } as unknown as Api);
    const onError = vi.fn();
    const t = useDicomTags(() => 'img-a', onError);
    await t.load();
    expect(t.tags.value).toEqual([]);
    expect(onError).toHaveBeenCalledWith('file moved');
  });
});
