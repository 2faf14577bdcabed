import dicomParser from 'dicom-parser';
import { AppError } from '../../shared/ipc/envelope';
import type { Pseudonymizer } from './deidentify';

/**
 * DICOM de-identification under PS3.15 Annex E, Basic Application Level Confidentiality
 * Profile, with the "Retain Longitudinal Temporal Information with Modified Dates" option
 * (dates shifted by the patient's fixed offset instead of removed):
 * - Patient's Name and ID become the pseudonym; birth date, sex, accession number, study ID
 *   and referring physician are emptied (action Z);
 * - the names, addresses, descriptions, comments and other free text of the profile's X list
 *   are removed, with their sequences (Referenced Patient, Request Attributes, Content...);
 * - every instance UID (any UI element but the class / transfer-syntax ones and the
 *   standard's own 1.2.840.10008 roots) is remapped with the same keyed hash as the reports,
 *   so series and references stay consistent across files and exports;
 * - every DA date moves by the patient's shift, DT date-times too;
 * - private tags (odd groups), overlays' data and comments and curves are removed;
 * - Patient Identity Removed = YES, De-identification Method and Longitudinal Temporal
 *   Information Modified = MODIFIED are added.
 * Pixel data is copied as it is: a file whose Burned In Annotation is YES is refused, since
 * its pixels may show a name. Explicit and implicit VR little endian files (and the
 * compressed syntaxes, which are explicit little endian) are handled; big endian and
 * deflated files are refused with UNSUPPORTED.
 */
export interface DicomDeidOptions {
  pseudonymizer: Pseudonymizer;
  /** The CareLens patient id (for the date shift). */
  patientId: string;
  pseudonym: string;
}

const REPLACE_WITH_PSEUDONYM = new Set(['x00100010', 'x00100020']);
const EMPTY = new Set(['x00100030', 'x00100040', 'x00080050', 'x00080090', 'x00200010', 'x00100032']);
/** The Basic Profile's X (remove) attributes: identifying text, people, places, devices, free text. */
const REMOVE = new Set([
  'x00080080', // Institution Name
  'x00080081', // Institution Address
  'x00080082', // Institution Code Sequence
  'x00080092', // Referring Physician's Address
  'x00080094', // Referring Physician's Telephone Numbers
  'x00080096', // Referring Physician Identification Sequence
  'x00080201', // Timezone Offset From UTC
  'x00081010', // Station Name
  'x00081030', // Study Description
  'x0008103e', // Series Description
  'x00081040', // Institutional Department Name
  'x00081048', // Physician(s) of Record
  'x00081049', // Physician(s) of Record Identification Sequence
  'x00081050', // Performing Physician's Name
  'x00081052', // Performing Physician Identification Sequence
  'x00081060', // Name of Physician(s) Reading Study
  'x00081062', // Physician(s) Reading Study Identification Sequence
  'x00081070', // Operators' Name
  'x00081072', // Operator Identification Sequence
  'x00081080', // Admitting Diagnoses Description
  'x00081084', // Admitting Diagnoses Code Sequence
  'x00081110', // Referenced Study Sequence
  'x00081111', // Referenced Performed Procedure Step Sequence
  'x00081120', // Referenced Patient Sequence
  'x00082111', // Derivation Description
  'x00100021', // Issuer of Patient ID
  'x00100050', // Patient's Insurance Plan Code Sequence
  'x00100101', // Patient's Primary Language Code Sequence
  'x00100102', // Patient's Primary Language Modifier Code Sequence
  'x00101000', // Other Patient IDs
  'x00101001', // Other Patient Names
  'x00101002', // Other Patient IDs Sequence
  'x00101005', // Patient's Birth Name
  'x00101010', // Patient's Age
  'x00101020', // Patient's Size
  'x00101030', // Patient's Weight
  'x00101040', // Patient's Address
  'x00101060', // Patient's Mother's Birth Name
  'x00101080', // Military Rank
  'x00101081', // Branch of Service
  'x00101090', // Medical Record Locator
  'x00102000', // Medical Alerts
  'x00102110', // Allergies
  'x00102150', // Country of Residence
  'x00102152', // Region of Residence
  'x00102154', // Patient's Telephone Numbers
  'x00102160', // Ethnic Group
  'x00102180', // Occupation
  'x001021a0', // Smoking Status
  'x001021b0', // Additional Patient History
  'x001021c0', // Pregnancy Status
  'x001021d0', // Last Menstrual Date
  'x001021f0', // Patient's Religious Preference
  'x00102203', // Patient's Sex Neutered
  'x00102297', // Responsible Person
  'x00102299', // Responsible Organization
  'x00104000', // Patient Comments
  'x00181000', // Device Serial Number
  'x00181004', // Plate ID
  'x00181005', // Generator ID
  'x00181007', // Cassette ID
  'x00181008', // Gantry ID
  'x00181030', // Protocol Name
  'x00181400', // Acquisition Device Processing Description
  'x0018700a', // Detector ID
  'x00204000', // Image Comments
  'x00321032', // Requesting Physician
  'x00321033', // Requesting Service
  'x00321060', // Requested Procedure Description
  'x00324000', // Study Comments
  'x00380010', // Admission ID
  'x00380300', // Current Patient Location
  'x00380400', // Patient's Institution Residence
  'x00384000', // Visit Comments
  'x00400006', // Scheduled Performing Physician's Name
  'x00400007', // Scheduled Procedure Step Description
  'x00400241', // Performed Station AE Title
  'x00400242', // Performed Station Name
  'x00400243', // Performed Location
  'x00400253', // Performed Procedure Step ID
  'x00400254', // Performed Procedure Step Description
  'x00400275', // Request Attributes Sequence
  'x00400280', // Comments on the Performed Procedure Step
  'x00401001', // Requested Procedure ID
  'x00401400', // Requested Procedure Comments
  'x00402400', // Imaging Service Request Comments
  'x0040a730', // Content Sequence
  'x00020016', // Source Application Entity Title
  'x00880140', // Storage Media File-set UID
  'x20300020', // Text String
  'x40000010', // Arbitrary
  'x40004000', // Text Comments
  'x40080042', // Results ID Issuer
]);

