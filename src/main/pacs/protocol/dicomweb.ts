/**
 * The DICOMweb client: QIDO-RS queries, WADO-RS retrieve (multipart/related, parsed as a
 * stream, one part in memory at a time), STOW-RS store. Each fetched instance is checked
 * to be a whole Part-10 file before the caller sees it.
 */
import { parseDicomJsonArray, toInstanceRef, toSeriesMatch, toStudyMatch, type DicomJsonObject } from './dicomJson';
import { HttpTransport, toPacsError, type HttpResponse } from './http';
import { multipartBoundary, parseMultipart } from './multipart';
import { checkPart10, normalizePart10 } from './part10';
import { runPool } from './pool';
import {
  PacsError,
  type DicomWebEndpoint,
  type EchoResult,
  type FetchFailure,
  type InstanceRef,
  type OnInstance,
  type PacsClient,
  type SeriesMatch,
  type StudyMatch,
  type StudyQuery,
} from './types';

const DICOM_JSON = 'application/dicom+json';
const WADO_ACCEPT = 'multipart/related; type="application/dicom"; transfer-syntax=*';
/** Instances per STOW-RS request. */
const STOW_BATCH = 32;

/** DICOMweb default parallel retrieve requests. */
export const DICOMWEB_DEFAULT_CONCURRENCY = 6;

function enc(uid: string): string {
  // Real archives hold non-conformant UIDs too: encode rather than refuse.
  if (!uid) throw new PacsError('An empty UID cannot be requested.', 'malformed');
  return encodeURIComponent(uid);
}

async function failOnStatus(res: HttpResponse, what: string): Promise<void> {
  if (res.status >= 200 && res.status < 300) return;
  let detail = '';
  try {
    detail = (await HttpTransport.readAll(res.body, 64 * 1024)).toString('utf8').replace(/\s+/g, ' ').trim().slice(0, 200);
  } catch {
    res.body.destroy();
  }
  const kind = res.status === 401 || res.status === 403 ? 'refused' : 'http';
  const hint = res.status === 401 || res.status === 403 ? ' (check the node\'s credentials)' : res.status === 404 ? ' (not found on the PACS)' : '';
  throw new PacsError(`${what}: the PACS answered HTTP ${res.status}${hint}${detail ? `: ${detail}` : ''}`, kind);
}

export function studyQueryParams(q: StudyQuery): URLSearchParams {
  const p = new URLSearchParams();
  if (q.patientName) p.set('PatientName', q.patientName);
  if (q.patientId) p.set('PatientID', q.patientId);
  if (q.accessionNumber) p.set('AccessionNumber', q.accessionNumber);
  if (q.modality) p.set('ModalitiesInStudy', q.modality);
  if (q.studyDateFrom || q.studyDateTo) p.set('StudyDate', `${q.studyDateFrom ?? ''}-${q.studyDateTo ?? ''}`);
  if (q.limit) p.set('limit', String(q.limit));
  for (const tag of ['00100030', '00081030', '00080050', '00080061', '00201206', '00201208']) p.append('includefield', tag);
  return p;
}

