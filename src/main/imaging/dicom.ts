/**
 * DICOM parsing and metadata: one function from a file's bytes to the Patient / Study /
 * Series / Instance facts CareLens stores. Parsing is dicom-parser's; this module only
 * picks the attributes, including those Enhanced multi-frame objects hide in functional groups.
 */
import * as dicomParser from 'dicom-parser';
import type { DataSet, Element } from 'dicom-parser';
import { checkDecodedBytes, checkFrameSize, DATA_SET_SLACK_BYTES, inflateRawBounded, inflateRawPrefix, MAX_NON_IMAGE_DATA_SET_BYTES, TooLargeError } from './limits';
import { rawIsExplicit, sniff } from './sniff';

export const TS = {
  implicitLE: '1.2.840.10008.1.2',
  explicitLE: '1.2.840.10008.1.2.1',
  deflatedLE: '1.2.840.10008.1.2.1.99',
  explicitBE: '1.2.840.10008.1.2.2',
  jpegBaseline: '1.2.840.10008.1.2.4.50',
  jpegExtended: '1.2.840.10008.1.2.4.51',
  jpegSpectral: '1.2.840.10008.1.2.4.53',
  jpegProgressive: '1.2.840.10008.1.2.4.55',
  jpegLossless14: '1.2.840.10008.1.2.4.57',
  jpegLosslessSV1: '1.2.840.10008.1.2.4.70',
  jpegLsLossless: '1.2.840.10008.1.2.4.80',
  jpegLsNear: '1.2.840.10008.1.2.4.81',
  j2kLossless: '1.2.840.10008.1.2.4.90',
  j2k: '1.2.840.10008.1.2.4.91',
  htj2kLossless: '1.2.840.10008.1.2.4.201',
  htj2kRpcl: '1.2.840.10008.1.2.4.202',
  htj2k: '1.2.840.10008.1.2.4.203',
  rle: '1.2.840.10008.1.2.5',
  deflatedImageFrame: '1.2.840.10008.1.2.8.1',
} as const;

export const MEDIA_STORAGE_DIRECTORY = '1.2.840.10008.1.3.10';

/** What CareLens reads from one DICOM file. */
export interface DicomInfo {
  transferSyntax: string;
  sopClassUid: string;
  sopInstanceUid: string | null;
  patientId: string;
  patientName: string;
  birthDate: string | null;
  sex: 'F' | 'M' | 'O' | 'U';
  studyUid: string | null;
  studyDate: string | null;
  studyDescription: string;
  accession: string;
  seriesUid: string | null;
  seriesNumber: number | null;
  seriesDescription: string;
  modality: string;
  bodyPart: string;
  manufacturer: string;
  instanceNumber: number | null;
  rows: number | null;
  columns: number | null;
  frames: number;
  samplesPerPixel: number;
  photometric: string;
  bitsAllocated: number | null;
  bitsStored: number | null;
  highBit: number | null;
  pixelRepresentation: number;
  planarConfiguration: number;
  pixelSpacing: string | null;
  windowCenter: number | null;
  windowWidth: number | null;
  rescaleSlope: number | null;
  rescaleIntercept: number | null;
  /** Which pixel data element is present: 7FE0,0010 / 0008 (float) / 0009 (double), or none. */
  pixelData: 'integer' | 'float' | 'double' | null;
}

export interface ParsedDicom {
  dataSet: DataSet;
  info: DicomInfo;
}

/** A parse failure told in words a clinician can pass on. */
export class DicomError extends Error {}

function str(ds: DataSet, tag: string): string {
  try {
    return (ds.string(tag) ?? '').replace(/\0/g, '').trim();
  } catch {
    return '';
  }
}

function num(ds: DataSet, tag: string): number | null {
  const s = str(ds, tag).split('\\')[0]?.trim() ?? '';
  if (s === '') return null;
  const v = Number(s);
  return Number.isFinite(v) ? v : null;
}

function us(ds: DataSet, tag: string): number | null {
  const el = ds.elements[tag];
  if (!el || el.length < 2) return null;
  // VR UN (everything hex in some gdcmconv output) still holds the binary value.
  return ds.uint16(tag) ?? null;
}

