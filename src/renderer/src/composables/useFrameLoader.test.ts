import { flushPromises } from '@vue/test-utils';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { FramePixels } from '../../../shared/domain/imaging';
import type { Api } from '../../../shared/ipc/contract';
import { setApi } from '../api';
import { useFrameLoader, type LoadedFrame } from './useFrameLoader';

function pixels(imageId: string, frame: number, reduced = false): FramePixels {
  return {
    imageId, frame, frames: 40, width: 2, height: 1, fullWidth: 2, fullHeight: 1, reduced, samples: 1, encoding: 'uint16', data: btoa('\x07\0\x09\0'),
    photometric: 'MONOCHROME2', modality: 'MR', windowCenter: 8, windowWidth: 2, windowFromFile: false, invert: false, min: 7, max: 9, decodeMs: 0,
  };
}

type FrameRequest = { id: string; frame: number; preview?: boolean };

/** A fake main process whose frame channel answers with `answer` (a thrown error becomes a failed envelope). */
function fakeApi(answer: (req: FrameRequest) => FramePixels | Promise<FramePixels>) {
  const frame = vi.fn(async (req: FrameRequest) => {
    try {
      return { ok: true as const, value: await answer(req) };
    } catch (err) {
      return { ok: false as const, error: { code: 'DECODE', message: (err as Error).message } };
    }
  });
  setApi({ imaging: { frame } } as unknown as Api);
  return frame;
}

function setup(imageId = 'img-a') {
  const shown: { imageId: string; frame: number; reduced: boolean; values: number[] }[] = [];
  const options = {
    imageId: vi.fn(() => imageId),
    show: vi.fn(async (entry: LoadedFrame, frame: number) => {
      shown.push({ imageId: entry.frame.imageId, frame, reduced: entry.frame.reduced, values: Array.from(entry.values) });
    }),
    onLoaded: vi.fn(),
    onError: vi.fn(),
  };
  const loader = useFrameLoader(options);
  return { loader, options, shown, setImage: (id: string) => (imageId = id) };
}

afterEach(() => setApi(null));

describe('useFrameLoader', () => {
  it('fetches a frame once, then shows it from the cache', async () => {
    const frame = fakeApi(({ id, frame: f }) => pixels(id, f));
    const { loader, shown } = setup();
    await loader.load(3);
    await loader.load(3);
    expect(frame).toHaveBeenCalledTimes(1);
    expect(frame).toHaveBeenCalledWith({ id: 'img-a', frame: 3, preview: true });
    expect(shown).toEqual([
      { imageId: 'img-a', frame: 3, reduced: false, values: [7, 9] },
      { imageId: 'img-a', frame: 3, reduced: false, values: [7, 9] },
    ]);
    expect(loader.loading.value).toBe(false);
    expect(loader.error.value).toBeNull();
  });

  it('keys the cache by image as well as frame', async () => {
    const frame = fakeApi(({ id, frame: f }) => pixels(id, f));
    const { loader, setImage } = setup();
    await loader.load(0);
    setImage('img-b');
    await loader.load(0);
    expect(frame.mock.calls.map((c) => c[0].id)).toEqual(['img-a', 'img-b']);
  });

  it('shows a reduced preview, then the full frame, and caches only the full one', async () => {
    const frame = fakeApi(({ id, frame: f, preview }) => pixels(id, f, Boolean(preview)));
    const { loader, shown } = setup();
    await loader.load(0);
    expect(frame.mock.calls.map((c) => c[0])).toEqual([{ id: 'img-a', frame: 0, preview: true }, { id: 'img-a', frame: 0 }]);
    expect(shown.map((s) => s.reduced)).toEqual([true, false]);
    await loader.load(0);
    expect(frame).toHaveBeenCalledTimes(2);
    expect(shown.map((s) => s.reduced)).toEqual([true, false, false]);
  });

  it('asks for the full frame of the image the load began with, even if the image changed meanwhile', async () => {
    const frame = fakeApi(({ id, frame: f, preview }) => pixels(id, f, Boolean(preview)));
    const { loader, options, setImage } = setup();
    options.show.mockImplementationOnce(async () => {
      setImage('img-b');
    });
    await loader.load(0);
    expect(frame.mock.calls.map((c) => c[0].id)).toEqual(['img-a', 'img-a']);
  });

  it('keeps the 25 most recent frames', async () => {
    const frame = fakeApi(({ id, frame: f }) => pixels(id, f));
    const { loader } = setup();
    for (let f = 0; f < 25; f++) await loader.load(f);
    await loader.load(0);
    expect(frame).toHaveBeenCalledTimes(25);
    await loader.load(25);
    await loader.load(0);
    expect(frame).toHaveBeenCalledTimes(27);
  });

  it('surfaces a failed fetch as the error, once, and shows nothing', async () => {
    const frame = fakeApi(() => {
      throw new Error('unsupported transfer syntax');
    });
    const { loader, options } = setup();
    await loader.load(0);
    expect(loader.error.value).toBe('unsupported transfer syntax');
    expect(loader.loading.value).toBe(false);
    expect(options.onError).toHaveBeenCalledWith('unsupported transfer syntax');
    expect(options.show).not.toHaveBeenCalled();
    // A failure is not cached: the next try asks again, and clears the error when it works.
    frame.mockResolvedValueOnce({ ok: true, value: pixels('img-a', 0) });
    await loader.load(0);
    expect(frame).toHaveBeenCalledTimes(2);
    expect(loader.error.value).toBeNull();
  });

  it('keeps the preview on screen and sets the error when only the full frame fails', async () => {
    fakeApi(({ id, frame: f, preview }) => {
      if (!preview) throw new Error('out of memory');
      return pixels(id, f, true);
    });
    const { loader, options, shown } = setup();
    await loader.load(0);
    expect(shown.map((s) => s.reduced)).toEqual([true]);
    expect(loader.error.value).toBe('out of memory');
    expect(options.onError).not.toHaveBeenCalled();
  });

  it('lets the newest load win when they overlap', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    fakeApi(async ({ id, frame: f }) => {
      if (f === 0) await gate;
      return pixels(id, f);
    });
    const { loader, shown } = setup();
    const slow = loader.load(0);
    await loader.load(1);
    release();
    await slow;
    expect(shown.map((s) => s.frame)).toEqual([1]);
  });

  it('reports the time from request to paint after the next animation frame', async () => {
    fakeApi(({ id, frame: f }) => pixels(id, f));
    const { loader, options } = setup();
    await loader.load(2);
    expect(loader.loading.value).toBe(false);
    await vi.waitFor(() => expect(options.onLoaded).toHaveBeenCalledTimes(1));
    await flushPromises();
    expect(options.onLoaded).toHaveBeenCalledWith({ imageId: 'img-a', frame: 2, ms: expect.any(Number) });
    expect(loader.lastMs.value).toBe(options.onLoaded.mock.calls[0]![0].ms);
  });
});
