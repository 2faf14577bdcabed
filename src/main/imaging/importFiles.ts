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
import { MAX_FILE_BYTES } from './limits';
import { PixelError } from './pixelError';
import { decodeDicomFrame, decodeImageBytes, type DecodedImage } from './pixels';
import { ArchiveError, archiveKind, listArchive, memberPath, readMember, type ArchiveKind, type ArchiveListing, type ArchiveMember } from './containers';
import { sniff } from './sniff';
import { writeStored, writeThumbnailFile, type StoreKeys } from './store';

export const THUMB_SIZE = 128;

export interface FileJob {
  path: string;
  /** The folder the user gave that this file was found under. */
  root: string;
  /** A member of a ZIP or gzip archive (containers.ts): `path` is then `archive.zip!/dir/file.dcm`. */
  member?: ArchiveMember;
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
  /** The store's keys (from the database key): files are written encrypted under keyed names; null only without a key. */
  keys: StoreKeys | null;
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
      yield* openArchives({ path: root, root: path.dirname(root) }, onError);
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
        else if (e.isFile()) yield* openArchives({ path: full, root }, onError);
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
  // An archive's members sit in a folder named after the archive (`scans.zip!/a.dcm` -> `scans.zip/a.dcm`).
  const rel = path.relative(job.root, job.path).replace(/!(?=[\\/])/g, '');
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

/**
 * A walked file as it is, or, when its first bytes say ZIP or gzip, its members (bounded:
 * containers.ts). Refused members and unreadable archives are reported through onError.
 */
async function* openArchives(job: FileJob, onError: (p: string, reason: string) => void): AsyncGenerator<FileJob> {
  let kind: ArchiveKind | null = null;
  try {
    const fd = await fs.promises.open(job.path, 'r');
    try {
      const head = Buffer.alloc(4);
      const { bytesRead } = await fd.read(head, 0, 4, 0);
      kind = archiveKind(head.subarray(0, bytesRead));
    } finally {
      await fd.close();
    }
  } catch {
    kind = null; // processFile reports the unreadable file
  }
  if (!kind) {
    yield job;
    return;
  }
  let listing: ArchiveListing;
  try {
    listing = await listArchive(job.path, kind);
  } catch (err) {
    onError(job.path, err instanceof ArchiveError ? err.message : `${kind === 'zip' ? 'ZIP' : 'gzip'} archive cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
    return;
  }
  for (const r of listing.refused) onError(memberPath({ archive: job.path, name: r.name }), r.reason);
  for (const member of listing.members) yield { path: memberPath(member), root: job.root, member };
}

function failure(job: FileJob, reason: string, size: number): FileResult {
  return { kind: 'failed', path: job.path, reason, size };
}

/** Does all the work for one file. Never throws: a failing file becomes a report line. */
export async function processFile(job: FileJob, options: ProcessOptions, codecs: Codecs): Promise<FileResult> {
  let bytes: Buffer;
  try {
    if (job.member) {
      const m = await readMember(job.member);
      bytes = Buffer.from(m.buffer, m.byteOffset, m.byteLength);
      // One level only: an archive inside an archive is not opened (no nesting, no zip quines).
      if (archiveKind(bytes.subarray(0, 4))) return failure(job, 'archive inside an archive: CareLens opens one level of ZIP or gzip; unpack the inner archive and import it', bytes.length);
    } else {
      // Never read more than one image may decode to (limits.ts): a 20 GB file is refused from its size.
      const { size } = await fs.promises.stat(job.path);
      if (size > MAX_FILE_BYTES) return failure(job, `too large: the file is ${Math.round(size / 1048576)} MB; CareLens imports files up to ${Math.round(MAX_FILE_BYTES / 1048576)} MB`, size);
      bytes = await fs.promises.readFile(job.path);
    }
  } catch (err) {
    if (err instanceof ArchiveError) return failure(job, err.message, 0);
    return failure(job, `cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'})`, 0);
  }
  return processBytes(job, bytes, options, codecs);
}

/**
 * The per-file work on bytes already in hand: the one path every import takes, whether the
 * bytes came from a file (processFile) or from a PACS (job.path is then `pacs://node/sop`).
 * Never throws: a failing file becomes a report line.
 */
export async function processBytes(job: FileJob, bytes: Buffer, options: ProcessOptions, codecs: Codecs): Promise<FileResult> {
  const size = bytes.length;
  if (size === 0) return failure(job, 'empty file', 0);
  // Files on disk are checked before they are read; bytes from a PACS are checked here.
  if (size > MAX_FILE_BYTES) return failure(job, `too large: the instance is ${Math.round(size / 1048576)} MB; CareLens imports files up to ${Math.round(MAX_FILE_BYTES / 1048576)} MB`, size);
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  if (options.knownSha.has(sha256)) return { kind: 'duplicate', path: job.path, sha256, size };

  const kind = sniff(bytes.subarray(0, 512));
  if (kind === 'zip') return failure(job, 'ZIP archive where a single file was expected: CareLens opens archives met in a folder walk only; unpack it and import the folder', size);
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
    // Encrypted, under its keyed name, written then renamed (store.ts: the one write path).
    await writeStored(options.storeRoot, sha256, options.keys, bytes);
  } catch (err) {
    return failure(job, `cannot be copied into the data folder (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`, size);
  }

  let thumbnail: ImportedFile['thumbnail'] = null;
  try {
    thumbnail = await writeThumbnail(decoded, (png) => writeThumbnailFile(options.thumbRoot, sha256, options.keys, png));
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
export async function writeThumbnail(decoded: DecodedImage, save: (png: Buffer) => Promise<void>): Promise<{ width: number; height: number }> {
  const scale = Math.min(1, THUMB_SIZE / Math.max(decoded.width, decoded.height));
  const width = Math.max(1, Math.round(decoded.width * scale));
  const height = Math.max(1, Math.round(decoded.height * scale));
  const rgb = resize(toRgb8Display(decoded), decoded.width, decoded.height, 3, width, height);
  const png = new PNG({ width, height, colorType: 2, inputColorType: 2, inputHasAlpha: false });
  png.data = Buffer.from(rgb.buffer, rgb.byteOffset, rgb.byteLength);
  const buf = PNG.sync.write(png, { colorType: 2, inputColorType: 2, inputHasAlpha: false });
  await save(buf);
  return { width, height };
}