/** Finds `tag` in this data set or in the first item of Enhanced MF functional group sequences. */
function inGroups(ds: DataSet, seqTag: string, tag: string, read: (d: DataSet, t: string) => number | string | null): number | string | null {
  for (const groups of ['x52009229', 'x52009230']) {
    const g = ds.elements[groups]?.items?.[0]?.dataSet;
    const inner = g?.elements[seqTag]?.items?.[0]?.dataSet;
    if (inner) {
      const v = read(inner, tag);
      if (v !== null && v !== '') return v;
    }
  }
  return null;
}

/**
 * A DA value as an ISO date (YYYY-MM-DD), or null when it is no date. Reads the standard form
 * YYYYMMDD and the ACR-NEMA 300 form YYYY.MM.DD that DICOM keeps for backward compatibility
 * (PS3.5 table 6.2-1; still met in archives), plus YYYY-MM-DD that some exporters write. Only
 * the first value of a multi-valued element; a day that is not in the calendar is no date.
 */
export function dicomDate(value: string): string | null {
  const m = /^(\d{4})([.-]?)(\d{2})\2(\d{2})$/.exec((value.split('\\')[0] ?? '').trim());
  if (!m) return null;
  const [year, month, day] = [Number(m[1]), Number(m[3]), Number(m[4])];
  const d = new Date(Date.UTC(2000, month - 1, day));
  d.setUTCFullYear(year);
  if (d.getUTCFullYear() !== year || d.getUTCMonth() !== month - 1 || d.getUTCDate() !== day) return null;
  return `${m[1]}-${m[3]}-${m[4]}`;
}

/** X-rays were discovered in 1895: an earlier "study date" is a damaged value (gdcm's CT-MONO2-8-abdo says 0095.07.24). */
const FIRST_IMAGING_YEAR = 1895;

/**
 * The study's date: Study Date, else (old ACR-NEMA files and some secondary captures leave it
 * out) the Series, Acquisition or Content Date of this instance, the nearest thing the file says.
 */
function studyDateOf(ds: DataSet): string | null {
  for (const tag of ['x00080020', 'x00080021', 'x00080022', 'x00080023']) {
    const d = dicomDate(str(ds, tag));
    if (d && Number(d.slice(0, 4)) >= FIRST_IMAGING_YEAR) return d;
  }
  return null;
}

function uid(s: string): string | null {
  // Some exporters pad UIDs with spaces inside (dcmdump removes them too).
  const u = s.replace(/[\s\0]/g, '');
  return u === '' ? null : u;
}

function personName(s: string): string {
  return s.replace(/\^+/g, ' ').replace(/=.*/, '').trim();
}

/** Parses a DICOM file (with or without preamble). Throws DicomError with a readable reason. */
export function parseDicom(bytes: Uint8Array): ParsedDicom {
  const kind = sniff(bytes.subarray(0, 512));
  let dataSet: DataSet;
  // A deflated data set inflates under a bound computed from its own header (limits.ts).
  const options = { inflater: boundedDataSetInflater } as Record<string, unknown>;
  try {
    if (kind === 'dicom-raw') {
      const declared = rawMetaTransferSyntax(bytes);
      dataSet = dicomParser.parseDicom(bytes, { ...options, TransferSyntaxUID: declared ?? (rawIsExplicit(bytes) ? TS.explicitLE : TS.implicitLE) } as never);
    } else {
      dataSet = dicomParser.parseDicom(bytes, options as never);
    }
  } catch (err) {
    if (err instanceof TooLargeError) throw new DicomError(err.message);
    const partial = kind === 'dicom' ? readableUpToPixelData(err, bytes) : null;
    if (!partial) throw new DicomError(parseFailure(err, bytes.length));
    dataSet = partial;
  }
  return { dataSet, info: readInfo(dataSet) };
}

/**
 * A parse that failed only after a complete Pixel Data element (a stray item or delimiter
 * among the fragments confuses dicom-parser's reading of what follows) still holds every
 * element an image needs: keep it, with the meta header merged in as a full parse would.
 */
function readableUpToPixelData(err: unknown, bytes: Uint8Array): DataSet | null {
  const partial = err !== null && typeof err === 'object' && 'dataSet' in err ? (err as { dataSet?: DataSet }).dataSet : undefined;
  const px = partial?.elements?.x7fe00010;
  if (!partial || !px?.encapsulatedPixelData || px.dataOffset + px.length > partial.byteArray.length) return null;
  try {
    const meta = dicomParser.readPart10Header(bytes as never);
    for (const [k, v] of Object.entries(meta.elements)) partial.elements[k] = v;
  } catch {
    return null;
  }
  return partial;
}

