import { PAN_STEP, type PageKeyBinding } from '../../../composables/useViewerKeymap';
import type { ToolName } from './cells';

/**
 * The window presets' keys, as the viewer has always had them (presets.ts's windowPresets gives
 * the windows for the image on screen: its file's, its full range, and the CT classics on a CT).
 */
export interface WindowPreset {
  id: 'file' | 'full' | 'lung' | 'soft' | 'bone' | 'brain';
  key: string;
  /** Only on a CT (Hounsfield units). */
  ct: boolean;
}

export const WINDOW_PRESETS: readonly WindowPreset[] = [
  { id: 'file', key: '1', ct: false },
  { id: 'full', key: '2', ct: false },
  { id: 'lung', key: '3', ct: true },
  { id: 'soft', key: '4', ct: true },
  { id: 'bone', key: '5', ct: true },
  { id: 'brain', key: '6', ct: true },
];

/** The tools' keys. */
export const TOOL_KEYS: Record<ToolName, string> = { windowLevel: 'w', pan: 'h', zoom: 'z', probe: 'v', length: 'l', angle: 'a', rectangle: 'b', ellipse: 'e' };

/** What the reading room's keys do; the page implements each on the active viewport. */
export interface ReadingActions {
  /** Whether the active viewport shows an image (viewport keys do nothing otherwise). */
  hasImage: () => boolean;
  /** Whether a preset applies to the image in the active viewport (none on colour, CT presets on CT only). */
  presetApplies: (p: WindowPreset) => boolean;
  applyPreset: (p: WindowPreset) => void;
  setTool: (name: ToolName) => void;
  toggleInvert: () => void;
  reset: () => void;
  fit: () => void;
  actualSize: () => void;
  zoomBy: (factor: number) => void;
  panBy: (dx: number, dy: number) => void;
  next: () => void;
  previous: () => void;
  first: () => void;
  last: () => void;
  toggleCine: () => void;
  changeFps: (delta: number) => void;
  cycleLayout: () => void;
  toggleMaximise: () => void;
  nextCell: () => void;
  /** Closes what is open (drawers), else restores a maximised viewport. */
  escape: () => void;
  toggleOverlays: () => void;
  toggleTags: () => void;
  toggleMeasurements: () => void;
  toggleBrowser: () => void;
  help: () => void;
}

/**
 * The reading room's key table: what drives the keys (usePageKeymap) and what the "?" overlay
 * lists (shortcutGroups), so the two cannot differ. `t` words the groups and actions.
 */
export function readingBindings(t: (key: string, params?: Record<string, unknown>) => string, a: ReadingActions, presetName: (p: WindowPreset) => string): PageKeyBinding[] {
  const view = t('readingRoom.keys.groupImage');
  const nav = t('readingRoom.keys.groupStack');
  const tools = t('readingRoom.keys.groupTools');
  const layout = t('readingRoom.keys.groupLayout');
  const panels = t('readingRoom.keys.groupPanels');
  const img = a.hasImage;
  return [
    ...WINDOW_PRESETS.map((p) => ({
      id: `preset-${p.id}`,
      keys: [p.key],
      group: view,
      action: p.ct ? t('readingRoom.keys.presetCt', { name: presetName(p) }) : t('readingRoom.keys.preset', { name: presetName(p) }),
      run: () => a.applyPreset(p),
      enabled: () => img() && a.presetApplies(p),
    })),
    { id: 'invert', keys: ['i'], group: view, action: t('readingRoom.keys.invert'), run: a.toggleInvert, enabled: img },
    { id: 'reset', keys: ['r'], group: view, action: t('readingRoom.keys.reset'), run: a.reset, enabled: img },
    { id: 'fit', keys: ['f'], group: view, action: t('readingRoom.keys.fit'), run: a.fit, enabled: img },
    { id: 'actualSize', keys: ['0'], group: view, action: t('readingRoom.keys.actualSize'), run: a.actualSize, enabled: img },
    { id: 'zoomIn', keys: ['+', '='], group: view, action: t('readingRoom.keys.zoomIn'), run: () => a.zoomBy(1.25), enabled: img },
    { id: 'zoomOut', keys: ['-'], group: view, action: t('readingRoom.keys.zoomOut'), run: () => a.zoomBy(1 / 1.25), enabled: img },
    { id: 'panLeft', keys: ['Shift+ArrowLeft'], group: view, action: t('readingRoom.keys.panLeft'), run: () => a.panBy(-PAN_STEP, 0), enabled: img },
    { id: 'panRight', keys: ['Shift+ArrowRight'], group: view, action: t('readingRoom.keys.panRight'), run: () => a.panBy(PAN_STEP, 0), enabled: img },
    { id: 'panUp', keys: ['Shift+ArrowUp'], group: view, action: t('readingRoom.keys.panUp'), run: () => a.panBy(0, -PAN_STEP), enabled: img },
    { id: 'panDown', keys: ['Shift+ArrowDown'], group: view, action: t('readingRoom.keys.panDown'), run: () => a.panBy(0, PAN_STEP), enabled: img },

    { id: 'next', keys: ['ArrowDown', 'ArrowRight', 'PageDown'], group: nav, action: t('readingRoom.keys.next'), run: a.next, enabled: img },
    { id: 'previous', keys: ['ArrowUp', 'ArrowLeft', 'PageUp'], group: nav, action: t('readingRoom.keys.previous'), run: a.previous, enabled: img },
    { id: 'first', keys: ['Home'], group: nav, action: t('readingRoom.keys.first'), run: a.first, enabled: img },
    { id: 'last', keys: ['End'], group: nav, action: t('readingRoom.keys.last'), run: a.last, enabled: img },
    { id: 'cine', keys: ['p'], group: nav, action: t('readingRoom.keys.cine'), run: a.toggleCine, enabled: img },
    { id: 'slower', keys: ['['], group: nav, action: t('readingRoom.keys.slower'), run: () => a.changeFps(-5) },
    { id: 'faster', keys: [']'], group: nav, action: t('readingRoom.keys.faster'), run: () => a.changeFps(5) },

    ...(Object.entries(TOOL_KEYS) as [ToolName, string][]).map(([name, key]) => ({
      id: `tool-${name}`,
      keys: [key],
      group: tools,
      action: t(`readingRoom.tool.${name}`),
      run: () => a.setTool(name),
    })),

    { id: 'layout', keys: ['g'], group: layout, action: t('readingRoom.keys.layout'), run: a.cycleLayout },
    { id: 'maximise', keys: ['m'], group: layout, action: t('readingRoom.keys.maximise'), run: a.toggleMaximise },
    { id: 'nextCell', keys: ['n'], group: layout, action: t('readingRoom.keys.nextCell'), run: a.nextCell },
    { id: 'escape', keys: ['Escape'], group: layout, action: t('readingRoom.keys.escape'), run: a.escape },

    { id: 'overlays', keys: ['o'], group: panels, action: t('readingRoom.keys.overlays'), run: a.toggleOverlays },
    { id: 'tags', keys: ['t'], group: panels, action: t('readingRoom.keys.tags'), run: a.toggleTags },
    { id: 'measurements', keys: ['Shift+m'], group: panels, action: t('readingRoom.keys.measurements'), run: a.toggleMeasurements },
    { id: 'browser', keys: ['s'], group: panels, action: t('readingRoom.keys.browser'), run: a.toggleBrowser },
    { id: 'help', keys: ['?'], group: panels, action: t('readingRoom.keys.help'), run: a.help },
  ];
}
