/**
 * Pure conversions between CareLens frames (`imaging:frame`) and what Cornerstone3D reads: image
 * ids, pixel arrays, metadata modules, and the index <-> world mapping of an image plane. No DOM,
 * no Cornerstone import: tested in Node (convert.test.ts).
 */
import type { DicomTagRow, FramePixels } from '../../../../../shared/domain/imaging';
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

type FromBase64 = (s: string) => Uint8Array;

/** The bytes of a base64 string: the built-in decoder where the browser has one (Chromium 140+), else atob. */
export function base64Bytes(b64: string): Uint8Array {
  const native = (Uint8Array as unknown as { fromBase64?: FromBase64 }).fromBase64;
  if (native) return native(b64);
  const bin = atob(b64);
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  return bytes;
}

/** A frame's modality values (or interleaved RGB bytes), typed as the main process sent them. */
export function framePixelArray(f: Pick<FramePixels, 'data' | 'encoding' | 'width' | 'height' | 'samples'>): PixelArray {
  const bytes = base64Bytes(f.data);
  // A fresh, aligned buffer (fromBase64 and the atob path both return one).
  const buf = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
  const n = f.width * f.height * f.samples;
  let out: PixelArray;
  switch (f.encoding) {
    case 'int16':
      out = new Int16Array(buf);
      break;
    case 'uint16':
      out = new Uint16Array(buf);
      break;
    case 'float32':
      out = new Float32Array(buf);
      break;
    default:
      out = new Uint8Array(buf);
  }
  if (out.length !== n) throw new Error(`Frame ${f.width}x${f.height}x${f.samples} arrived with ${out.length} values.`);
  return out;
}

/** Where an image sits in space: from the DICOM tags where present, else an axial plane at the origin. */
export interface Geometry {
  /** Row direction then column direction (DICOM Image Orientation (Patient)). */
  orientation: [number, number, number, number, number, number] | null;
  /** The centre of the first pixel, mm (Image Position (Patient)). */
  position: [number, number, number] | null;
  frameOfReferenceUID: string | null;
}

function numbers(value: string | undefined, count: number): number[] | null {
  if (!value) return null;
  const parts = value.split('\\').map((s) => Number(s.trim()));
  if (parts.length !== count || parts.some((x) => !Number.isFinite(x))) return null;
  return parts;
}

/** Orientation, position and frame of reference from an image's top-level tags (a wrong or missing value gives null). */
export function geometryFromTags(tags: readonly DicomTagRow[]): Geometry {
  const top = (tag: string) => tags.find((r) => r.depth === 0 && r.tag === tag)?.value;
  const o = numbers(top('(0020,0037)'), 6);
  // Unit vectors, not parallel: else the plane is unusable and the default is safer.
  const ok = o && Math.abs(Math.hypot(o[0]!, o[1]!, o[2]!) - 1) < 0.01 && Math.abs(Math.hypot(o[3]!, o[4]!, o[5]!) - 1) < 0.01 && Math.abs(o[0]! * o[3]! + o[1]! * o[4]! + o[2]! * o[5]!) < 0.01;
  const p = numbers(top('(0020,0032)'), 3);
  const uid = top('(0020,0052)')?.trim();
  return {
    orientation: ok ? (o as Geometry['orientation']) : null,
    position: p as Geometry['position'],
    frameOfReferenceUID: uid || null,
  };
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