/**
 * dicom-parser throws strings, Errors, or `{ exception, dataSet }` (the elements read before
 * the failure): one sentence saying what is wrong and where (byte offset, last tag read).
 */
export function parseFailure(err: unknown, fileLength: number): string {
  const wrapped = err !== null && typeof err === 'object' && 'exception' in err ? (err as { exception: unknown; dataSet?: DataSet }) : null;
  const inner = wrapped ? wrapped.exception : err;
  const raw = inner instanceof Error ? inner.message : typeof inner === 'string' ? inner : inner === undefined || inner === null ? '' : JSON.stringify(inner) ?? '';
  const message = raw.replace(/^dicomParser[.:]\w+: /, '').trim() || 'the parser stopped without saying why';
  const where = lastElementRead(wrapped?.dataSet);
  // A deflated data set is parsed inflated: count in its bytes.
  const length = wrapped?.dataSet?.byteArray?.length ?? fileLength;
  const place = where ? ` (after element ${where.tag}, which ends at byte ${where.end} of ${length}${length !== fileLength ? ' inflated' : ''})` : '';
  if (/buffer overread|buffer overrun|beyond end|past end|unexpected end/i.test(message)) {
    return `truncated: the file ends inside a DICOM element${place || ` (${fileLength} bytes)`}`;
  }
  return `not a readable DICOM file: ${message}${place}`;
}

function lastElementRead(ds: DataSet | undefined): { tag: string; end: number } | null {
  if (!ds?.elements) return null;
  let best: Element | null = null;
  for (const el of Object.values(ds.elements) as Element[]) if (!best || el.dataOffset > best.dataOffset) best = el;
  if (!best) return null;
  const t = best.tag.slice(1).toUpperCase();
  return { tag: `(${t.slice(0, 4)},${t.slice(4, 8)})`, end: best.dataOffset + Math.max(0, best.length) };
}

/**
 * dicom-parser's inflater hook for Deflated Explicit VR Little Endian: inflates the first
 * 256 KB (8 MB if the image module is not in those) to read Rows, Columns, Samples, Bits
 * Allocated and Frames, refuses sizes over the
 * limits, then inflates the whole data set bounded by its declared pixel data plus
 * DATA_SET_SLACK_BYTES (a data set without pixel data by MAX_NON_IMAGE_DATA_SET_BYTES).
 */
function boundedDataSetInflater(byteArray: Uint8Array, position: number): Uint8Array {
  const deflated = byteArray.subarray(position);
  let head = inflateRawPrefix(deflated, 256 * 1024);
  let declared = declaredPixelBytes(head);
  // Large private sequences can push the image module further in: look once more, deeper.
  if (!declared && head.length === 256 * 1024) {
    head = inflateRawPrefix(deflated, 8 * 1024 * 1024);
    declared = declaredPixelBytes(head);
  }
  let limit = MAX_NON_IMAGE_DATA_SET_BYTES;
  if (declared) {
    checkFrameSize(declared.columns, declared.rows, 'the deflated data set (Rows, Columns)');
    checkDecodedBytes(declared.bytes, 'the deflated data set');
    limit = declared.bytes + DATA_SET_SLACK_BYTES;
  }
  const inflated = inflateRawBounded(deflated, limit, 'the deflated data set');
  const full = Buffer.alloc(position + inflated.length);
  full.set(byteArray.subarray(0, position), 0);
  full.set(inflated, position);
  return full;
}

/** Rows x Columns x Samples x bytes x Frames from the start of an explicit VR LE data set, or null. */
function declaredPixelBytes(head: Uint8Array): { rows: number; columns: number; bytes: number } | null {
  const Ctor = (dicomParser as unknown as { DataSet: new (parser: unknown, bytes: Uint8Array, elements: object) => DataSet }).DataSet;
  const ds = new Ctor(dicomParser.littleEndianByteArrayParser, head, {});
  try {
    const stream = new dicomParser.ByteStream(dicomParser.littleEndianByteArrayParser, head, 0);
    dicomParser.parseDicomDataSetExplicit(ds, stream, head.length, { untilTag: 'x7fe00010' } as never);
  } catch {
    // the prefix ends inside an element: what was read is enough
  }
  const rows = us(ds, 'x00280010');
  const columns = us(ds, 'x00280011');
  if (!rows || !columns) return null;
  const samples = us(ds, 'x00280002') ?? 1;
  const bits = us(ds, 'x00280100') ?? 16;
  const frames = Math.max(1, Math.floor(num(ds, 'x00280008') ?? 1));
  return { rows, columns, bytes: rows * columns * samples * Math.max(1, Math.ceil(bits / 8)) * frames };
}

