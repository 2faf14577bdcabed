import { onActivated, onBeforeUnmount, onDeactivated, onMounted } from 'vue';

/** What the image viewer's keys can do. */
export interface ViewerKeyActions<P extends { key: string } = { key: string }> {
  /** False while no frame is shown: keys then do nothing and pass on. */
  active: () => boolean;
  /** The window presets on offer now (they depend on the image), each with its key. */
  presets: () => readonly P[];
  applyPreset: (preset: P) => void;
  fit: () => void;
  actualSize: () => void;
  zoomIn: () => void;
  zoomOut: () => void;
  toggleInvert: () => void;
  reset: () => void;
  toggleTags: () => void;
  firstFrame: () => void;
  lastFrame: () => void;
  nextFrame: () => void;
  previousFrame: () => void;
  panBy: (dx: number, dy: number) => void;
}

/** CSS pixels per Shift+arrow press. */
export const PAN_STEP = 40;

/** A command of the viewer's keys (a `ViewerKeyActions` member, the four pans apart). */
export type ViewerCommand =
  | 'fit'
  | 'actualSize'
  | 'zoomIn'
  | 'zoomOut'
  | 'toggleInvert'
  | 'reset'
  | 'toggleTags'
  | 'firstFrame'
  | 'lastFrame'
  | 'nextFrame'
  | 'previousFrame'
  | 'panLeft'
  | 'panRight'
  | 'panUp'
  | 'panDown';

/**
 * The viewer's key table: KeyboardEvent.key values (`Shift+` for a Shift chord) per command,
 * the main key first. The keymap below is built from it, and a page's "?" list reads it
 * (the Label page's labelShortcuts.ts), so the list shows exactly the keys that work.
 */
export const VIEWER_KEYS: readonly { command: ViewerCommand; keys: readonly string[] }[] = [
  { command: 'fit', keys: ['f', 'F'] },
  { command: 'actualSize', keys: ['0'] },
  { command: 'zoomIn', keys: ['+', '='] },
  { command: 'zoomOut', keys: ['-'] },
  { command: 'toggleInvert', keys: ['i', 'I'] },
  { command: 'reset', keys: ['r', 'R'] },
  { command: 'toggleTags', keys: ['t', 'T'] },
  { command: 'firstFrame', keys: ['Home'] },
  { command: 'lastFrame', keys: ['End'] },
  { command: 'nextFrame', keys: ['PageDown', 'ArrowRight', 'ArrowDown'] },
  { command: 'previousFrame', keys: ['PageUp', 'ArrowLeft', 'ArrowUp'] },
  { command: 'panLeft', keys: ['Shift+ArrowLeft'] },
  { command: 'panRight', keys: ['Shift+ArrowRight'] },
  { command: 'panUp', keys: ['Shift+ArrowUp'] },
  { command: 'panDown', keys: ['Shift+ArrowDown'] },
];

/**
 * The viewer's keyboard: a table from key to action. `Shift+` entries win over the bare key
 * when Shift is held; other keys ignore Shift (so Shift+F still fits). Preset keys (1-6) come
 * first. A handled key goes no further, so a view's own shortcuts (LabelView's 1, 2, arrows)
 * do not also fire while the viewer has focus; Alt chords and keys typed into inputs pass on.
 */
export function useViewerKeymap<P extends { key: string }>(actions: ViewerKeyActions<P>) {
  const run: Record<ViewerCommand, () => void> = {
    fit: actions.fit,
    actualSize: actions.actualSize,
    zoomIn: actions.zoomIn,
    zoomOut: actions.zoomOut,
    toggleInvert: actions.toggleInvert,
    reset: actions.reset,
    toggleTags: actions.toggleTags,
    firstFrame: actions.firstFrame,
    lastFrame: actions.lastFrame,
    nextFrame: actions.nextFrame,
    previousFrame: actions.previousFrame,
    panLeft: () => actions.panBy(-PAN_STEP, 0),
    panRight: () => actions.panBy(PAN_STEP, 0),
    panUp: () => actions.panBy(0, -PAN_STEP),
    panDown: () => actions.panBy(0, PAN_STEP),
  };
  const keymap: Readonly<Record<string, () => void>> = Object.fromEntries(VIEWER_KEYS.flatMap((row) => row.keys.map((key) => [key, run[row.command]])));

  function actionFor(e: KeyboardEvent): (() => void) | undefined {
    const preset = actions.presets().find((p) => p.key === e.key);
    if (preset) return () => actions.applyPreset(preset);
    return (e.shiftKey ? keymap[`Shift+${e.key}`] : undefined) ?? keymap[e.key];
  }

  function onKeydown(e: KeyboardEvent): void {
    if (!actions.active() || e.altKey || (e.target as HTMLElement).tagName === 'INPUT') return;
    const run = actionFor(e);
    if (!run) return;
    run();
    e.preventDefault();
    e.stopPropagation();
  }

  return { keymap, onKeydown };
}

