/** Reading QIDO-RS answers (application/dicom+json, PS3.18 F.2) into the shared match types. */
import { PacsError, type InstanceRef, type SeriesMatch, type StudyMatch } from './types';

type JsonAttr = { vr?: string; Value?: unknown[] };
export type DicomJsonObject = Record<string, JsonAttr | undefined>;

function first(obj: DicomJsonObject, tag: string): unknown {
  return obj[tag]?.Value?.[0];
}

export function str(obj: DicomJsonObject, tag: string): string {
  const v = first(obj, tag);
  if (v === undefined || v === null) return '';
  if (typeof v === 'object') {
    const pn = v as { Alphabetic?: string };
    return pn.Alphabetic ?? '';
  }
  return String(v);
}

function strs(obj: DicomJsonObject, tag: string): string[] {
  return (obj[tag]?.Value ?? []).filter((v) => v !== null && v !== undefined).map((v) => String(v));
}

function num(obj: DicomJsonObject, tag: string): number | null {
  const v = first(obj, tag);
  if (v === undefined || v === null || v === '') return null;
  const n = Number(v);
  return Number.isFinite(n) ? n : null;
}

/** Parses a dicom+json array; a non-array or unparsable body is 'malformed'. */
export function parseDicomJsonArray(body: Buffer): DicomJsonObject[] {
  if (body.length === 0) return []; // 204 No Content style: no matches
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    throw new PacsError('The PACS answered a query with something that is not JSON.', 'malformed');
  }
  if (!Array.isArray(parsed)) throw new PacsError('The PACS answered a query with JSON that is not a list of results.', 'malformed');
  return parsed as DicomJsonObject[];
}

export function toStudyMatch(o: DicomJsonObject): StudyMatch {
  return {
    studyInstanceUid: str(o, '0020000D'),
    patientId: str(o, '00100020'),
    patientName: str(o, '00100010'),
    patientBirthDate: str(o, '00100030'),
    studyDate: str(o, '00080020'),
    studyDescription: str(o, '00081030'),
    accessionNumber: str(o, '00080050'),
    modalities: strs(o, '00080061'),
    numberOfSeries: num(o, '00201206'),
    numberOfInstances: num(o, '00201208'),
  };
}

export function toSeriesMatch(o: DicomJsonObject, studyUid: string): SeriesMatch {
  return {
    studyInstanceUid: str(o, '0020000D') || studyUid,
    seriesInstanceUid: str(o, '0020000E'),
    modality: str(o, '00080060'),
    seriesNumber: num(o, '00200011'),
    seriesDescription: str(o, '0008103E'),
    numberOfInstances: num(o, '00201209'),
  };
}

export function toInstanceRef(o: DicomJsonObject, studyUid: string, seriesUid?: string): InstanceRef {
  return {
    studyInstanceUid: str(o, '0020000D') || studyUid,
    seriesInstanceUid: str(o, '0020000E') || seriesUid || '',
    sopInstanceUid: str(o, '00080018'),
  };
}