/** A file without preamble may still start with a meta group: its Transfer Syntax UID decides the parse. */
function rawMetaTransferSyntax(bytes: Uint8Array): string | null {
  const limit = Math.min(bytes.length - 8, 2048);
  for (let i = 0; i < limit; i += 2) {
    if (bytes[i] === 0x02 && bytes[i + 1] === 0x00 && bytes[i + 2] === 0x10 && bytes[i + 3] === 0x00 && bytes[i + 4] === 0x55 && bytes[i + 5] === 0x49) {
      const len = bytes[i + 6]! | (bytes[i + 7]! << 8);
      return uid(Buffer.from(bytes.subarray(i + 8, i + 8 + len)).toString('latin1'));
    }
  }
  return null;
}

function readInfo(ds: DataSet): DicomInfo {
  const transferSyntax = uid(str(ds, 'x00020010')) ?? TS.implicitLE;
  const sex = str(ds, 'x00100040').toUpperCase();
  const pixelData = ds.elements.x7fe00010 ? 'integer' : ds.elements.x7fe00008 ? 'float' : ds.elements.x7fe00009 ? 'double' : null;
  const frames = Math.max(1, Math.floor(num(ds, 'x00280008') ?? 1));
  const fromGroups = (seq: string, tag: string) => {
    const v = inGroups(ds, seq, tag, (d, t) => num(d, t));
    return typeof v === 'number' ? v : null;
  };
  const spacing = str(ds, 'x00280030') || String(inGroups(ds, 'x00289110', 'x00280030', (d, t) => str(d, t)) ?? '');
  return {
    transferSyntax,
    sopClassUid: uid(str(ds, 'x00080016')) ?? uid(str(ds, 'x00020002')) ?? '',
    sopInstanceUid: uid(str(ds, 'x00080018')) ?? uid(str(ds, 'x00020003')),
    patientId: str(ds, 'x00100020'),
    patientName: personName(str(ds, 'x00100010')),
    birthDate: dicomDate(str(ds, 'x00100030')),
    sex: sex === 'F' || sex === 'M' || sex === 'O' ? sex : 'U',
    studyUid: uid(str(ds, 'x0020000d')),
    studyDate: studyDateOf(ds),
    studyDescription: str(ds, 'x00081030'),
    accession: str(ds, 'x00080050'),
    seriesUid: uid(str(ds, 'x0020000e')),
    seriesNumber: num(ds, 'x00200011'),
    seriesDescription: str(ds, 'x0008103e'),
    modality: str(ds, 'x00080060').toUpperCase(),
    bodyPart: str(ds, 'x00180015'),
    manufacturer: str(ds, 'x00080070'),
    instanceNumber: num(ds, 'x00200013'),
    rows: us(ds, 'x00280010'),
    columns: us(ds, 'x00280011'),
    frames,
    samplesPerPixel: us(ds, 'x00280002') ?? 1,
    photometric: str(ds, 'x00280004').toUpperCase() || 'MONOCHROME2',
    bitsAllocated: us(ds, 'x00280100'),
    bitsStored: us(ds, 'x00280101'),
    highBit: us(ds, 'x00280102'),
    pixelRepresentation: us(ds, 'x00280103') ?? 0,
    planarConfiguration: us(ds, 'x00280006') ?? 0,
    pixelSpacing: spacing || null,
    windowCenter: num(ds, 'x00281050') ?? fromGroups('x00289132', 'x00281050'),
    windowWidth: num(ds, 'x00281051') ?? fromGroups('x00289132', 'x00281051'),
    rescaleSlope: num(ds, 'x00281053') ?? fromGroups('x00289145', 'x00281053'),
    rescaleIntercept: num(ds, 'x00281052') ?? fromGroups('x00289145', 'x00281052'),
    pixelData,
  };
}

