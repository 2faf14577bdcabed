import { afterEach, describe, expect, it, vi } from 'vitest';
import { i18n } from '../../i18n';
import { useViewerKeymap, VIEWER_KEYS, type ViewerKeyActions } from '../../composables/useViewerKeymap';
import { findShortcut, shortcutGroups, viewerKeyWorks, viewerShortcuts } from './labelShortcuts';

const t = (key: string) => i18n.global.t(key);
const caps = (items: { keys: string[]; alternatives?: string[][] }[]) => items.flatMap((i) => [i.keys, ...(i.alternatives ?? [])].map((c) => c.join('+')));

/** The Label page as LabelView.vue wires it: its own keys on window (capture) first, the viewer's on the focused viewer. */
function labelPageWithViewer(mode: 'label' | 'review') {
  const actions = {
    active: () => true,
    presets: () => [{ key: '1' }, { key: '2' }, { key: '3' }],
    applyPreset: vi.fn(),
    fit: vi.fn(), actualSize: vi.fn(), zoomIn: vi.fn(), zoomOut: vi.fn(), toggleInvert: vi.fn(), reset: vi.fn(), toggleTags: vi.fn(),
    firstFrame: vi.fn(), lastFrame: vi.fn(), nextFrame: vi.fn(), previousFrame: vi.fn(), panBy: vi.fn(),
  } satisfies ViewerKeyActions;
  const viewer = document.createElement('div');
  document.body.appendChild(viewer);
  viewer.addEventListener('keydown', useViewerKeymap(actions).onKeydown);
  const page = (e: KeyboardEvent) => {
    if (findShortcut(e, 'single', mode)) {
      e.preventDefault();
      e.stopPropagation();
    }
  };
  window.addEventListener('keydown', page, { capture: true });
  const reachesViewer = (name: string) => {
    for (const fn of Object.values(actions)) if (vi.isMockFunction(fn)) fn.mockClear();
    const shift = name.startsWith('Shift+');
    viewer.dispatchEvent(new KeyboardEvent('keydown', { key: shift ? name.slice(6) : name, shiftKey: shift, bubbles: true, cancelable: true }));
    return Object.values(actions).some((fn) => vi.isMockFunction(fn) && fn.mock.calls.length > 0);
  };
  return { reachesViewer, stop: () => window.removeEventListener('keydown', page, { capture: true }) };
}

afterEach(() => {
  document.body.innerHTML = '';
});

describe('the Label page\'s "?" list and the embedded viewer\'s keys', () => {
  it('lists the viewer keys that work on the page (f, 0, +/-, i, r, t, Home/End, Page Up/Down, Shift+arrows) and not those the labelling takes', () => {
    const group = viewerShortcuts(t);
    expect(group.title).toBe('Image viewer (click the image first)');
    const listed = caps(group.items);
    for (const k of ['F', '0', '+', '=', '-', 'I', 'R', 'T', 'Home', 'End', 'Page Down', 'Page Up', 'Shift+← → ↑ ↓']) expect(listed).toContain(k);
    // Class keys 1-9 and the image arrows belong to the labelling: the viewer never sees them here.
    for (const k of ['1', '2', '3', '←', '→', '↑', '↓']) expect(listed).not.toContain(k);
    expect(group.items.map((i) => i.action)).toEqual(
      expect.arrayContaining(['Fit the image to the viewer', 'Zoom in', 'Zoom out', 'Invert', 'Show or hide the DICOM tags', 'Pan the image', 'Next frame']),
    );
  });

  it.each(['label', 'review'] as const)('in %s mode, every listed key reaches the viewer and every other viewer key is taken by the page', (mode) => {
    const page = labelPageWithViewer(mode);
    try {
      const names = [...VIEWER_KEYS.flatMap((r) => r.keys), '1', '2', '3'];
      const working = names.filter((n) => page.reachesViewer(n));
      expect(working.map(viewerKeyWorks)).not.toContain(false);
      expect(names.filter((n) => !working.includes(n)).map(viewerKeyWorks)).not.toContain(true);
      // The list names each working key (capitals and their letter are one key cap).
      const listed = new Set(caps(viewerShortcuts(t).items).flatMap((c) => (c.startsWith('Shift+') ? c.slice(6).split(' ').map((a) => `Shift+${a}`) : [c])));
      const capOf = (n: string) => (n.startsWith('Shift+') ? `Shift+${{ ArrowLeft: '←', ArrowRight: '→', ArrowUp: '↑', ArrowDown: '↓' }[n.slice(6)]}` : n.length === 1 ? n.toUpperCase() : n.replace(/^Page(Up|Down)$/, 'Page $1'));
      expect(new Set(working.map(capOf))).toEqual(listed);
    } finally {
      page.stop();
    }
  });

  it('is one of the groups the "?" overlay shows, worded in Chinese too', () => {
    expect(shortcutGroups(t).map((g) => g.title)).toContain('Image viewer (click the image first)');
    i18n.global.locale.value = 'zh-CN';
    try {
      expect(viewerShortcuts(t).title).toBe('图像查看器（先点击图像）');
    } finally {
      i18n.global.locale.value = 'en';
    }
  });
});
