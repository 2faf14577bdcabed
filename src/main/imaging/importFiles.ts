/**
 * The import's file work, run in the imaging worker thread: walk folders, read, hash,
 * recognise, parse, decode a frame (to prove the file shows and to make a thumbnail), and
 * copy into the content-addressed store. No database here: results go back to the main
 * thread, which writes them in batched transactions.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { PNG } from 'pngjs';
import { Codecs, CodecError } from './codecs';
import { DicomError, MEDIA_STORAGE_DIRECTORY, directoryRecordCount, parseDicom, type DicomInfo } from './dicom';
import { resize, toRgb8Display } from './display';
import { PixelError } from './pixelError';
import { decodeDicomFrame, decodeImageBytes, type DecodedImage } from './pixels';
import { sniff } from './sniff';
import { storePath, thumbnailPath } from './store';

export const THUMB_SIZE = 128;

export interface FileJob {
  path: string;
  /** The folder the user gave that this file was found under. */
  root: string;
}

export interface ImportedFile {
  kind: 'image';
  path: string;
  sha256: string;
  size: number;
  format: 'dicom' | 'png' | 'jpeg';
  rows: number;
  columns: number;
  frames: number;
  samplesPerPixel: number;
  photometric: string;
  dicom: DicomInfo | null;
  /** From --labels-from-folders: the holding folder's name without its index prefix. */
  label: string | null;
  labelIndex: number | null;
  split: 'train' | 'val' | 'test' | null;
  /** PNG/JPEG with patients-from-folders: the first folder level under the root. */
  patientFolder: string | null;
  thumbnail: { width: number; height: number } | null;
}

export type FileResult = ImportedFile | { kind: 'duplicate'; path: string; sha256: string; size: number } | { kind: 'failed'; path: string; reason: string; size: number };

export interface ProcessOptions {
  storeRoot: string;
  thumbRoot: string;
  labelsFromFolders: boolean;
  patientFromFolders: boolean;
  /**
   * sha256 values stored before this import began. Copies met during the import are decoded
   * anyway and counted as duplicates by the writer, in walk order (deterministic).
   */
  knownSha: Set<string>;
}

