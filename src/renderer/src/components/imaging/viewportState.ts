/** What StackViewport.vue emits on every change (the reading room's overlays read it). */
export interface ViewportState {
  /** The CareLens image on screen (not the `carelens:` stack id). */
  imageId: string;
  /** Position in the stack (a multi-frame image is one entry per frame) and its length. */
  index: number;
  count: number;
  /** The frame of `imageId` on screen (0-based) and how many it has. */
  frame: number;
  frames: number;
  windowCenter: number;
  windowWidth: number;
  /** Screen (CSS) pixels per image pixel: 1 is "actual size". */
  zoom: number;
  /** Millimetres per screen pixel (for a scale bar); null when the image has no pixel spacing. */
  mmPerScreenPixel: number | null;
  /** Whether the image is shown inverted (true for MONOCHROME1 as it should be shown, or the user's invert). */
  invert: boolean;
  playing: boolean;
  fps: number;
  /** Milliseconds from the stack being set to its first pixels on screen; null until then. */
  firstPixelsMs: number | null;
}

export type ViewportTool = 'windowLevel' | 'pan' | 'zoom' | 'probe' | 'length' | 'angle' | 'rectangle' | 'ellipse';

export const VIEWPORT_TOOLS: readonly ViewportTool[] = ['windowLevel', 'pan', 'zoom', 'probe', 'length', 'angle', 'rectangle', 'ellipse'];

/** What StackViewport exposes (through a template ref). */
export interface StackViewportApi {
  setTool(name: ViewportTool): void;
  setWindow(center: number, width: number): void;
  toggleInvert(): void;
  reset(): void;
  fit(): void;
  actualSize(): void;
  zoomBy(factor: number): void;
  panBy(dx: number, dy: number): void;
  next(): void;
  previous(): void;
  first(): void;
  last(): void;
  goTo(index: number): void;
  play(fps?: number): void;
  stop(): void;
  resize(): void;
}
