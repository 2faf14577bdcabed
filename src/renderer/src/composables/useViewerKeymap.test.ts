import { afterEach, describe, expect, it, vi } from 'vitest';
import { createPageKeymap, keyCaps, keyNames, keyOfCommand, PAN_STEP, shortcutGroups, useViewerKeymap, type PageKeyBinding, type ViewerKeyActions } from './useViewerKeymap';

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

describe('page keymaps (the reading room)', () => {
  function page(extra: Partial<PageKeyBinding>[] = []) {
    const ran: string[] = [];
    let ct = false;
    const b = (id: string, keys: string[], group = 'G', more: Partial<PageKeyBinding> = {}): PageKeyBinding => ({ id, keys, group, action: `do ${id}`, run: () => ran.push(id), ...more });
    const bindings: PageKeyBinding[] = [
      b('maximise', ['m']),
      b('measurements', ['Shift+m'], 'H'),
      b('next', ['ArrowDown', 'PageDown']),
      b('panLeft', ['Shift+ArrowLeft']),
      b('previous', ['ArrowLeft']),
      b('lung', ['3'], 'G', { enabled: () => ct }),
      b('help', ['?'], 'H'),
      ...extra.map((x, i) => b(`extra${i}`, ['x'], 'G', x)),
    ];
    let on = true;
    const { onKeydown } = createPageKeymap(() => bindings, () => on);
    window.addEventListener('keydown', onKeydown);
    const toolbar = document.createElement('button');
    const input = document.createElement('input');
    document.body.append(toolbar, input);
    const press = (key: string, init: KeyboardEventInit = {}, target: Element = toolbar) => {
      const e = new KeyboardEvent('keydown', { key, bubbles: true, cancelable: true, ...init });
      target.dispatchEvent(e);
      return e;
    };
    const off = () => window.removeEventListener('keydown', onKeydown);
    return { bindings, ran, press, input, off, setCt: (v: boolean) => (ct = v), setOn: (v: boolean) => (on = v) };
  }

  it('hears keys on window wherever the focus is (a toolbar button), Shift chords before the bare key', () => {
    const p = page();
    p.press('m');
    p.press('M', { shiftKey: true });
    p.press('M'); // Caps Lock: the bare key
    p.press('ArrowLeft', { shiftKey: true });
    p.press('ArrowLeft');
    p.press('PageDown', { shiftKey: true });
    p.press('?', { shiftKey: true });
    expect(p.ran).toEqual(['maximise', 'measurements', 'maximise', 'panLeft', 'previous', 'next', 'help']);
    p.off();
  });

  it('lets pass typing, chords with Ctrl/Alt/Meta, keys already handled, disabled bindings and a disabled page', () => {
    const p = page();
    p.press('m', {}, p.input);
    p.press('m', { ctrlKey: true });
    p.press('m', { altKey: true });
    p.press('m', { metaKey: true });
    const handled = new KeyboardEvent('keydown', { key: 'm', bubbles: true, cancelable: true });
    handled.preventDefault();
    document.body.dispatchEvent(handled);
    const e = p.press('3');
    expect(e.defaultPrevented).toBe(false);
    p.setOn(false);
    p.press('m');
    expect(p.ran).toEqual([]);
    p.setOn(true);
    p.setCt(true);
    expect(p.press('3').defaultPrevented).toBe(true);
    expect(p.ran).toEqual(['lung']);
    p.off();
  });

  it('lists the same table for "?", in groups, with key caps and alternatives', () => {
    const p = page();
    expect(keyNames({ key: 'M', shiftKey: true })).toEqual(['Shift+m', 'm']);
    expect(keyCaps('Shift+ArrowLeft')).toEqual(['Shift', '←']);
    expect(keyCaps('m')).toEqual(['M']);
    expect(keyOfCommand(p.bindings, 'measurements')).toBe('Shift+M');
    expect(keyOfCommand(p.bindings, 'nothing')).toBe('');
    const groups = shortcutGroups(p.bindings);
    expect(groups.map((g) => g.title)).toEqual(['G', 'H']);
    expect(groups[0]!.items.find((i) => i.action === 'do next')).toEqual({ keys: ['↓'], alternatives: [['PageDown']], action: 'do next' });
    // Every binding is listed once: the list is the table.
    expect(groups.flatMap((g) => g.items).length).toBe(p.bindings.length);
    p.off();
  });
});
