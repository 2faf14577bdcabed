/**
 * Every keyboard shortcut of the Label page, in one table: the view's key handler finds the
 * row an event matches here, and the "?" overlay lists the same rows, so the list cannot say
 * one thing while the keys do another. Key names are the same in every language; what a
 * shortcut does is a catalogue key.
 */
import type { ShortcutGroup } from '../common/ShortcutHelp.vue';
import { VIEWER_KEYS } from '../../composables/useViewerKeymap';
import { windowPresets } from '../imaging/presets';

/** One key (KeyboardEvent.key), with Ctrl (or ⌘) and Shift as the shortcut needs them. */
export interface KeySpec {
  key: string;
  ctrl?: boolean;
  shift?: boolean;
}

export type LabelLayout = 'single' | 'grid';
export type LabelMode = 'label' | 'review';

export type ShortcutId =
  | 'help'
  | 'layout'
  | 'undo'
  | 'classKey'
  | 'confirm'
  | 'next'
  | 'previous'
  | 'skip'
  | 'gridMove'
  | 'gridExtend'
  | 'gridToggle'
  | 'gridSelectAll'
  | 'gridClear'
  | 'gridNextPage'
  | 'gridPreviousPage';

export interface LabelShortcut {
  id: ShortcutId;
  /** Where it works: both layouts, or one of them. */
  layout: LabelLayout | 'any';
  /** Only in this mode, when set. */
  mode?: LabelMode;
  /** The keys; any of them does it. DIGITS stands for 1 to 9. */
  keys: KeySpec[];
  /** Catalogue key of what it does. */
  action: string;
}

/** Stands for the keys 1 to 9 (a class's position). */
export const DIGITS = '1-9';

const ARROWS: KeySpec[] = [{ key: 'ArrowLeft' }, { key: 'ArrowRight' }, { key: 'ArrowUp' }, { key: 'ArrowDown' }];

export const LABEL_SHORTCUTS: readonly LabelShortcut[] = [
  { id: 'help', layout: 'any', keys: [{ key: '?' }], action: 'labelGrid.keys.help' },
  { id: 'layout', layout: 'any', keys: [{ key: 'g' }], action: 'labelGrid.keys.layout' },
  { id: 'undo', layout: 'any', keys: [{ key: 'z' }, { key: 'z', ctrl: true }], action: 'labelGrid.keys.undo' },
  { id: 'classKey', layout: 'single', mode: 'label', keys: [{ key: DIGITS }], action: 'labelGrid.keys.labelOne' },
  { id: 'classKey', layout: 'single', mode: 'review', keys: [{ key: DIGITS }], action: 'labelGrid.keys.correctOne' },
  { id: 'confirm', layout: 'single', mode: 'review', keys: [{ key: 'Enter' }], action: 'labelGrid.keys.confirm' },
  { id: 'next', layout: 'single', keys: [{ key: 'ArrowRight' }, { key: 'ArrowDown' }], action: 'labelGrid.keys.next' },
  { id: 'previous', layout: 'single', keys: [{ key: 'ArrowLeft' }, { key: 'ArrowUp' }], action: 'labelGrid.keys.previous' },
  { id: 'skip', layout: 'single', keys: [{ key: 's' }], action: 'labelGrid.keys.skip' },
  { id: 'classKey', layout: 'grid', mode: 'label', keys: [{ key: DIGITS }], action: 'labelGrid.keys.labelMany' },
  { id: 'gridMove', layout: 'grid', keys: ARROWS, action: 'labelGrid.keys.move' },
  { id: 'gridExtend', layout: 'grid', keys: ARROWS.map((k) => ({ ...k, shift: true })), action: 'labelGrid.keys.extend' },
  { id: 'gridToggle', layout: 'grid', keys: [{ key: ' ' }], action: 'labelGrid.keys.toggle' },
  { id: 'gridSelectAll', layout: 'grid', keys: [{ key: 'a', ctrl: true }], action: 'labelGrid.keys.selectAll' },
  { id: 'gridClear', layout: 'grid', keys: [{ key: 'Escape' }], action: 'labelGrid.keys.clear' },
  { id: 'gridNextPage', layout: 'grid', keys: [{ key: 'PageDown' }], action: 'labelGrid.keys.nextPage' },
  { id: 'gridPreviousPage', layout: 'grid', keys: [{ key: 'PageUp' }], action: 'labelGrid.keys.previousPage' },
];

/** Whether an event is this key: Ctrl/⌘ and Shift as the spec says (Shift is free for a printed character such as "?"). */
export function keyMatches(spec: KeySpec, e: Pick<KeyboardEvent, 'key' | 'ctrlKey' | 'metaKey' | 'shiftKey' | 'altKey'>): boolean {
  if (e.altKey) return false;
  if (Boolean(spec.ctrl) !== (e.ctrlKey || e.metaKey)) return false;
  const printed = e.key.length === 1;
  if (spec.shift !== undefined ? spec.shift !== e.shiftKey : !printed && e.shiftKey) return false;
  if (spec.key === DIGITS) return /^[1-9]$/.test(e.key);
  return printed ? e.key.toLowerCase() === spec.key.toLowerCase() : e.key === spec.key;
}

/** The shortcut an event triggers in this layout and mode, with the key it matched; null for none. */
export function findShortcut(e: Pick<KeyboardEvent, 'key' | 'ctrlKey' | 'metaKey' | 'shiftKey' | 'altKey'>, layout: LabelLayout, mode: LabelMode): { shortcut: LabelShortcut; key: KeySpec } | null {
  for (const shortcut of LABEL_SHORTCUTS) {
    if (shortcut.layout !== 'any' && shortcut.layout !== layout) continue;
    if (shortcut.mode && shortcut.mode !== mode) continue;
    const key = shortcut.keys.find((k) => keyMatches(k, e));
    if (key) return { shortcut, key };
  }
  return null;
}