/** The DICOMDIR's directory records (PS3.10): how many it lists, for the import report. */
export function directoryRecordCount(ds: DataSet): number {
  return ds.elements.x00041220?.items?.length ?? 0;
}

/** One row of the tags panel. */
export interface DicomTag {
  tag: string;
  vr: string;
  value: string;
  /** Nesting depth inside sequences (0 at the top). */
  depth: number;
}

const TAG_NAMES: Record<string, string> = {
  x00020010: 'TransferSyntaxUID', x00080016: 'SOPClassUID', x00080018: 'SOPInstanceUID', x00080020: 'StudyDate',
  x00080050: 'AccessionNumber', x00080060: 'Modality', x00080070: 'Manufacturer', x00081030: 'StudyDescription',
  x0008103e: 'SeriesDescription', x00100010: 'PatientName', x00100020: 'PatientID', x00100030: 'PatientBirthDate',
  x00100040: 'PatientSex', x00180015: 'BodyPartExamined', x00180050: 'SliceThickness', x0020000d: 'StudyInstanceUID',
  x0020000e: 'SeriesInstanceUID', x00200011: 'SeriesNumber', x00200013: 'InstanceNumber', x00280002: 'SamplesPerPixel',
  x00280004: 'PhotometricInterpretation', x00280006: 'PlanarConfiguration', x00280008: 'NumberOfFrames', x00280010: 'Rows',
  x00280011: 'Columns', x00280030: 'PixelSpacing', x00280100: 'BitsAllocated', x00280101: 'BitsStored', x00280102: 'HighBit',
  x00280103: 'PixelRepresentation', x00281050: 'WindowCenter', x00281051: 'WindowWidth', x00281052: 'RescaleIntercept',
  x00281053: 'RescaleSlope', x7fe00010: 'PixelData',
};

/** A readable dump of the data set for the tags panel (values shortened, binary summarised). */
export function listTags(ds: DataSet, depth = 0, limit = 2000): (DicomTag & { name: string })[] {
  const out: (DicomTag & { name: string })[] = [];
  const walk = (d: DataSet, level: number) => {
    for (const [key, el] of Object.entries(d.elements) as [string, Element][]) {
      if (out.length >= limit) return;
      const tag = `(${key.slice(1, 5)},${key.slice(5, 9)})`.toUpperCase();
      const vr = el.vr ?? '';
      let value: string;
      if (el.items) value = `sequence of ${el.items.length} item(s)`;
      else if (key === 'x7fe00010' || key === 'x7fe00008') value = el.encapsulatedPixelData ? `encapsulated, ${el.fragments?.length ?? 0} fragment(s)` : `${el.length} bytes`;
      else if (el.length > 256 || ['OB', 'OW', 'OF', 'OD', 'UN', 'SQ'].includes(vr)) value = binaryValue(d, key, el);
      else value = textValue(d, key, el);
      out.push({ tag, name: TAG_NAMES[key] ?? '', vr, value, depth: level });
      if (el.items && level < 3) for (const item of el.items) if (item.dataSet) walk(item.dataSet, level + 1);
    }
  };
  walk(ds, depth);
  return out;
}

function binaryValue(d: DataSet, key: string, el: Element): string {
  if (el.vr === 'UN' && el.length <= 64) return textValue(d, key, el);
  return `${el.length} bytes`;
}

function textValue(d: DataSet, key: string, el: Element): string {
  const vr = el.vr;
  try {
    if (vr === 'US') return String(d.uint16(key) ?? '');
    if (vr === 'SS') return String(d.int16(key) ?? '');
    if (vr === 'UL') return String(d.uint32(key) ?? '');
    if (vr === 'SL') return String(d.int32(key) ?? '');
    if (vr === 'FL') return String(d.float(key) ?? '');
    if (vr === 'FD') return String(d.double(key) ?? '');
    if (vr === 'AT') return d.attributeTag(key) ?? '';
    const s = d.string(key) ?? '';
    // Printable text only: an implicit-VR binary value would otherwise show as noise.
    if (!vr && /[^\x20-\x7e\u00a0-\uffff]/.test(s)) return `${el.length} bytes`;
    return s.length > 200 ? s.slice(0, 200) + '…' : s;
  } catch {
    return `${el.length} bytes`;
  }
}
