/**
 * Reading a source instance's identifying tags and writing new Part-10 instances, with dcmjs
 * (naturalized datasets: `{ PatientName: 'DOE^JANE', ... }`).
 */
import { randomUUID } from 'node:crypto';
import { AppError } from '../../shared/ipc/envelope';

type Naturalized = Record<string, unknown>;

interface DcmjsData {
  DicomMessage: { readFile(buffer: ArrayBuffer, options?: { ignoreErrors?: boolean; untilTag?: string; includeUntilTagValue?: boolean }): { meta: Naturalized; dict: Naturalized } };
  DicomMetaDictionary: { naturalizeDataset(ds: Naturalized): Naturalized; denaturalizeDataset(ds: Naturalized): Naturalized };
  DicomDict: new (meta: Naturalized) => { dict: Naturalized; write(options?: { allowInvalidVRLength?: boolean }): ArrayBuffer };
}

let lib: DcmjsData | null = null;
function dcmjs(): DcmjsData {
  if (!lib) {
    // dcmjs logs through loglevel; warnings about our own well-formed writes are noise.
    type Log = { setLevel?: (l: string) => void; getLogger?: (name: string) => Log };
    const mod = require('dcmjs') as { data: DcmjsData; log?: Log };
    mod.log?.setLevel?.('silent');
    mod.log?.getLogger?.('validation.dcmjs').setLevel?.('silent');
    lib = mod.data;
  }
  return lib;
}

export const EXPLICIT_VR_LITTLE_ENDIAN = '1.2.840.10008.1.2.1';
const IMPLEMENTATION_CLASS_UID = '2.25.255718870390429616187532049178712931417';

/** A new globally unique DICOM UID (2.25 + the decimal of a random UUID, PS3.5 B.2). */
export function newUid(): string {
  return `2.25.${BigInt(`0x${randomUUID().replace(/-/g, '')}`).toString()}`;
}

/** DICOM DA and TM of a date (local time, as a modality writes them). */
export function dicomDateTime(d: Date): { date: string; time: string } {
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return { date: `${d.getFullYear()}${p(d.getMonth() + 1)}${p(d.getDate())}`, time: `${p(d.getHours())}${p(d.getMinutes())}${p(d.getSeconds())}` };
}

/** What a derived instance copies from its source: patient and study identity, and what it references. */
export interface SourceInstance {
  patientName: string;
  patientId: string;
  patientBirthDate: string;
  patientSex: string;
  studyInstanceUid: string;
  studyDate: string;
  studyTime: string;
  studyId: string;
  accessionNumber: string;
  referringPhysicianName: string;
  studyDescription: string;
  seriesInstanceUid: string;
  sopClassUid: string;
  sopInstanceUid: string;
  /** 'YES' when the source's pixels carry identifying text (a derived image inherits that). */
  burnedInAnnotation: string;
}

function text(v: unknown): string {
  if (v === undefined || v === null) return '';
  if (Array.isArray(v)) return text(v[0]);
  if (typeof v === 'object' && 'Alphabetic' in (v as object)) return String((v as { Alphabetic?: string }).Alphabetic ?? '');
  return String(v).trim();
}

/** A DA as the standard writes it (old ACR-NEMA 'YYYY.MM.DD' too); '' when it is no date. */
function da(v: string): string {
  const d = v.replace(/[.\-/]/g, '');
  return /^\d{8}$/.test(d) ? d : '';
}

/** A TM as the standard writes it (old 'HH:MM:SS' too); '' when it is no time. */
function tm(v: string): string {
  const t = v.replace(/:/g, '');
  return /^\d{2,6}(\.\d{1,6})?$/.test(t) ? t : '';
}

/** The identity of a stored Part-10 instance (pixel data is not read). */
export function readSourceInstance(part10: Buffer): SourceInstance {
  const ab = part10.buffer.slice(part10.byteOffset, part10.byteOffset + part10.byteLength) as ArrayBuffer;
  let ds: Naturalized;
  try {
    const { dict } = dcmjs().DicomMessage.readFile(ab, { ignoreErrors: true, untilTag: '7FE00010', includeUntilTagValue: false });
    ds = dcmjs().DicomMetaDictionary.naturalizeDataset(dict);
  } catch (err) {
    throw new AppError('UNSUPPORTED', `The source image's DICOM header cannot be read (${(err as Error).message}); nothing was sent.`, { key: 'errors.pacs.sourceHeaderUnreadable', params: { message: (err as Error).message } });
  }
  const s: SourceInstance = {
    patientName: text(ds.PatientName),
    patientId: text(ds.PatientID),
    patientBirthDate: da(text(ds.PatientBirthDate)),
    patientSex: text(ds.PatientSex),
    studyInstanceUid: text(ds.StudyInstanceUID),
    studyDate: da(text(ds.StudyDate)),
    studyTime: tm(text(ds.StudyTime)),
    studyId: text(ds.StudyID),
    accessionNumber: text(ds.AccessionNumber),
    referringPhysicianName: text(ds.ReferringPhysicianName),
    studyDescription: text(ds.StudyDescription),
    seriesInstanceUid: text(ds.SeriesInstanceUID),
    sopClassUid: text(ds.SOPClassUID),
    sopInstanceUid: text(ds.SOPInstanceUID),
    burnedInAnnotation: text(ds.BurnedInAnnotation).toUpperCase(),
  };
  if (!s.studyInstanceUid || !s.sopInstanceUid || !s.sopClassUid) throw new AppError('UNSUPPORTED', 'The source image has no Study Instance UID, SOP Class or SOP Instance UID, so a result cannot reference it; nothing was sent.', { key: 'errors.pacs.sourceImageHasNo' });
  return s;
}

/** The patient and general-study modules of a derived instance, copied from its source. */
export function patientStudyModules(src: SourceInstance): Naturalized {
  return {
    PatientName: src.patientName,
    PatientID: src.patientId,
    PatientBirthDate: src.patientBirthDate,
    PatientSex: src.patientSex,
    StudyInstanceUID: src.studyInstanceUid,
    StudyDate: src.studyDate,
    StudyTime: src.studyTime,
    StudyID: src.studyId,
    AccessionNumber: src.accessionNumber,
    ReferringPhysicianName: src.referringPhysicianName,
    ...(src.studyDescription ? { StudyDescription: src.studyDescription } : {}),
  };
}

/** Writes a naturalized dataset as a Part-10 file (explicit VR little endian). */
export function writePart10(dataset: Naturalized & { SOPClassUID: string; SOPInstanceUID: string }): Buffer {
  const d = dcmjs();
  const meta = d.DicomMetaDictionary.denaturalizeDataset({
    FileMetaInformationVersion: new Uint8Array([0, 1]).buffer,
    MediaStorageSOPClassUID: dataset.SOPClassUID,
    MediaStorageSOPInstanceUID: dataset.SOPInstanceUID,
    TransferSyntaxUID: EXPLICIT_VR_LITTLE_ENDIAN,
    ImplementationClassUID: IMPLEMENTATION_CLASS_UID,
    ImplementationVersionName: 'CARELENS',
  });
  const dict = new d.DicomDict(meta);
  dict.dict = d.DicomMetaDictionary.denaturalizeDataset({ SpecificCharacterSet: 'ISO_IR 192', ...dataset });
  return Buffer.from(dict.write());
}
