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

/**
 * A window centre or width for the overlay, with the precision it needs: whole numbers (to
 * float noise) stay whole ("W 400"); others keep three significant digits, trailing zeros
 * dropped, and never fewer decimals than a whole number has: 1.0 -> "1", 0.5 -> "0.5",
 * 0.01234 -> "0.0123", 2.345 -> "2.35", 45.67 -> "45.7", 399.6 -> "400" (a parametric map's
 * W 1 / L 0.5 is not "W 1 / L 1"). No digit grouping; `locale` is an Intl locale (format.ts's intlLocale()).
 */
export function formatWindowValue(value: number, locale: string): string {
  if (!Number.isFinite(value)) return '—';
  const abs = Math.abs(value);
  const whole = Math.abs(value - Math.round(value)) <= 1e-6 * Math.max(1, abs);
  const decimals = whole || abs >= 100 ? 0 : Math.min(6, 2 - Math.floor(Math.log10(abs)));
  // maximumFractionDigits rounds and drops trailing zeros; -0 reads as 0.
  const text = new Intl.NumberFormat(locale, { maximumFractionDigits: decimals, useGrouping: false }).format(value);
  return text === '-0' ? '0' : text;
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
