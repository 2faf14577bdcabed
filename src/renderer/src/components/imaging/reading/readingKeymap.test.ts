import { describe, expect, it, vi } from 'vitest';
import { createPageKeymap } from '../../../composables/useViewerKeymap';
import { readingBindings, WINDOW_PRESETS, type ReadingActions } from './readingKeymap';

type Spied = ReadingActions & Record<string, ReturnType<typeof vi.fn>>;

function actions(): Spied {
  const names = ['applyPreset', 'setTool', 'toggleInvert', 'reset', 'fit', 'actualSize', 'zoomBy', 'panBy', 'next', 'previous', 'first', 'last', 'toggleCine', 'changeFps', 'cycleLayout', 'toggleMaximise', 'nextCell', 'escape', 'toggleOverlays', 'toggleTags', 'toggleMeasurements', 'toggleBrowser', 'help'];
  const a = Object.fromEntries(names.map((n) => [n, vi.fn()]));
  return { ...a, hasImage: () => true, presetApplies: (p: { ct: boolean }) => !p.ct } as unknown as Spied;
}

const t = (key: string, params?: Record<string, unknown>) => (params ? `${key} ${JSON.stringify(params)}` : key);

describe('the reading room key table', () => {
  it('gives every key to one command only', () => {
    const keys = readingBindings(t, actions(), (p) => p.id).flatMap((b) => b.keys);
    expect(keys.filter((k, i) => keys.indexOf(k) !== i)).toEqual([]);
  });

  it('runs what it lists: M maximises, Shift+M opens the measurements, the tool keys choose tools, a CT preset only on a CT', () => {
    const a = actions();
    const { onKeydown } = createPageKeymap(() => readingBindings(t, a, (p) => p.id));
    const press = (key: string, shiftKey = false) => onKeydown(new KeyboardEvent('keydown', { key, shiftKey, cancelable: true }));
    press('m');
    press('M', true);
    press('l');
    press('3');
    press('1');
    expect(a.toggleMaximise).toHaveBeenCalledTimes(1);
    expect(a.toggleMeasurements).toHaveBeenCalledTimes(1);
    expect(a.setTool).toHaveBeenCalledWith('length');
    expect(vi.mocked(a.applyPreset).mock.calls).toEqual([[WINDOW_PRESETS[0]]]);
  });
});
