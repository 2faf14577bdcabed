/** C-FIND over DIMSE: several queries on one association, and reading naturalized answers. */
import type * as DimseTypes from 'dcmjs-dimse';
import { dimse, runAssociation, sendAndWait, TS } from './dimseNet';
import { PacsError } from './types';

export const FIND = '1.2.840.10008.5.1.4.1.2.2.1';
export const STATUS_SUCCESS = 0x0000;
export const STATUS_PENDING = [0xff00, 0xff01];

export type Elements = Record<string, unknown>;

/** Where and as whom an association is opened. */
export interface AssociationBase {
  host: string;
  port: number;
  callingAet: string;
  calledAet: string;
  timeoutMs: number;
}

export function text(v: unknown): string {
  if (v === undefined || v === null) return '';
  if (Array.isArray(v)) return v.length ? text(v[0]) : '';
  if (typeof v === 'object') return String((v as { Alphabetic?: string }).Alphabetic ?? '');
  return String(v).trim();
}
export function list(v: unknown): string[] {
  if (v === undefined || v === null || v === '') return [];
  if (Array.isArray(v)) return v.map(text).filter(Boolean);
  return String(v)
    .split('\\')
    .map((s) => s.trim())
    .filter(Boolean);
}
export function num(v: unknown): number | null {
  const t = text(v);
  if (!t) return null;
  const n = Number(t);
  return Number.isFinite(n) ? n : null;
}

/** Runs C-FIND requests one after another on one association; the matches of each, in order. */
export async function findMany(base: AssociationBase, requests: DimseTypes.requests.CFindRequest[], what: string, signal?: AbortSignal): Promise<Elements[][]> {
  const rows: Elements[][] = requests.map(() => []);
  const finals: { status: number; comment: string }[] = requests.map(() => ({ status: -1, comment: '' }));
  if (requests.length === 0) return rows;
  await runAssociation({
    ...base,
    signal,
    contexts: [{ abstractSyntax: FIND, transferSyntaxes: [TS.explicitLE, TS.implicitLE] }],
    work: async (network) => {
      requests.forEach((request, i) => {
        request.on('response', (response: DimseTypes.responses.CFindResponse) => {
          const status = response.getStatus();
          if (STATUS_PENDING.includes(status)) {
            const ds = response.getDataset();
            if (ds) rows[i]!.push(ds.getElements());
          } else {
            finals[i] = { status, comment: response.getErrorComment?.() ?? '' };
          }
        });
      });
      await sendAndWait(network, requests);
    },
  });
  const bad = finals.find((f) => f.status !== STATUS_SUCCESS);
  if (bad) {
    const hex = bad.status < 0 ? 'no final status' : `status 0x${bad.status.toString(16).padStart(4, '0')}`;
    throw new PacsError(`${what}: the PACS refused the C-FIND (${hex}${bad.comment ? `: ${bad.comment}` : ''}).`, 'refused');
  }
  return rows;
}

export async function findOne(base: AssociationBase, request: DimseTypes.requests.CFindRequest, what: string, signal?: AbortSignal): Promise<Elements[]> {
  return (await findMany(base, [request], what, signal))[0]!;
}

/** UIDs per multi-valued C-FIND key (list matching). */
const UIDS_PER_FIND = 100;

export interface RetrievePlanInfo {
  /** SOP Class UIDs in each study (SOPClassesInStudy); a study missing here had none reported. */
  studyClasses: Map<string, string[]>;
  /** Instances in each series (NumberOfSeriesRelatedInstances), by series UID. */
  seriesCounts: Map<string, number>;
  /** Instances in each study (NumberOfStudyRelatedInstances), by study UID. */
  studyCounts: Map<string, number>;
}

/**
 * What a C-GET needs to know before it starts, in one association: the SOP classes of each
 * study (to propose presentation contexts) and the instance count of each series (to ask for
 * a whole series at once). Study UIDs go as lists (PS3.4 C.2.2.2.2 list of UID matching).
 */
export async function retrievePlanInfo(base: AssociationBase, studyUids: string[], signal?: AbortSignal): Promise<RetrievePlanInfo> {
  const R = dimse().requests.CFindRequest;
  const requests: DimseTypes.requests.CFindRequest[] = [];
  const chunks: string[][] = [];
  for (let i = 0; i < studyUids.length; i += UIDS_PER_FIND) chunks.push(studyUids.slice(i, i + UIDS_PER_FIND));
  for (const chunk of chunks) requests.push(R.createStudyFindRequest({ StudyInstanceUID: chunk.length === 1 ? chunk[0] : chunk, SOPClassesInStudy: '', NumberOfStudyRelatedInstances: '' }));
  for (const chunk of chunks) requests.push(R.createSeriesFindRequest({ StudyInstanceUID: chunk.length === 1 ? chunk[0] : chunk }));
  const rows = await findMany(base, requests, 'Retrieve planning query', signal);
  const studyClasses = new Map<string, string[]>();
  const seriesCounts = new Map<string, number>();
  const studyCounts = new Map<string, number>();
  rows.slice(0, chunks.length).flat().forEach((r) => {
    studyClasses.set(text(r.StudyInstanceUID), list(r.SOPClassesInStudy));
    const n = num(r.NumberOfStudyRelatedInstances);
    if (n !== null) studyCounts.set(text(r.StudyInstanceUID), n);
  });
  rows.slice(chunks.length).flat().forEach((r) => {
    const n = num(r.NumberOfSeriesRelatedInstances);
    if (n !== null) seriesCounts.set(text(r.SeriesInstanceUID), n);
  });
  return { studyClasses, seriesCounts, studyCounts };
}

/** SOP Instance UID → SOP Class UID for each series (IMAGE-level C-FINDs on one association): the fallback for a PACS that does not report SOPClassesInStudy. */
export async function seriesClasses(base: AssociationBase, series: { studyUid: string; seriesUid: string }[], signal?: AbortSignal): Promise<Map<string, string>[]> {
  const R = dimse().requests.CFindRequest;
  const requests = series.map((s) => R.createImageFindRequest({ StudyInstanceUID: s.studyUid, SeriesInstanceUID: s.seriesUid, SOPClassUID: '' }));
  const rows = await findMany(base, requests, 'Instance query', signal);
  return rows.map((r) => new Map(r.map((e) => [text(e.SOPInstanceUID), text(e.SOPClassUID)])));
}
