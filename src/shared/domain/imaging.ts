/** Imaging records as the UI and the CLI see them: types, and one pure parser (geometryFromValues). */

import type { Calibration } from './measurements';

export interface ImportOptions {
  /** Folders (or single files) to walk recursively. */
  paths: string[];
  /** A patient (CareLens id or MRN) that PNG/JPEG files belong to. */
  patientId?: string;
  /** PNG/JPEG: the first folder level under each given folder is the patient's MRN. */
  patientFromFolders?: boolean;
  /** The folder holding each file names its label; a train/val/test folder above it is its split. */
  labelsFromFolders?: boolean;
  /** The label set for folder labels (default: the first given folder's name). */
  labelSet?: string;
}

export type ImportState = 'running' | 'done' | 'cancelled' | 'failed' | 'interrupted';

/** A live or finished import. Counts are what is committed to the database. */
export interface ImportStatus {
  importId: string;
  state: ImportState;
  /** 'walking' while files are being found, then 'importing'. */
  phase: 'walking' | 'importing' | 'finished';
  found: number;
  processed: number;
  imported: number;
  duplicates: number;
  failed: number;
  bytes: number;
  /** Files per second over the import so far. */
  rate: number;
  /** Seconds left at the current rate, null while unknown. */
  etaSeconds: number | null;
  startedAt: string;
  finishedAt: string | null;
  paths: string[];
  labelSet: string | null;
  /** Why the import stopped, when it failed. */
  error: string | null;
}

export interface ImportFailure {
  path: string;
  reason: string;
}

/**
 * What `carelens import --json` prints, exactly. patients / studies / series / images are the
 * records this import created (an import that only finds duplicates creates none).
 */
export interface ImportSummary {
  scanned: number;
  imported: number;
  duplicates: number;
  failed: ImportFailure[];
  patients: number;
  studies: number;
  series: number;
  images: number;
}

/**
 * A file an import did not store because CareLens already held it: the same bytes
 * ('same-file') or the same SOP Instance UID in other bytes ('same-instance').
 */
export interface ImportDuplicate {
  path: string;
  match: 'same-file' | 'same-instance';
  /** The stored image it duplicates (null only if that image is gone). */
  originalImageId: string | null;
  /** Where the stored image was imported from. */
  originalPath: string | null;
  /** True when the stored image came in earlier in this same import; false: an earlier import. */
  withinImport: boolean;
}

export interface ImportReport {
  status: ImportStatus;
  failures: ImportFailure[];
  totalFailures: number;
  /** Files not stored because they were already held (older imports list none: they were only counted). */
  duplicates: ImportDuplicate[];
  totalDuplicates: number;
}

export interface ImagingPatient {
  /** null: the unassigned images (PNG/JPEG with no patient). */
  patientId: string | null;
  mrn: string;
  name: string;
  studies: number;
  images: number;
}

export interface ImagingStudy {
  id: string;
  studyUid: string | null;
  studyDate: string | null;
  description: string;
  accession: string;
  series: number;
  images: number;
}

export interface ImagingSeries {
  id: string;
  seriesUid: string | null;
  modality: string;
  bodyPart: string;
  manufacturer: string;
  description: string;
  seriesNumber: number | null;
  images: number;
}

export interface ImageLabel {
  labelSet: string;
  className: string;
}

/** One image in a list or grid. */
export interface ImageSummary {
  id: string;
  patientId: string | null;
  patientMrn: string | null;
  seriesId: string | null;
  format: 'dicom' | 'png' | 'jpeg';
  modality: string;
  rows: number | null;
  columns: number | null;
  frames: number;
  photometric: string | null;
  sizeBytes: number;
  instanceNumber: number | null;
  predefinedSplit: 'train' | 'val' | 'test' | null;
  originalPath: string;
  hasThumbnail: boolean;
  labels: ImageLabel[];
}

export interface ImagePage {
  items: ImageSummary[];
  total: number;
}

/** Everything the viewer needs about one image besides its pixels. */
export interface ImageDetail extends ImageSummary {
  sha256: string;
  sopInstanceUid: string | null;
  bitsAllocated: number | null;
  bitsStored: number | null;
  pixelSpacing: string | null;
  windowCenter: number | null;
  windowWidth: number | null;
  rescaleSlope: number | null;
  rescaleIntercept: number | null;
  transferSyntax: string | null;
  importId: string | null;
  createdAt: string;
}

/**
 * One frame's pixels for the viewer. Grey frames carry modality values (after rescale) as
 * little-endian int16 / uint16 / float32; colour frames interleaved 8-bit RGB. Base64.
 */
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

/**
 * Orientation, position and frame of reference from the values of (0020,0037), (0020,0032) and
 * (0020,0052) (a wrong or missing value gives null: the viewer then uses a default plane).
 */
export function geometryFromValues(orientation: string | null | undefined, position: string | null | undefined, frameOfReferenceUID: string | null | undefined): Geometry {
  const o = numbers(orientation ?? undefined, 6);
  // Unit vectors, not parallel: else the plane is unusable and the default is safer.
  const ok = o && Math.abs(Math.hypot(o[0]!, o[1]!, o[2]!) - 1) < 0.01 && Math.abs(Math.hypot(o[3]!, o[4]!, o[5]!) - 1) < 0.01 && Math.abs(o[0]! * o[3]! + o[1]! * o[4]! + o[2]! * o[5]!) < 0.01;
  const p = numbers(position ?? undefined, 3);
  const uid = frameOfReferenceUID?.replace(/\0/g, '').trim();
  return {
    orientation: ok ? (o as Geometry['orientation']) : null,
    position: p as Geometry['position'],
    frameOfReferenceUID: uid || null,
  };
}

export interface FramePixels {
  imageId: string;
  frame: number;
  frames: number;
  /** The size of `data` (smaller than fullWidth/fullHeight for a reduced preview). */
  width: number;
  height: number;
  fullWidth: number;
  fullHeight: number;
  /** A lower-resolution preview: ask again without `preview` for the full frame. */
  reduced: boolean;
  samples: 1 | 3;
  encoding: 'int16' | 'uint16' | 'float32' | 'rgb8';
  /**
   * The values, little-endian, as bytes: binary on both transports (Electron's structured clone;
   * the web host's binary envelope, webHost.ts). Never base64 or JSON numbers.
   */
  data: Uint8Array;
  /** Where the frame sits in space, from the header (nulls for PNG/JPEG or absent tags). */
  geometry: Geometry;
  /** Pixel Spacing, else Imager Pixel Spacing, as measurements read it; uncalibrated when neither. */
  calibration: Calibration;
  photometric: string;
  modality: string;
  windowCenter: number;
  windowWidth: number;
  windowFromFile: boolean;
  invert: boolean;
  min: number;
  max: number;
  /** Milliseconds the main process spent reading and decoding (or waiting for a decode already under way). */
  decodeMs: number;
  /** Whether the main process had it decoded already (its frame cache: a read-ahead, another viewport, an earlier view). */
  cached: boolean;
}

export interface DicomTagRow {
  tag: string;
  name: string;
  vr: string;
  value: string;
  depth: number;
}

export interface Thumbnail {
  imageId: string;
  /** data:image/png;base64,... or null when the image has none. */
  dataUrl: string | null;
}
