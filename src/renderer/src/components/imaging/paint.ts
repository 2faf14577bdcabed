import type { FramePixels } from '../../../../shared/domain/imaging';
import { renderRgba, type Window } from './render';

export interface Pan {
  x: number;
  y: number;
}

/**
 * Renders a frame at its stored resolution into an offscreen bitmap, window and invert
 * applied, so that zooming and panning only redraw the bitmap.
 */
export function paintBitmap(bitmap: HTMLCanvasElement, f: FramePixels, values: ArrayLike<number>, win: Window, invert: boolean): void {
  bitmap.width = f.width;
  bitmap.height = f.height;
  const ctx = bitmap.getContext('2d');
  if (!ctx) return;
  const img = ctx.createImageData(f.width, f.height);
  renderRgba(f, values, win, invert, img.data);
  ctx.putImageData(img, 0, 0);
}

// Layout is in full-frame pixels, so a reduced preview is drawn stretched to the full size.

/** The zoom at which the whole frame fits a box of `width` × `height` CSS pixels. */
export function fitZoom(f: Pick<FramePixels, 'fullWidth' | 'fullHeight'>, width: number, height: number): number {
  return Math.min(width / f.fullWidth, height / f.fullHeight);
}

/** Draws the bitmap centred on a black canvas of `width` × `height` CSS pixels, zoomed and panned. */
export function drawBitmap(canvas: HTMLCanvasElement, bitmap: HTMLCanvasElement, f: Pick<FramePixels, 'fullWidth' | 'fullHeight'>, width: number, height: number, zoom: number, pan: Pan): void {
  const dpr = window.devicePixelRatio || 1;
  // Assigning a canvas's size clears it and reallocates: only when it changed.
  if (canvas.width !== Math.round(width * dpr) || canvas.height !== Math.round(height * dpr)) {
    canvas.width = Math.round(width * dpr);
    canvas.height = Math.round(height * dpr);
  }
  const ctx = canvas.getContext('2d');
  if (!ctx) return;
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.fillStyle = '#000';
  ctx.fillRect(0, 0, width, height);
  // Past 3x, show the pixels as the squares they are rather than a blur.
  ctx.imageSmoothingEnabled = zoom < 3;
  const dw = f.fullWidth * zoom;
  const dh = f.fullHeight * zoom;
  ctx.drawImage(bitmap, (width - dw) / 2 + pan.x, (height - dh) / 2 + pan.y, dw, dh);
}

export function clampZoom(zoom: number): number {
  return Math.min(32, Math.max(0.05, zoom));
}

/**
 * The window after dragging (dx, dy) CSS pixels from `start`: right widens, up raises the
 * centre. Sensitivity scales with the data's range so CT (thousands of HU) and 8-bit images
 * both feel right.
 */
export function dragWindow(f: Pick<FramePixels, 'min' | 'max'>, start: Window, dx: number, dy: number): Window {
  const k = Math.max(1, f.max - f.min) / 512;
  return { center: start.center - dy * k, width: start.width + dx * k * 2 };
}