export function createDicomWebClient(ep: DicomWebEndpoint): PacsClient {
  const http = new HttpTransport(ep);

  async function getJson(path: string, what: string, signal?: AbortSignal): Promise<DicomJsonObject[]> {
    try {
      const res = await http.request({ path, headers: { accept: DICOM_JSON }, signal });
      await failOnStatus(res, what);
      if (res.status === 204) {
        res.body.resume();
        return [];
      }
      return parseDicomJsonArray(await HttpTransport.readAll(res.body));
    } catch (err) {
      throw toPacsError(err, what);
    }
  }

  /** Fetches one instance by WADO-RS; resolves when onInstance has taken it. */
  async function fetchOne(ref: InstanceRef, onInstance: OnInstance, signal?: AbortSignal): Promise<void> {
    const what = `Retrieving instance ${ref.sopInstanceUid}`;
    const path = `/studies/${enc(ref.studyInstanceUid)}/series/${enc(ref.seriesInstanceUid)}/instances/${enc(ref.sopInstanceUid)}`;
    let res: HttpResponse | undefined;
    try {
      res = await http.request({ path, headers: { accept: WADO_ACCEPT }, signal });
      await failOnStatus(res, what);
      const boundary = multipartBoundary(res.headers['content-type']);
      if (!boundary) throw new PacsError(`${what}: the PACS did not answer multipart/related (Content-Type ${res.headers['content-type'] ?? 'missing'}).`, 'malformed');
      let parts = 0;
      for await (const part of parseMultipart(res.body as AsyncIterable<Buffer>, boundary)) {
        parts++;
        if (parts > 1) throw new PacsError(`${what}: the PACS sent more than one instance for one SOP Instance UID.`, 'malformed');
        const { part10, info } = normalizePart10(part.body);
        if (info.sopInstanceUid && info.sopInstanceUid !== ref.sopInstanceUid) {
          throw new PacsError(`${what}: the PACS sent instance ${info.sopInstanceUid} instead.`, 'malformed');
        }
        await onInstance(ref, part10);
      }
      if (parts === 0) throw new PacsError(`${what}: the PACS answered with no instance.`, 'malformed');
    } catch (err) {
      res?.body.destroy();
      throw toPacsError(err, what);
    }
  }

  return {
    async echo(): Promise<EchoResult> {
      const t0 = performance.now();
      try {
        await getJson('/studies?limit=1', 'DICOMweb query');
        return { ok: true, ms: Math.round(performance.now() - t0) };
      } catch (err) {
        return { ok: false, ms: Math.round(performance.now() - t0), error: (err as Error).message };
      }
    },

    async findStudies(q: StudyQuery, signal?: AbortSignal): Promise<StudyMatch[]> {
      const rows = await getJson(`/studies?${studyQueryParams(q).toString()}`, 'Study query', signal);
      return rows.map(toStudyMatch).filter((s) => s.studyInstanceUid);
    },

    async findSeries(studyUid: string, signal?: AbortSignal): Promise<SeriesMatch[]> {
      const p = new URLSearchParams();
      for (const tag of ['0008103E', '00200011', '00201209']) p.append('includefield', tag);
      const rows = await getJson(`/studies/${enc(studyUid)}/series?${p.toString()}`, 'Series query', signal);
      return rows.map((r) => toSeriesMatch(r, studyUid)).filter((s) => s.seriesInstanceUid);
    },

    async findInstances(studyUid: string, seriesUid?: string, signal?: AbortSignal): Promise<InstanceRef[]> {
      const path = seriesUid ? `/studies/${enc(studyUid)}/series/${enc(seriesUid)}/instances` : `/studies/${enc(studyUid)}/instances`;
      const rows = await getJson(path, 'Instance query', signal);
      return rows.map((r) => toInstanceRef(r, studyUid, seriesUid)).filter((r) => r.sopInstanceUid && r.seriesInstanceUid);
    },

    async fetchInstances(refs: InstanceRef[], onInstance: OnInstance, opts: { concurrency?: number; signal?: AbortSignal }): Promise<FetchFailure[]> {
      const failures: FetchFailure[] = [];
      let down: PacsError | undefined;
      await runPool(
        refs,
        opts.concurrency ?? DICOMWEB_DEFAULT_CONCURRENCY,
        async (ref) => {
          if (down) {
            failures.push({ ref, reason: `Not retrieved: ${down.message}` });
            return;
          }
          try {
            await fetchOne(ref, onInstance, opts.signal);
          } catch (err) {
            const e = toPacsError(err, `Retrieving instance ${ref.sopInstanceUid}`);
            if (e.kind === 'aborted' || opts.signal?.aborted) throw new PacsError('The retrieve was cancelled.', 'aborted');
            if (e.kind === 'unreachable' && /unreachable/.test(e.message)) down = e;
            failures.push({ ref, reason: e.message });
          }
        },
        opts.signal,
      );
      return failures;
    },

    async store(instances: Buffer[], signal?: AbortSignal): Promise<{ stored: string[]; failed: FetchFailure[] }> {
      const stored: string[] = [];
      const failed: FetchFailure[] = [];
      const uids: string[] = [];
      const valid: Buffer[] = [];
      for (const b of instances) {
        try {
          const info = checkPart10(b);
          uids.push(info.sopInstanceUid);
          valid.push(b);
        } catch (err) {
          failed.push({ ref: {}, reason: (err as Error).message });
        }
      }
      for (let i = 0; i < valid.length; i += STOW_BATCH) {
        const batch = valid.slice(i, i + STOW_BATCH);
        const batchUids = uids.slice(i, i + STOW_BATCH);
        try {
          const answer = await stowBatch(http, batch, signal);
          const ok = new Set(answer.stored);
          const bad = new Map(answer.failed.map((f) => [f.uid, f.reason]));
          for (const uid of batchUids) {
            if (ok.has(uid)) stored.push(uid);
            else failed.push({ ref: { sopInstanceUid: uid }, reason: bad.get(uid) ?? 'The PACS did not confirm storing this instance.' });
          }
        } catch (err) {
          const e = toPacsError(err, 'Storing instances');
          if (e.kind === 'aborted') throw e;
          for (const uid of batchUids) failed.push({ ref: { sopInstanceUid: uid }, reason: e.message });
        }
      }
      return { stored, failed };
    },
  };
}

async function stowBatch(http: HttpTransport, batch: Buffer[], signal?: AbortSignal): Promise<{ stored: string[]; failed: { uid: string; reason: string }[] }> {
  const boundary = `carelens-${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;
  const body: Buffer[] = [];
  for (const b of batch) {
    body.push(Buffer.from(`--${boundary}\r\nContent-Type: application/dicom\r\n\r\n`, 'latin1'), b, Buffer.from('\r\n', 'latin1'));
  }
  body.push(Buffer.from(`--${boundary}--\r\n`, 'latin1'));
  const res = await http.request({
    method: 'POST',
    path: '/studies',
    headers: { 'content-type': `multipart/related; type="application/dicom"; boundary=${boundary}`, accept: DICOM_JSON },
    body,
    signal,
  });
  // 200 all stored, 202 some failed, 409 none stored: the body says which.
  if (res.status !== 409) await failOnStatus(res, 'Storing instances');
  const text = await HttpTransport.readAll(res.body);
  let obj: DicomJsonObject = {};
  if (text.length) {
    try {
      const parsed = JSON.parse(text.toString('utf8')) as unknown;
      obj = (Array.isArray(parsed) ? parsed[0] : parsed) as DicomJsonObject;
    } catch {
      if (res.status === 409) throw new PacsError('Storing instances: the PACS refused them (HTTP 409).', 'http');
      throw new PacsError('Storing instances: the PACS answer is not JSON.', 'malformed');
    }
  }
  const seq = (tag: string): DicomJsonObject[] => (obj?.[tag]?.Value ?? []) as DicomJsonObject[];
  const uidOf = (o: DicomJsonObject): string => String(o['00081155']?.Value?.[0] ?? '');
  return {
    stored: seq('00081199').map(uidOf),
    failed: seq('00081198').map((o) => ({ uid: uidOf(o), reason: `The PACS refused this instance (failure reason ${String(o['00081197']?.Value?.[0] ?? 'unknown')}).` })),
  };
}
