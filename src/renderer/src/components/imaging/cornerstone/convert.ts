/**
 * Pure conversions between CareLens frames (`imaging:frame`) and what Cornerstone3D reads: image
 * ids, pixel arrays, metadata modules, and the index <-> world mapping of an image plane. No DOM,
 * no Cornerstone import: tested in Node (convert.test.ts).
 */
import type { FramePixels, Geometry } from '../../../../../shared/domain/imaging';
import type { Calibration } from '../../../../../shared/domain/measurements';

export const SCHEME = 'carelens';

/** `carelens:<imageId>?frame=<n>`: one stack entry (one frame of one stored image). */
export function toCsImageId(imageId: string, frame = 0): string {
  return `${SCHEME}:${encodeURIComponent(imageId)}?frame=${frame}`;
}

/** The CareLens image id and frame of a `carelens:` id; throws on anything else. */
export function parseCsImageId(csImageId: string): { imageId: string; frame: number } {
  const m = /^carelens:([^?]+)\?frame=(\d+)$/.exec(csImageId);
  if (!m) throw new Error(`Not a CareLens image id: ${csImageId}`);
  return { imageId: decodeURIComponent(m[1]!), frame: Number(m[2]) };
}

export type PixelArray = Int16Array | Uint16Array | Float32Array | Uint8Array;

/** A frame's modality values (or interleaved RGB bytes), typed as the main process sent them (little-endian bytes). */
export function framePixelArray(f: Pick<FramePixels, 'data' | 'encoding' | 'width' | 'height' | 'samples'>): PixelArray {
  const bytes = f.data;
  const size = f.encoding === 'int16' || f.encoding === 'uint16' ? 2 : f.encoding === 'float32' ? 4 : 1;
  if (bytes.byteLength % size !== 0) throw new Error(`Frame ${f.width}x${f.height}x${f.samples} arrived with ${bytes.byteLength} bytes, not whole ${f.encoding} values.`);
  // A view where the bytes are aligned for their type (both transports deliver them so), else an aligned copy.
  const buf = bytes.byteOffset % size === 0 ? bytes.buffer : bytes.slice().buffer;
  const offset = bytes.byteOffset % size === 0 ? bytes.byteOffset : 0;
  const count = bytes.byteLength / size;
  const n = f.width * f.height * f.samples;
  let out: PixelArray;
  switch (f.encoding) {
    case 'int16':
      out = new Int16Array(buf, offset, count);
      break;
    case 'uint16':
      out = new Uint16Array(buf, offset, count);
      break;
    case 'float32':
      out = new Float32Array(buf, offset, count);
      break;
    default:
      out = new Uint8Array(buf, offset, count);
  }
  if (out.length !== n) throw new Error(`Frame ${f.width}x${f.height}x${f.samples} arrived with ${out.length} values.`);
  return out;
}

/** Cornerstone's imagePlaneModule: spacing from `measurements:calibration` (the stored values use the same). */
export interface PlaneModule {
  frameOfReferenceUID: string;
  rows: number;
  columns: number;
  imageOrientationPatient: number[];
  rowCosines: [number, number, number];
  columnCosines: [number, number, number];
  imagePositionPatient: [number, number, number];
  /** DICOM order: [between rows, between columns]. */
  pixelSpacing: [number, number];
  rowPixelSpacing: number;
  columnPixelSpacing: number;
  /** True when uncalibrated: Cornerstone then shows lengths in px. */
  usingDefaultValues: boolean;
}

export function planeModule(f: Pick<FramePixels, 'width' | 'height' | 'imageId' | 'frame'>, calibration: Calibration | null, geometry: Geometry | null): PlaneModule {
  const o = geometry?.orientation ?? [1, 0, 0, 0, 1, 0];
  const spacing = calibration?.spacing ?? null;
  const [rowSpacing, colSpacing] = spacing ?? [1, 1];
  // Frames of a multi-frame file without per-frame positions: stacked one "slice" apart, so
  // Cornerstone keeps each frame's annotations on its own frame.
  const base = geometry?.position ?? [0, 0, 0];
  const normal = cross([o[0], o[1], o[2]], [o[3], o[4], o[5]]);
  const position: [number, number, number] = [base[0] + normal[0] * f.frame, base[1] + normal[1] * f.frame, base[2] + normal[2] * f.frame];
  return {
    frameOfReferenceUID: geometry?.frameOfReferenceUID ?? `carelens-${f.imageId}`,
    rows: f.height,
    columns: f.width,
    imageOrientationPatient: [...o],
    rowCosines: [o[0], o[1], o[2]],
    columnCosines: [o[3], o[4], o[5]],
    imagePositionPatient: position,
    pixelSpacing: [rowSpacing, colSpacing],
    rowPixelSpacing: rowSpacing,
    columnPixelSpacing: colSpacing,
    usingDefaultValues: spacing === null,
  };
}

