/**
 * Measurements on images (issue 13): probe, length, angle, rectangle and ellipse ROI. Every value is
 * computed in the main process from the decoded frame and the header's spacing; the renderer's own
 * numbers are only for drawing.
 */
export type MeasurementKind = 'probe' | 'length' | 'angle' | 'rectangle' | 'ellipse';
export type SpacingSource = 'PixelSpacing' | 'ImagerPixelSpacing';

export const measurementKinds: readonly MeasurementKind[] = ['probe', 'length', 'angle', 'rectangle', 'ellipse'];

/** How many points each kind takes. */
export const measurementPointCount: Record<MeasurementKind, number> = { probe: 1, length: 2, angle: 3, rectangle: 2, ellipse: 2 };

/** Pixel spacing in mm, DICOM order [between rows, between columns]; null when neither tag is present ("uncalibrated"). */
export interface Calibration {
  spacing: [number, number] | null;
  source: SpacingSource | null;
}

export interface RoiStats {
  mean: number;
  sd: number;
  min: number;
  max: number;
  count: number;
  areaPx: number;
  areaMm2: number | null;
}

/**
 * Points are image index coordinates [x = column, y = row], the centre of pixel (c, r) being (c, r)
 * (Cornerstone3D's index space). length: 2 points; angle: 3 points, the vertex in the middle;
 * probe: 1 point; rectangle: 2 opposite corners; ellipse: 2 opposite corners of its bounding box.
 */
export interface Measurement {
  id: string;
  imageId: string;
  frame: number;
  kind: MeasurementKind;
  points: [number, number][];
  /** length only: millimetres (null when uncalibrated) and pixels. */
  valueMm: number | null;
  valuePx: number | null;
  /** angle only, degrees (in physical space when calibrated). */
  angleDeg: number | null;
  /** probe only: the stored value and the modality value (after Rescale Slope/Intercept; HU for CT). */
  probe: { raw: number; value: number } | null;
  /** rectangle/ellipse only, in modality values; areaMm2 null when uncalibrated. */
  stats: RoiStats | null;
  /** Unit of modality values: 'HU' for CT, '' otherwise. */
  unit: string;
  spacing: [number, number] | null;
  spacingSource: SpacingSource | null;
  createdBy: string;
  createdAt: string;
}

/** One image's standing measurements (every frame), oldest first. */
export interface ImageMeasurements {
  imageId: string;
  measurements: Measurement[];
}

/** One spacing tag's value ("0.5\0.25") as [rows, columns] in mm, or null when absent or not two positive numbers. */
export function parseSpacing(value: string | null | undefined): [number, number] | null {
  if (!value) return null;
  const parts = value.split('\\').map((s) => s.trim());
  if (parts.length !== 2 || parts.some((s) => s === '')) return null;
  const [row, column] = parts.map(Number) as [number, number];
  if (!Number.isFinite(row) || !Number.isFinite(column) || row <= 0 || column <= 0) return null;
  return [row, column];
}

/** Pixel Spacing (0028,0030), else Imager Pixel Spacing (0018,1164), else uncalibrated. */
export function calibrationFrom(pixelSpacing: string | null | undefined, imagerPixelSpacing: string | null | undefined): Calibration {
  const ps = parseSpacing(pixelSpacing);
  if (ps) return { spacing: ps, source: 'PixelSpacing' };
  const ips = parseSpacing(imagerPixelSpacing);
  if (ips) return { spacing: ips, source: 'ImagerPixelSpacing' };
  return { spacing: null, source: null };
}
