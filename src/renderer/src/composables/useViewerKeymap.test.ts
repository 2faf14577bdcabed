import { afterEach, describe, expect, it, vi } from 'vitest';
import { PAN_STEP, useViewerKeymap, type ViewerKeyActions } from './useViewerKeymap';

type Preset = { key: string; id: string };

function setup(presets: Preset[] = [{ key: '1', id: 'file' }, { key: '2', id: 'full' }]) {
  let active = true;
  const actions = {
    active: () => active,
    presets: () => presets,
    applyPreset: vi.fn(),
    fit: vi.fn(),
    actualSize: vi.fn(),
    zoomIn: vi.fn(),
    zoomOut: vi.fn(),
    toggleInvert: vi.fn(),
    reset: vi.fn(),
    toggleTags: vi.fn(),
    firstFrame: vi.fn(),
    lastFrame: vi.fn(),
    nextFrame: vi.fn(),
    previousFrame: vi.fn(),
    panBy: vi.fn(),
  } satisfies ViewerKeyActions<Preset>;
  const { onKeydown } = useViewerKeymap(actions);
  // As in the viewer: the listener sits on the focusable viewport inside a page that has its own keys.
  const page = document.createElement('div');
  const viewport = document.createElement('div');
  page.appendChild(viewport);
  document.body.appendChild(page);
  viewport.addEventListener('keydown', onKeydown);
  const reachedPage = vi.fn();
  page.addEventListener('keydown', reachedPage);
  const press = (key: string, init: KeyboardEventInit = {}, target: Element = viewport) => {
    const e = new KeyboardEvent('keydown', { key, bubbles: true, cancelable: true, ...init });
    target.dispatchEvent(e);
    return e;
  };
  const called = () =>
    Object.entries(actions)
      .filter(([, fn]) => vi.isMockFunction(fn) && fn.mock.calls.length > 0)
      .map(([name]) => name);
  return { actions, press, called, reachedPage, viewport, setActive: (v: boolean) => (active = v) };
}

afterEach(() => {
  document.body.innerHTML = '';
});

describe('useViewerKeymap', () => {
  it.each([
    ['f', 'fit'], ['F', 'fit'], ['0', 'actualSize'], ['+', 'zoomIn'], ['=', 'zoomIn'], ['-', 'zoomOut'],
    ['i', 'toggleInvert'], ['I', 'toggleInvert'], ['r', 'reset'], ['R', 'reset'], ['t', 'toggleTags'], ['T', 'toggleTags'],
    ['Home', 'firstFrame'], ['End', 'lastFrame'], ['PageDown', 'nextFrame'], ['PageUp', 'previousFrame'],
    ['ArrowRight', 'nextFrame'], ['ArrowDown', 'nextFrame'], ['ArrowLeft', 'previousFrame'], ['ArrowUp', 'previousFrame'],
  ])('%s runs %s, once, and stops there', (key, action) => {
    const { press, called, reachedPage } = setup();
    const e = press(key);
    expect(called()).toEqual([action]);
    expect(e.defaultPrevented).toBe(true);
    expect(reachedPage).not.toHaveBeenCalled();
  });

  it('pans by a fixed step with Shift+arrows instead of changing frame', () => {
    const { actions, press, called } = setup();
    press('ArrowLeft', { shiftKey: true });
    press('ArrowRight', { shiftKey: true });
    press('ArrowUp', { shiftKey: true });
    press('ArrowDown', { shiftKey: true });
    expect(actions.panBy.mock.calls).toEqual([[-PAN_STEP, 0], [PAN_STEP, 0], [0, -PAN_STEP], [0, PAN_STEP]]);
    expect(called()).toEqual(['panBy']);
  });

  it('lets Shift through to the bare key elsewhere', () => {
    const { press, called } = setup();
    press('F', { shiftKey: true });
    press('PageDown', { shiftKey: true });
    expect(called()).toEqual(['fit', 'nextFrame']);
  });

  it('applies the preset whose key is pressed, from the presets on offer at the time', () => {
    const presets: Preset[] = [{ key: '1', id: 'file' }];
    const { actions, press } = setup(presets);
    press('2');
    expect(actions.applyPreset).not.toHaveBeenCalled();
    presets.push({ key: '2', id: 'full' });
    const e = press('2');
    expect(actions.applyPreset).toHaveBeenCalledWith({ key: '2', id: 'full' });
    expect(e.defaultPrevented).toBe(true);
  });

  it('passes other keys on untouched', () => {
    const { press, called, reachedPage } = setup();
    const e = press('x');
    press('5');
    press('Enter');
    expect(called()).toEqual([]);
    expect(e.defaultPrevented).toBe(false);
    expect(reachedPage).toHaveBeenCalledTimes(3);
  });

  it('does nothing while no frame is shown, for Alt chords, or for keys typed into an input', () => {
    const { press, called, reachedPage, viewport, setActive } = setup();
    press('f', { altKey: true });
    const input = document.createElement('input');
    viewport.appendChild(input);
    press('f', {}, input);
    press('ArrowRight', {}, input);
    setActive(false);
    press('f');
    expect(called()).toEqual([]);
    expect(reachedPage).toHaveBeenCalledTimes(4);
  });
});