/** Every file under the given folders (a given file is taken as it is). Unreadable folders are reported. */
export async function* walk(roots: string[], onError: (p: string, reason: string) => void): AsyncGenerator<FileJob> {
  for (const given of roots) {
    const root = path.resolve(given);
    let st: fs.Stats;
    try {
      st = await fs.promises.stat(root);
    } catch {
      onError(root, 'folder not found');
      continue;
    }
    if (st.isFile()) {
      yield { path: root, root: path.dirname(root) };
      continue;
    }
    const stack = [root];
    while (stack.length > 0) {
      const dir = stack.pop()!;
      let entries: fs.Dirent[];
      try {
        entries = await fs.promises.readdir(dir, { withFileTypes: true });
      } catch (err) {
        onError(dir, `folder cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
        continue;
      }
      entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      const subdirs: string[] = [];
      for (const e of entries) {
        const full = path.join(dir, e.name);
        if (e.isDirectory()) subdirs.push(full);
        else if (e.isFile()) yield { path: full, root };
      }
      // Depth-first in name order (reversed onto the stack).
      for (let i = subdirs.length - 1; i >= 0; i--) stack.push(subdirs[i]!);
    }
  }
}

const SPLITS = new Set(['train', 'val', 'test']);

/** `1_pneumonia` -> { name: 'pneumonia', index: 1 }; folders without a prefix keep their name. */
export function folderLabel(folder: string): { name: string; index: number | null } {
  const m = /^(\d+)[_\-. ]+(.+)$/.exec(folder);
  return m ? { name: m[2]!, index: Number(m[1]) } : { name: folder, index: null };
}

/** The label, split and patient folder a file's place in the tree implies. */
export function placeOf(job: FileJob): { label: ReturnType<typeof folderLabel> | null; split: 'train' | 'val' | 'test' | null; patientFolder: string | null } {
  const rel = path.relative(job.root, job.path);
  const parts = rel.split(path.sep);
  const folders = parts.slice(0, -1);
  const holder = folders[folders.length - 1];
  let split: 'train' | 'val' | 'test' | null = null;
  for (let i = folders.length - 2; i >= 0; i--) {
    const f = folders[i]!.toLowerCase();
    if (SPLITS.has(f)) {
      split = f as 'train' | 'val' | 'test';
      break;
    }
  }
  return {
    label: holder !== undefined && !SPLITS.has(holder.toLowerCase()) ? folderLabel(holder) : null,
    split,
    patientFolder: folders[0] ?? null,
  };
}

function failure(job: FileJob, reason: string, size: number): FileResult {
  return { kind: 'failed', path: job.path, reason, size };
}

/** Does all the work for one file. Never throws: a failing file becomes a report line. */
export async function processFile(job: FileJob, options: ProcessOptions, codecs: Codecs): Promise<FileResult> {
  let bytes: Buffer;
  try {
    bytes = await fs.promises.readFile(job.path);
  } catch (err) {
    return failure(job, `cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'})`, 0);
  }
  const size = bytes.length;
  if (size === 0) return failure(job, 'empty file', 0);
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  if (options.knownSha.has(sha256)) return { kind: 'duplicate', path: job.path, sha256, size };

  const kind = sniff(bytes.subarray(0, 512));
  if (kind === 'zip') return failure(job, 'ZIP archive: CareLens does not read inside archives; unpack it and import the folder', size);
  if (kind === 'unknown') return failure(job, 'not DICOM, PNG or JPEG', size);

  let decoded: DecodedImage;
  let dicom: DicomInfo | null = null;
  try {
    if (kind === 'png' || kind === 'jpeg') {
      decoded = await decodeImageBytes(bytes, 0, codecs);
    } else {
      const parsed = parseDicom(bytes);
      dicom = parsed.info;
      if (dicom.sopClassUid === MEDIA_STORAGE_DIRECTORY) {
        return failure(job, `DICOMDIR index listing ${directoryRecordCount(parsed.dataSet)} record(s), not an image: the images it lists are imported from their own files`, size);
      }
      decoded = await decodeDicomFrame(parsed, 0, codecs);
      // A multi-frame file must show every frame: decoding the last catches a short codestream.
      if (dicom.frames > 1) await decodeDicomFrame(parsed, dicom.frames - 1, codecs);
    }
  } catch (err) {
    if (err instanceof DicomError || err instanceof PixelError || err instanceof CodecError) return failure(job, err.message, size);
    return failure(job, `cannot be decoded (${(err as Error).message ?? String(err)})`, size);
  }

  try {
    const target = storePath(options.storeRoot, sha256);
    if (!fs.existsSync(target)) {
      await fs.promises.mkdir(path.dirname(target), { recursive: true });
      // Write then rename: a kill mid-write never leaves a half file under the final name.
      const tmp = `${target}.${process.pid}.tmp`;
      await fs.promises.writeFile(tmp, bytes);
      await fs.promises.rename(tmp, target);
    }
  } catch (err) {
    return failure(job, `cannot be copied into the data folder (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`, size);
  }

  let thumbnail: ImportedFile['thumbnail'] = null;
  try {
    thumbnail = await writeThumbnail(decoded, thumbnailPath(options.thumbRoot, sha256));
  } catch {
    thumbnail = null; // the grid shows a placeholder; the image itself is fine
  }

  const place = placeOf(job);
  const format = kind === 'png' ? 'png' : kind === 'jpeg' ? 'jpeg' : 'dicom';
  return {
    kind: 'image',
    path: job.path,
    sha256,
    size,
    format,
    rows: decoded.height,
    columns: decoded.width,
    frames: dicom?.frames ?? 1,
    samplesPerPixel: dicom?.samplesPerPixel ?? decoded.samples,
    photometric: dicom?.photometric ?? (decoded.samples === 3 ? 'RGB' : 'MONOCHROME2'),
    dicom,
    label: options.labelsFromFolders && place.label ? place.label.name : null,
    labelIndex: options.labelsFromFolders && place.label ? place.label.index : null,
    split: options.labelsFromFolders ? place.split : null,
    patientFolder: options.patientFromFolders && format !== 'dicom' ? place.patientFolder : null,
    thumbnail,
  };
}

/** A small PNG of the first frame, windowed as the viewer first shows it. */
export async function writeThumbnail(decoded: DecodedImage, file: string): Promise<{ width: number; height: number }> {
  const scale = Math.min(1, THUMB_SIZE / Math.max(decoded.width, decoded.height));
  const width = Math.max(1, Math.round(decoded.width * scale));
  const height = Math.max(1, Math.round(decoded.height * scale));
  const rgb = resize(toRgb8Display(decoded), decoded.width, decoded.height, 3, width, height);
  const png = new PNG({ width, height, colorType: 2, inputColorType: 2, inputHasAlpha: false });
  png.data = Buffer.from(rgb.buffer, rgb.byteOffset, rgb.byteLength);
  const buf = PNG.sync.write(png, { colorType: 2, inputColorType: 2, inputHasAlpha: false });
  await fs.promises.mkdir(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  await fs.promises.writeFile(tmp, buf);
  await fs.promises.rename(tmp, file);
  return { width, height };
}
