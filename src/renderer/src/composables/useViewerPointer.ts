import type { FramePixels } from '../../../shared/domain/imaging';
import { dragWindow, type Pan } from '../components/imaging/paint';
import type { Window } from '../components/imaging/render';

/** What the image viewer's mouse gestures read and change. */
export interface ViewerPointerActions {
  /** The frame on screen; null while none is, and gestures then do nothing. */
  frame: () => FramePixels | null;
  focus: () => void;
  window: () => Window;
  pan: () => Pan;
  setWindow: (next: Window) => void;
  setPan: (next: Pan) => void;
  stepFrame: (delta: 1 | -1) => void;
  zoomBy: (factor: number) => void;
}

/**
 * The viewer's mouse: drag = window/level (horizontal width, vertical centre); Shift+drag or
 * right/middle drag = pan; wheel = next/previous frame on a multi-frame image, else zoom;
 * Ctrl/Cmd+wheel = zoom.
 */
export function useViewerPointer(actions: ViewerPointerActions) {
  let drag: { mode: 'window' | 'pan'; x: number; y: number; start: Window; pan: Pan } | null = null;

  function onPointerDown(e: PointerEvent): void {
    if (!actions.frame()) return;
    // Keys act on the focused viewer, so a click makes it the one the keys reach.
    actions.focus();
    const mode = e.button === 1 || e.button === 2 || e.shiftKey ? 'pan' : 'window';
    drag = { mode, x: e.clientX, y: e.clientY, start: { ...actions.window() }, pan: { ...actions.pan() } };
    (e.target as Element).setPointerCapture?.(e.pointerId);
  }

  function onPointerMove(e: PointerEvent): void {
    const f = actions.frame();
    if (!drag || !f) return;
    const dx = e.clientX - drag.x;
    const dy = e.clientY - drag.y;
    if (drag.mode === 'pan') actions.setPan({ x: drag.pan.x + dx, y: drag.pan.y + dy });
    else actions.setWindow(dragWindow(f, drag.start, dx, dy));
  }

  function onPointerUp(): void {
    drag = null;
  }

  function onWheel(e: WheelEvent): void {
    const f = actions.frame();
    if (!f) return;
    e.preventDefault();
    if (!e.ctrlKey && !e.metaKey && f.frames > 1) actions.stepFrame(e.deltaY > 0 ? 1 : -1);
    else actions.zoomBy(e.deltaY > 0 ? 1 / 1.15 : 1.15);
  }

  return { onPointerDown, onPointerMove, onPointerUp, onWheel };
}