/** UI elements that name a class or syntax, not an instance: kept. */
const KEEP_UIDS = new Set(['x00020002', 'x00020010', 'x00020012', 'x00080016', 'x00081150', 'x0008001a', 'x00080062', 'x00041510', 'x00041512']);
/** Instance UIDs remapped in implicit VR files, where the VR is not written in the file. */
const IMPLICIT_UIDS = new Set(['x00020003', 'x00080014', 'x00080018', 'x0020000d', 'x0020000e', 'x00200052', 'x00200200', 'x00081155', 'x00083010', 'x0040a124', 'x00880140', 'x30060024', 'x300600c2', 'x00209161', 'x00209164']);
/** Dates in implicit VR files. */
const IMPLICIT_DATES = new Set(['x00080012', 'x00080020', 'x00080021', 'x00080022', 'x00080023', 'x00080024', 'x00080025', 'x00181012', 'x00400002', 'x00400004', 'x00400244', 'x00400250', 'x00380020', 'x00380030', 'x00321040']);
const IMPLICIT_DATETIMES = new Set(['x0008002a', 'x00181202']);

const LONG_VRS = new Set(['OB', 'OD', 'OF', 'OL', 'OV', 'OW', 'SQ', 'SV', 'UC', 'UN', 'UR', 'UT', 'UV']);

interface Element {
  tag: string;
  vr?: string;
  length: number;
  dataOffset: number;
  hadUndefinedLength?: boolean;
  items?: { dataSet?: DataSet }[];
}
interface DataSet {
  elements: Record<string, Element>;
}

class Writer {
  private readonly chunks: Buffer[] = [];
  size = 0;
  push(b: Buffer): void {
    this.chunks.push(b);
    this.size += b.length;
  }
  result(): Buffer {
    return Buffer.concat(this.chunks, this.size);
  }
}

function tagParts(tag: string): [number, number] {
  return [parseInt(tag.slice(1, 5), 16), parseInt(tag.slice(5, 9), 16)];
}

