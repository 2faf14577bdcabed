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

/**
 * The viewer's keyboard: a table from key to action. `Shift+` entries win over the bare key
 * when Shift is held; other keys ignore Shift (so Shift+F still fits). Preset keys (1-6) come
 * first. A handled key goes no further, so a view's own shortcuts (LabelView's 1, 2, arrows)
 * do not also fire while the viewer has focus; Alt chords and keys typed into inputs pass on.
 */
export function useViewerKeymap<P extends { key: string }>(actions: ViewerKeyActions<P>) {
  const keymap: Readonly<Record<string, () => void>> = {
    f: actions.fit,
    F: actions.fit,
    '0': actions.actualSize,
    '+': actions.zoomIn,
    '=': actions.zoomIn,
    '-': actions.zoomOut,
    i: actions.toggleInvert,
    I: actions.toggleInvert,
    r: actions.reset,
    R: actions.reset,
    t: actions.toggleTags,
    T: actions.toggleTags,
    Home: actions.firstFrame,
    End: actions.lastFrame,
    PageDown: actions.nextFrame,
    PageUp: actions.previousFrame,
    ArrowRight: actions.nextFrame,
    ArrowDown: actions.nextFrame,
    ArrowLeft: actions.previousFrame,
    ArrowUp: actions.previousFrame,
    'Shift+ArrowLeft': () => actions.panBy(-PAN_STEP, 0),
    'Shift+ArrowRight': () => actions.panBy(PAN_STEP, 0),
    'Shift+ArrowUp': () => actions.panBy(0, -PAN_STEP),
    'Shift+ArrowDown': () => actions.panBy(0, PAN_STEP),
  };

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
