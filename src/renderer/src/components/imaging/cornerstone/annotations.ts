/**
 * Cornerstone annotations <-> CareLens measurements, pure (tested in Node). A measurement's points
 * are image index coordinates (src/shared/domain/measurements.ts); an annotation's are world mm
 * on the image plane (convert.ts's PlaneModule).
 */
import type { Measurement, MeasurementKind } from '../../../../../shared/domain/measurements';
import { indexToWorld, worldToIndex, type PlaneModule } from './convert';

/** Cornerstone tool names (their static toolName) of each measurement kind. */
export const TOOL_OF_KIND: Record<MeasurementKind, string> = {
  probe: 'Probe',
  length: 'Length',
  angle: 'Angle',
  rectangle: 'RectangleROI',
  ellipse: 'EllipticalROI',
};

export function kindOfTool(toolName: string): MeasurementKind | null {
  const hit = (Object.entries(TOOL_OF_KIND) as [MeasurementKind, string][]).find(([, t]) => t === toolName);
  return hit ? hit[0] : null;
}

type P2 = [number, number];
type P3 = [number, number, number];

function bounds(points: P2[]): { x0: number; y0: number; x1: number; y1: number } {
  const xs = points.map((p) => p[0]);
  const ys = points.map((p) => p[1]);
  return { x0: Math.min(...xs), y0: Math.min(...ys), x1: Math.max(...xs), y1: Math.max(...ys) };
}

/**
 * A finished annotation's handles (world) as a measurement's points (index): the handles as they
 * are for probe, length and angle; two opposite corners of the box for a rectangle or an ellipse.
 */
export function pointsOfAnnotation(kind: MeasurementKind, world: readonly (readonly number[])[], plane: PlaneModule): P2[] {
  const idx = world.map((w) => worldToIndex(plane, w));
  switch (kind) {
    case 'probe':
      return idx.slice(0, 1);
    case 'length':
      return idx.slice(0, 2);
    case 'angle':
      return idx.slice(0, 3);
    default: {
      const b = bounds(idx);
      return [
        [b.x0, b.y0],
        [b.x1, b.y1],
      ];
    }
  }
}

/** The handles (world) Cornerstone's tool of this kind keeps for a stored measurement's points. */
export function handlesOfMeasurement(kind: MeasurementKind, points: readonly P2[], plane: PlaneModule): P3[] {
  const w = (p: P2) => indexToWorld(plane, p);
  if (kind === 'rectangle' || kind === 'ellipse') {
    const b = bounds([...points]);
    if (kind === 'rectangle') {
      // RectangleROITool: top-left, top-right, bottom-left, bottom-right.
      return [w([b.x0, b.y0]), w([b.x1, b.y0]), w([b.x0, b.y1]), w([b.x1, b.y1])];
    }
    // EllipticalROITool: bottom, top, left, right (the midpoints of the box's sides).
    const cx = (b.x0 + b.x1) / 2;
    const cy = (b.y0 + b.y1) / 2;
    return [w([cx, b.y1]), w([cx, b.y0]), w([b.x0, cy]), w([b.x1, cy])];
  }
  return points.map(w);
}

/** Rounds index points to 1/100 pixel: what is saved is what the mouse could mean, no float noise. */
export function roundPoints(points: P2[]): P2[] {
  return points.map(([x, y]) => [Math.round(x * 100) / 100, Math.round(y * 100) / 100]);
}

/** The measurements of one frame, for drawing. */
export function measurementsOfFrame(list: readonly Measurement[] | undefined, frame: number): Measurement[] {
  return (list ?? []).filter((m) => m.frame === frame);
}