function header(tag: string, vr: string | undefined, length: number, explicit: boolean): Buffer {
  const [group, element] = tagParts(tag);
  if (!explicit) {
    const b = Buffer.alloc(8);
    b.writeUInt16LE(group, 0);
    b.writeUInt16LE(element, 2);
    b.writeUInt32LE(length >>> 0, 4);
    return b;
  }
  const v = vr && vr.length === 2 ? vr : 'UN';
  if (LONG_VRS.has(v)) {
    const b = Buffer.alloc(12);
    b.writeUInt16LE(group, 0);
    b.writeUInt16LE(element, 2);
    b.write(v, 4, 'latin1');
    b.writeUInt32LE(length >>> 0, 8);
    return b;
  }
  const b = Buffer.alloc(8);
  b.writeUInt16LE(group, 0);
  b.writeUInt16LE(element, 2);
  b.write(v, 4, 'latin1');
  b.writeUInt16LE(length, 6);
  return b;
}

function padded(value: string, vr: string | undefined): Buffer {
  const b = Buffer.from(value, 'latin1');
  if (b.length % 2 === 0) return b;
  return Buffer.concat([b, Buffer.from(vr === 'UI' ? [0] : [0x20])]);
}

function textOf(bytes: Uint8Array, el: Element): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset + el.dataOffset, el.length).toString('latin1').replace(/[\0 ]+$/, '');
}

interface Context {
  bytes: Uint8Array;
  explicit: boolean;
  opts: DicomDeidOptions;
}

function isUid(tag: string, el: Element, explicit: boolean): boolean {
  if (KEEP_UIDS.has(tag)) return false;
  return explicit ? el.vr === 'UI' : IMPLICIT_UIDS.has(tag);
}

function writeValue(w: Writer, tag: string, vr: string | undefined, value: Buffer, explicit: boolean): void {
  w.push(header(tag, vr, value.length, explicit));
  w.push(value);
}

function writeDataSet(w: Writer, ds: DataSet, ctx: Context, explicit: boolean, extra: Map<string, { vr: string; value: string }> = new Map()): void {
  const tags = new Set([...Object.keys(ds.elements), ...extra.keys()]);
  for (const tag of [...tags].sort()) {
    const added = extra.get(tag);
    if (added) {
      writeValue(w, tag, added.vr, padded(added.value, added.vr), explicit);
      continue;
    }
    const el = ds.elements[tag]!;
    const [group, element] = tagParts(tag);
    if (group === 0xfffe) continue; // item and sequence delimiters the parser kept: written anew below
    if (group % 2 === 1) continue; // private tags
    if (element === 0 && group !== 0x0002) continue; // group lengths: retired, and now wrong
    if ((group & 0xff00) === 0x5000) continue; // curves
    if ((group & 0xff00) === 0x6000 && (element === 0x3000 || element === 0x4000)) continue; // overlay data, comments
    if (REMOVE.has(tag)) continue;
    const vr = el.vr;
    if (REPLACE_WITH_PSEUDONYM.has(tag)) {
      writeValue(w, tag, vr, padded(ctx.opts.pseudonym, vr), explicit);
      continue;
    }
    if (EMPTY.has(tag)) {
      writeValue(w, tag, vr, Buffer.alloc(0), explicit);
      continue;
    }
    if (el.items) {
      w.push(header(tag, 'SQ', 0xffffffff, explicit));
      for (const item of el.items) {
        w.push(header('xfffee000', undefined, 0xffffffff, false));
        if (item.dataSet) writeDataSet(w, item.dataSet, ctx, explicit);
        w.push(header('xfffee00d', undefined, 0, false));
      }
      w.push(header('xfffee0dd', undefined, 0, false));
      continue;
    }
    if (isUid(tag, el, explicit) && el.length > 0) {
      const values = textOf(ctx.bytes, el)
        .split('\\')
        .map((u) => (u.startsWith('1.2.840.10008.') || u === '' ? u : ctx.opts.pseudonymizer.uid(u)));
      writeValue(w, tag, vr ?? 'UI', padded(values.join('\\'), 'UI'), explicit);
      continue;
    }
    const isDate = explicit ? vr === 'DA' : IMPLICIT_DATES.has(tag);
    const isDateTime = explicit ? vr === 'DT' : IMPLICIT_DATETIMES.has(tag);
    if ((isDate || isDateTime) && el.length > 0) {
      const values = textOf(ctx.bytes, el)
        .split('\\')
        .map((d) => ctx.opts.pseudonymizer.shiftDate(ctx.opts.patientId, d.trim()) ?? '');
      writeValue(w, tag, vr, padded(values.join('\\'), vr), explicit);
      continue;
    }
    // Anything else (pixel data included, encapsulated or not) is copied as it is.
    const value = Buffer.from(ctx.bytes.buffer, ctx.bytes.byteOffset + el.dataOffset, el.length);
    if (el.hadUndefinedLength) {
      // Encapsulated pixel data: the parser's length runs through the sequence delimiter.
      w.push(header(tag, vr, 0xffffffff, explicit));
      w.push(value);
    } else {
      writeValue(w, tag, vr, value, explicit);
    }
  }
}

