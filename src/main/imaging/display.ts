/**
 * A decoded frame to 8-bit pixels for thumbnails, the PDF and the models: windowed grey,
 * RGB and resizing.
 */
import { clamp8 } from './colour';
import type { DecodedImage } from './pixels';

export interface Gray8 {
  width: number;
  height: number;
  data: Uint8Array;
}

/**
 * An 8-bit grey rendering: grey images through their window (inverted for MONOCHROME1),
 * colour images as luma. `size` resizes (a number gives a square; box-averaged when
 * shrinking, bilinear when growing).
 */
export function toGray8(decoded: DecodedImage, size?: number | { width: number; height: number }, window?: { center: number; width: number }): Gray8 {
  const { width, height } = decoded;
  const n = width * height;
  const g = new Uint8Array(n);
  if (decoded.samples === 3) {
    const d = decoded.data;
    for (let i = 0; i < n; i++) g[i] = clamp8(0.299 * d[i * 3]! + 0.587 * d[i * 3 + 1]! + 0.114 * d[i * 3 + 2]!);
  } else {
    const c = window?.center ?? decoded.windowCenter;
    const w = Math.max(1, window?.width ?? decoded.windowWidth);
    const lo = c - 0.5 - (w - 1) / 2;
    const scale = 255 / Math.max(1e-9, w - 1);
    const d = decoded.data;
    for (let i = 0; i < n; i++) {
      let v = (d[i]! - lo) * scale;
      v = v < 0 ? 0 : v > 255 ? 255 : v;
      g[i] = decoded.invert ? 255 - Math.round(v) : Math.round(v);
    }
  }
  if (size === undefined) return { width, height, data: g };
  const tw = typeof size === 'number' ? size : size.width;
  const th = typeof size === 'number' ? size : size.height;
  return { width: tw, height: th, data: resize(g, width, height, 1, tw, th) };
}

/** 8-bit RGB for thumbnails and colour display (grey images windowed as in toGray8). */
export function toRgb8Display(decoded: DecodedImage): Uint8Array {
  if (decoded.samples === 3) return decoded.data as Uint8Array;
  const g = toGray8(decoded).data;
  const out = new Uint8Array(g.length * 3);
  for (let i = 0; i < g.length; i++) out[i * 3] = out[i * 3 + 1] = out[i * 3 + 2] = g[i]!;
  return out;
}

/** Resizes interleaved 8-bit pixels with `channels` channels. */
export function resize(src: Uint8Array, sw: number, sh: number, channels: number, tw: number, th: number): Uint8Array {
  const out = new Uint8Array(tw * th * channels);
  const fx = sw / tw;
  const fy = sh / th;
  if (fx >= 1 && fy >= 1) {
    // Shrinking both ways: box-average every source pixel a target pixel covers (sampling would skip pixels and alias).
    for (let y = 0; y < th; y++) {
      const y0 = Math.floor(y * fy);
      const y1 = Math.max(y0 + 1, Math.floor((y + 1) * fy));
      for (let x = 0; x < tw; x++) {
        const x0 = Math.floor(x * fx);
        const x1 = Math.max(x0 + 1, Math.floor((x + 1) * fx));
        for (let c = 0; c < channels; c++) {
          let sum = 0;
          for (let yy = y0; yy < y1; yy++) for (let xx = x0; xx < x1; xx++) sum += src[(yy * sw + xx) * channels + c]!;
          out[(y * tw + x) * channels + c] = Math.round(sum / ((y1 - y0) * (x1 - x0)));
        }
      }
    }
    return out;
  }
  for (let y = 0; y < th; y++) {
    const sy = Math.min(sh - 1, Math.max(0, (y + 0.5) * fy - 0.5));
    const y0 = Math.floor(sy);
    const y1 = Math.min(sh - 1, y0 + 1);
    const wy = sy - y0;
    for (let x = 0; x < tw; x++) {
      const sx = Math.min(sw - 1, Math.max(0, (x + 0.5) * fx - 0.5));
      const x0 = Math.floor(sx);
      const x1 = Math.min(sw - 1, x0 + 1);
      const wx = sx - x0;
      for (let c = 0; c < channels; c++) {
        const a = src[(y0 * sw + x0) * channels + c]!;
        const b = src[(y0 * sw + x1) * channels + c]!;
        const d = src[(y1 * sw + x0) * channels + c]!;
        const e = src[(y1 * sw + x1) * channels + c]!;
        out[(y * tw + x) * channels + c] = Math.round((a * (1 - wx) + b * wx) * (1 - wy) + (d * (1 - wx) + e * wx) * wy);
      }
    }
  }
  return out;
}