// ------------------------------------------------------------------ page keymaps
// A page-level keymap (the reading room): one table of bindings that both drives the keys
// and is shown by the "?" overlay, so the list cannot drift from what the keys do. It
// listens on window, so a click on a toolbar button (which takes the focus) does not stop
// the keys; typing into a field, Ctrl/Alt/Meta chords and a key a focused widget has already
// handled (defaultPrevented, e.g. the thumbnail grid's arrows) pass on.

/** One row of a page's key table. */
export interface PageKeyBinding {
  /** A name for the command, so a button can show its key ('invert'). */
  id?: string;
  /**
   * KeyboardEvent.key values, letters in lower case ('m'), with 'Shift+' for a Shift chord
   * ('Shift+m', 'Shift+ArrowLeft'). A symbol typed with Shift is named as typed ('?', '+').
   * The first is the main key, the rest alternatives.
   */
  keys: readonly string[];
  /** The group title in the "?" list (translated). */
  group: string;
  /** What it does (translated). */
  action: string;
  run: () => void;
  /** False: the key does nothing now and passes on (e.g. a CT preset on an MR image). */
  enabled?: () => boolean;
}

/** The table names a key event could match, most specific first ('Shift+m' before 'm'). */
export function keyNames(e: Pick<KeyboardEvent, 'key' | 'shiftKey'>): string[] {
  const key = e.key.length === 1 ? e.key.toLowerCase() : e.key;
  return e.shiftKey ? [`Shift+${key}`, key] : [key];
}

const CAPS: Record<string, string> = { ArrowLeft: '←', ArrowRight: '→', ArrowUp: '↑', ArrowDown: '↓', Escape: 'Esc', ' ': 'Space' };

/** A table key as key caps for the "?" list: 'Shift+ArrowLeft' -> ['Shift', '←'], 'm' -> ['M']. */
export function keyCaps(name: string): string[] {
  const parts = name.startsWith('Shift+') ? ['Shift', name.slice(6)] : [name];
  return parts.map((p) => CAPS[p] ?? (p.length === 1 ? p.toUpperCase() : p));
}

/** The "?" overlay's groups, in table order (ShortcutHelp's `groups`). */
export function shortcutGroups(bindings: readonly PageKeyBinding[]): { title: string; items: { keys: string[]; alternatives?: string[][]; action: string }[] }[] {
  const groups: { title: string; items: { keys: string[]; alternatives?: string[][]; action: string }[] }[] = [];
  for (const b of bindings) {
    let g = groups.find((x) => x.title === b.group);
    if (!g) groups.push((g = { title: b.group, items: [] }));
    const [main, ...rest] = b.keys;
    g.items.push({ keys: keyCaps(main ?? ''), ...(rest.length ? { alternatives: rest.map(keyCaps) } : {}), action: b.action });
  }
  return groups;
}

/** The main key of a command as one string for a title ('Shift+M'), '' when the table has none. */
export function keyOfCommand(bindings: readonly PageKeyBinding[], id: string): string {
  const b = bindings.find((x) => x.id === id);
  return b?.keys[0] ? keyCaps(b.keys[0]).join('+') : '';
}

function isTyping(target: EventTarget | null): boolean {
  const el = target as HTMLElement | null;
  if (!el || typeof el.tagName !== 'string') return false;
  return el.tagName === 'INPUT' || el.tagName === 'TEXTAREA' || el.tagName === 'SELECT' || el.isContentEditable;
}

/**
 * The handler of a page keymap: finds the enabled binding for the event and runs it.
 * `enabled()` false (page hidden, a dialog open) lets every key pass.
 */
export function createPageKeymap(bindings: () => readonly PageKeyBinding[], enabled: () => boolean = () => true) {
  function bindingFor(e: KeyboardEvent): PageKeyBinding | undefined {
    const list = bindings();
    for (const name of keyNames(e)) {
      const b = list.find((x) => x.keys.includes(name) && (x.enabled?.() ?? true));
      if (b) return b;
    }
    return undefined;
  }

  function onKeydown(e: KeyboardEvent): void {
    if (!enabled() || e.defaultPrevented || e.altKey || e.ctrlKey || e.metaKey || isTyping(e.target)) return;
    const b = bindingFor(e);
    if (!b) return;
    e.preventDefault();
    b.run();
  }

  return { onKeydown, bindingFor };
}

/**
 * A page keymap on window for the life of the component: attached when mounted or shown
 * again (KeepAlive), detached when hidden or unmounted, so a page in the background hears nothing.
 */
export function usePageKeymap(bindings: () => readonly PageKeyBinding[], enabled: () => boolean = () => true) {
  const keymap = createPageKeymap(bindings, enabled);
  let on = false;
  const attach = () => {
    if (!on) window.addEventListener('keydown', keymap.onKeydown);
    on = true;
  };
  const detach = () => {
    window.removeEventListener('keydown', keymap.onKeydown);
    on = false;
  };
  onMounted(attach);
  onActivated(attach);
  onDeactivated(detach);
  onBeforeUnmount(detach);
  return keymap;
}