/** De-identifies one DICOM Part 10 file (see the module comment). Throws AppError when it cannot do so safely. */
export function deidentifyDicom(file: Uint8Array, opts: DicomDeidOptions): Buffer {
  const bytes = new Uint8Array(file.buffer, file.byteOffset, file.byteLength);
  if (bytes.length < 132 || Buffer.from(bytes.buffer, bytes.byteOffset + 128, 4).toString('latin1') !== 'DICM') {
    throw new AppError('UNSUPPORTED', 'This DICOM file has no Part 10 header (no DICM preamble); it was not exported.', { key: 'errors.reports.dicomFileHasNo' });
  }
  const unreadable = (err: unknown) =>
    new AppError('UNSUPPORTED', `This DICOM file could not be read (${(err as { exception?: string }).exception ?? (err as Error).message ?? 'parse error'}); it was not exported.`, { key: 'errors.reports.dicomFileCouldNot', params: { value: (err as { exception?: string }).exception ?? (err as Error).message ?? 'parse error' } });
  let ts = '';
  try {
    const meta = dicomParser.readPart10Header(bytes) as unknown as DataSet;
    const tsEl = meta.elements.x00020010;
    ts = tsEl ? textOf(bytes, tsEl) : '';
  } catch (err) {
    throw unreadable(err);
  }
  if (ts === '1.2.840.10008.1.2.2') throw new AppError('UNSUPPORTED', 'Big endian DICOM files are not de-identified by CareLens; it was not exported.', { key: 'errors.reports.bigEndianDicomFiles' });
  if (ts === '1.2.840.10008.1.2.1.99') throw new AppError('UNSUPPORTED', 'Deflated DICOM files are not de-identified by CareLens; it was not exported.', { key: 'errors.reports.deflatedDicomFilesNot' });
  let ds: DataSet;
  try {
    ds = dicomParser.parseDicom(bytes) as unknown as DataSet;
  } catch (err) {
    throw unreadable(err);
  }
  const burned = ds.elements.x00280301;
  if (burned && textOf(bytes, burned).toUpperCase() === 'YES') {
    throw new AppError('UNSUPPORTED', 'The image says its pixels carry burned-in annotation (which may show a name); it was not exported de-identified.', { key: 'errors.reports.imageSaysItsPixels' });
  }
  const explicit = ts !== '1.2.840.10008.1.2';
  const ctx: Context = { bytes, explicit, opts };

  const meta: DataSet = { elements: {} };
  const body: DataSet = { elements: {} };
  for (const [tag, el] of Object.entries(ds.elements)) (tag.startsWith('x0002') ? meta : body).elements[tag] = el;
  delete meta.elements.x00020000;

  const metaWriter = new Writer();
  writeDataSet(metaWriter, meta, { ...ctx, explicit: true }, true);
  const metaBytes = metaWriter.result();
  const groupLength = Buffer.alloc(4);
  groupLength.writeUInt32LE(metaBytes.length, 0);

  const bodyWriter = new Writer();
  writeDataSet(
    bodyWriter,
    body,
    ctx,
    explicit,
    new Map([
      // Name and ID are type 2: present (as the pseudonym) even when the original left them out.
      ...(['x00100010', 'x00100020'] as const)
        .filter((t) => !body.elements[t])
        .map((t): [string, { vr: string; value: string }] => [t, { vr: t === 'x00100010' ? 'PN' : 'LO', value: opts.pseudonym }]),
      ['x00120062', { vr: 'CS', value: 'YES' }],
      ['x00120063', { vr: 'LO', value: 'CareLens PS3.15 Basic Profile; Retain Long. Modified Dates' }],
      ['x00280303', { vr: 'CS', value: 'MODIFIED' }],
    ]),
  );
  return Buffer.concat([Buffer.alloc(128), Buffer.from('DICM', 'latin1'), header('x00020000', 'UL', 4, true), groupLength, metaBytes, bodyWriter.result()]);
}