const KEY_NAMES: Record<string, string> = {
  ArrowLeft: '←',
  ArrowRight: '→',
  ArrowUp: '↑',
  ArrowDown: '↓',
  ' ': 'Space',
  Escape: 'Esc',
  PageDown: 'Page Down',
  PageUp: 'Page Up',
  [DIGITS]: '1 … 9',
};

/** A key as its key cap(s) show it: ['Ctrl', 'Z'], ['Shift', '→']. */
export function keyCaps(spec: KeySpec): string[] {
  const name = KEY_NAMES[spec.key] ?? (spec.key.length === 1 ? spec.key.toUpperCase() : spec.key);
  return [...(spec.ctrl ? ['Ctrl'] : []), ...(spec.shift ? ['Shift'] : []), name];
}

/** A shortcut's keys as key-cap combos; the four arrows with the same modifiers read as one: Shift + ← → ↑ ↓. */
function combos(keys: KeySpec[]): string[][] {
  const arrows = keys.length === 4 && keys.every((k) => k.key.startsWith('Arrow') && k.ctrl === keys[0]!.ctrl && k.shift === keys[0]!.shift);
  if (!arrows) return keys.map(keyCaps);
  const caps = keys.map(keyCaps);
  return [[...caps[0]!.slice(0, -1), caps.map((c) => c[c.length - 1]).join(' ')]];
}

/** A viewer key name ('f', 'Shift+ArrowLeft') as a KeySpec; a capital letter is the same key (keyMatches folds case). */
function viewerKeySpec(name: string): KeySpec {
  const shift = name.startsWith('Shift+');
  const key = shift ? name.slice(6) : name;
  return { key: key.length === 1 ? key.toLowerCase() : key, ...(shift ? { shift: true } : {}) };
}

/**
 * Whether a key of the embedded viewer works on the Label page: the page's own keys run
 * first (capture) and stop the event, so a key that one of them takes in the single-image
 * layout, in either mode, never reaches the viewer (its presets on 1-6, its frame arrows).
 */
export function viewerKeyWorks(name: string): boolean {
  const spec = viewerKeySpec(name);
  const e = { key: name.startsWith('Shift+') ? spec.key : name, shiftKey: Boolean(spec.shift), ctrlKey: false, metaKey: false, altKey: false };
  return (['label', 'review'] as const).every((mode) => findShortcut(e, 'single', mode) === null);
}

/**
 * The embedded viewer's keys that work on this page (viewerKeyWorks), from the viewer's own
 * table (VIEWER_KEYS, and its window presets' keys): one row per command, the four pans as one.
 */
export function viewerShortcuts(t: (key: string) => string): ShortcutGroup {
  const rows = new Map<string, KeySpec[]>();
  const add = (row: string, names: readonly string[]) => {
    const specs = rows.get(row) ?? [];
    for (const name of names.filter(viewerKeyWorks)) {
      const spec = viewerKeySpec(name);
      if (!specs.some((s) => s.key === spec.key && Boolean(s.shift) === Boolean(spec.shift))) specs.push(spec);
    }
    rows.set(row, specs);
  };
  // Every preset key there can be (a CT has the most).
  add('presets', windowPresets({ modality: 'CT', samples: 1, windowCenter: 0, windowWidth: 1, windowFromFile: true, min: 0, max: 1 }).map((p) => p.key));
  for (const row of VIEWER_KEYS) add(row.command.startsWith('pan') ? 'pan' : row.command, row.keys);
  const items = [...rows]
    .filter(([, specs]) => specs.length > 0)
    .map(([row, specs]) => {
      const [first, ...rest] = combos(specs);
      return { keys: first!, ...(rest.length ? { alternatives: rest } : {}), action: t(`shortcuts.viewer.${row}`) };
    });
  return { title: t('shortcuts.viewer.group'), items };
}

/** The groups the "?" overlay lists, from the table, worded by `t`, then the embedded viewer's keys, then the grid's mouse actions. */
export function shortcutGroups(t: (key: string) => string): ShortcutGroup[] {
  const groups: { title: string; where: (s: LabelShortcut) => boolean }[] = [
    { title: 'labelGrid.keys.groupAny', where: (s) => s.layout === 'any' },
    { title: 'labelGrid.keys.groupSingle', where: (s) => s.layout === 'single' && s.mode !== 'review' },
    { title: 'labelGrid.keys.groupReview', where: (s) => s.layout === 'single' && s.mode === 'review' },
    { title: 'labelGrid.keys.groupGrid', where: (s) => s.layout === 'grid' },
  ];
  const out: ShortcutGroup[] = groups.map((g) => ({
    title: t(g.title),
    items: LABEL_SHORTCUTS.filter(g.where).map((s) => {
      const [first, ...rest] = combos(s.keys);
      return { keys: first!, ...(rest.length ? { alternatives: rest } : {}), action: t(s.action) };
    }),
  }));
  // The viewer of the single-image layout has keys of its own (while it has the focus).
  out.push(viewerShortcuts(t));
  // The mouse in the grid: not keys, so not in the table the key handler reads.
  const click = t('labelGrid.keys.click');
  out.push({
    title: t('labelGrid.keys.groupMouse'),
    items: [
      { keys: [click], action: t('labelGrid.keys.clickOne') },
      { keys: ['Shift', click], action: t('labelGrid.keys.clickRange') },
      { keys: ['Ctrl', click], action: t('labelGrid.keys.clickToggle') },
      { keys: [t('labelGrid.keys.drag')], action: t('labelGrid.keys.dragBox') },
    ],
  });
  return out;
}
