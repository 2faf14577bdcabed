/**
 * The measurement arithmetic, pure: lengths, angles, probe values and ROI statistics from a
 * frame's modality values and the pixel spacing. Points are image index coordinates
 * [x = column, y = row] with pixel (c, r)'s centre at (c, r), as Cornerstone3D's index space.
 *
 * Spacing is DICOM's order [between rows, between columns]: the first value is the size of a
 * step in y (down a column), the second a step in x (along a row). A vector (dx, dy) in pixels
 * is (dx * spacing[1], dy * spacing[0]) in millimetres.
 */
import type { RoiStats } from '../../shared/domain/measurements';

export type Point = [number, number];

/** The vector from a to b in millimetres (x along rows, y down columns), or in pixels when uncalibrated. */
function physical(a: Point, b: Point, spacing: [number, number] | null): [number, number] {
  const dx = b[0] - a[0];
  const dy = b[1] - a[1];
  return spacing ? [dx * spacing[1], dy * spacing[0]] : [dx, dy];
}

/** A length in pixels and, when calibrated, in millimetres. */
export function lengthOf(a: Point, b: Point, spacing: [number, number] | null): { px: number; mm: number | null } {
  const px = Math.hypot(b[0] - a[0], b[1] - a[1]);
  return { px, mm: spacing ? Math.hypot(...physical(a, b, spacing)) : null };
}

/**
 * The angle at `vertex` between the rays to `a` and `b`, in degrees (0-180), measured in
 * physical space when calibrated (non-square pixels change angles), in pixels otherwise.
 * Null when a ray has no length.
 */
export function angleAt(a: Point, vertex: Point, b: Point, spacing: [number, number] | null): number | null {
  const u = physical(vertex, a, spacing);
  const v = physical(vertex, b, spacing);
  const nu = Math.hypot(...u);
  const nv = Math.hypot(...v);
  if (nu === 0 || nv === 0) return null;
  const cos = Math.max(-1, Math.min(1, (u[0] * v[0] + u[1] * v[1]) / (nu * nv)));
  return (Math.acos(cos) * 180) / Math.PI;
}

/** A frame's modality values (grey) with its size. */
export interface GreyFrame {
  width: number;
  height: number;
  /** Row-major modality values (after Rescale Slope/Intercept). */
  values: ArrayLike<number>;
}

/** The pixel whose centre is nearest a point (clamped into the image). */
export function pixelAt(frame: GreyFrame, p: Point): { column: number; row: number } {
  const column = Math.min(frame.width - 1, Math.max(0, Math.round(p[0])));
  const row = Math.min(frame.height - 1, Math.max(0, Math.round(p[1])));
  return { column, row };
}

/**
 * The probe: the modality value of the pixel under the point and the stored value it came
 * from (value = raw * slope + intercept, so raw = (value - intercept) / slope).
 */
export function probeAt(frame: GreyFrame, p: Point, rescale: { slope: number; intercept: number }): { raw: number; value: number } {
  const { column, row } = pixelAt(frame, p);
  const value = Number(frame.values[row * frame.width + column]);
  const raw = rescale.slope !== 0 ? (value - rescale.intercept) / rescale.slope : value;
  // The stored value is an integer for integer pixel data; float error from the Float32 decode is rounded away.
  const rounded = Math.round(raw);
  return { raw: Math.abs(raw - rounded) < 1e-3 ? rounded : raw, value };
}

export type RoiShape = 'rectangle' | 'ellipse';

/**
 * Statistics of the pixels whose centres lie inside the shape (its border included): the
 * rectangle with corners a and b, or the ellipse inscribed in that box. SD is the population
 * standard deviation (divides by the pixel count), as Cornerstone3D's ROI tools report it.
 * The area is the shape's geometric area (|w| x |h|, or pi x a x b for the ellipse), in pixels
 * and, when calibrated, in mm² (pixel area = spacing[0] x spacing[1]). Null when no pixel
 * centre is inside (a region smaller than a pixel).
 */
export function roiStats(frame: GreyFrame, shape: RoiShape, a: Point, b: Point, spacing: [number, number] | null): RoiStats | null {
  const x0 = Math.min(a[0], b[0]);
  const x1 = Math.max(a[0], b[0]);
  const y0 = Math.min(a[1], b[1]);
  const y1 = Math.max(a[1], b[1]);
  const w = x1 - x0;
  const h = y1 - y0;
  const areaPx = shape === 'rectangle' ? w * h : (Math.PI * w * h) / 4;
  const cx = (x0 + x1) / 2;
  const cy = (y0 + y1) / 2;
  const rx = w / 2;
  const ry = h / 2;
  const cStart = Math.max(0, Math.ceil(x0));
  const cEnd = Math.min(frame.width - 1, Math.floor(x1));
  const rStart = Math.max(0, Math.ceil(y0));
  const rEnd = Math.min(frame.height - 1, Math.floor(y1));
  /** Whether pixel (c, r)'s centre is in the region: every pixel of the box, or inside the ellipse. */
  const inside = (c: number, r: number): boolean => {
    if (shape !== 'ellipse') return true;
    if (rx === 0 || ry === 0) return false;
    const ex = (c - cx) / rx;
    const ey = (r - cy) / ry;
    return ex * ex + ey * ey <= 1 + 1e-9;
  };
  let count = 0;
  let sum = 0;
  let min = Infinity;
  let max = -Infinity;
  for (let r = rStart; r <= rEnd; r++) {
    for (let c = cStart; c <= cEnd; c++) {
      if (!inside(c, r)) continue;
      const v = Number(frame.values[r * frame.width + c]);
      count++;
      sum += v;
      if (v < min) min = v;
      if (v > max) max = v;
    }
  }
  if (count === 0) return null;
  const mean = sum / count;
  // Two passes: the mean first, then the squared deviations (no cancellation on large offsets like CT's -1024).
  let squares = 0;
  for (let r = rStart; r <= rEnd; r++) {
    for (let c = cStart; c <= cEnd; c++) {
      if (!inside(c, r)) continue;
      const d = Number(frame.values[r * frame.width + c]) - mean;
      squares += d * d;
    }
  }
  return { mean, sd: Math.sqrt(squares / count), min, max, count, areaPx, areaMm2: spacing ? areaPx * spacing[0] * spacing[1] : null };
}

// Spacing tags are read the same way by the viewer's frames (imaging) and by measurements.
export { calibrationFrom, parseSpacing } from '../../shared/domain/measurements';