function cross(a: [number, number, number], b: [number, number, number]): [number, number, number] {
  return [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];
}

/** Image index [x = column, y = row] (pixel centres at integers) to world mm on the plane. */
export function indexToWorld(p: PlaneModule, [x, y]: [number, number]): [number, number, number] {
  const o = p.imagePositionPatient;
  const dx = x * p.columnPixelSpacing;
  const dy = y * p.rowPixelSpacing;
  return [0, 1, 2].map((k) => o[k]! + p.rowCosines[k]! * dx + p.columnCosines[k]! * dy) as [number, number, number];
}

/** World mm to image index [x, y] (the inverse of indexToWorld for points on the plane). */
export function worldToIndex(p: PlaneModule, w: readonly number[]): [number, number] {
  const d = [0, 1, 2].map((k) => w[k]! - p.imagePositionPatient[k]!);
  const along = (c: readonly number[]) => d[0]! * c[0]! + d[1]! * c[1]! + d[2]! * c[2]!;
  return [along(p.rowCosines) / p.columnPixelSpacing, along(p.columnCosines) / p.rowPixelSpacing];
}

export function pixelModule(f: Pick<FramePixels, 'width' | 'height' | 'samples' | 'encoding' | 'photometric'>) {
  const bits = f.encoding === 'float32' ? 32 : f.encoding === 'rgb8' ? 8 : 16;
  return {
    samplesPerPixel: f.samples,
    // Colour arrives as RGB whatever the file held (YBR is converted in the main process).
    photometricInterpretation: f.samples === 3 ? 'RGB' : f.photometric === 'MONOCHROME1' ? 'MONOCHROME1' : 'MONOCHROME2',
    rows: f.height,
    columns: f.width,
    bitsAllocated: bits,
    bitsStored: bits,
    highBit: bits - 1,
    pixelRepresentation: f.encoding === 'int16' || f.encoding === 'float32' ? 1 : 0,
  };
}

export function voiModule(f: Pick<FramePixels, 'windowCenter' | 'windowWidth'>) {
  return { windowCenter: [f.windowCenter], windowWidth: [Math.max(1, f.windowWidth)], voiLUTFunction: 'LINEAR' };
}

/**
 * Cornerstone's IImage fields for a frame (all but the voxel manager, which the loader adds).
 * The values are already modality values, so slope 1 and intercept 0.
 */
export function imageFields(csImageId: string, f: FramePixels, values: PixelArray, plane: PlaneModule) {
  let min = f.min;
  let max = f.max;
  if (f.samples === 3) {
    min = 0;
    max = 255;
  }
  return {
    imageId: csImageId,
    minPixelValue: min,
    maxPixelValue: max,
    slope: 1,
    intercept: 0,
    windowCenter: f.windowCenter,
    windowWidth: Math.max(1, f.windowWidth),
    rows: f.height,
    columns: f.width,
    height: f.height,
    width: f.width,
    color: f.samples === 3,
    rgba: false,
    numberOfComponents: f.samples,
    columnPixelSpacing: plane.columnPixelSpacing,
    rowPixelSpacing: plane.rowPixelSpacing,
    invert: f.invert,
    photometricInterpretation: pixelModule(f).photometricInterpretation,
    sizeInBytes: values.byteLength,
    dataType: values.constructor.name,
    FrameOfReferenceUID: plane.frameOfReferenceUID,
  };
}

/**
 * Stack entries for a list of CareLens images: one per frame of each image whose frame count
 * is known (`framesOf`), one (frame 0) for the others until it is.
 */
export function expandStack(imageIds: readonly string[], framesOf: (imageId: string) => number | undefined): string[] {
  const out: string[] = [];
  for (const id of imageIds) {
    if (id.startsWith(`${SCHEME}:`)) {
      out.push(id);
      continue;
    }
    const n = Math.max(1, framesOf(id) ?? 1);
    for (let f = 0; f < n; f++) out.push(toCsImageId(id, f));
  }
  return out;
}

/**
 * Which stack entries to fetch ahead of `index` while moving in `direction`: `ahead` of them,
 * nearest first; past the end they wrap round when `loop` (cine), else stop.
 */
export function prefetchWindow(count: number, index: number, ahead: number, direction: 1 | -1 = 1, loop = false): number[] {
  const out: number[] = [];
  for (let k = 1; k <= Math.min(ahead, count - 1); k++) {
    let i = index + k * direction;
    if (loop) i = ((i % count) + count) % count;
    else if (i < 0 || i >= count) break;
    out.push(i);
  }
  return out;
}
