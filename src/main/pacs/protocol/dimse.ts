/**
 * The DIMSE client: C-ECHO, C-FIND (study, series, image), C-GET with C-STORE
 * sub-operations (or C-MOVE to our own storage SCP, see dimseMove.ts), and C-STORE.
 * Received instances stay the bytes the PACS sent, wrapped in a Part-10 meta header and
 * checked whole before the caller sees them; one instance per association is in memory.
 */
import type * as DimseTypes from 'dcmjs-dimse';
import { findMany, findOne, list, num, STATUS_SUCCESS, text, type Elements } from './dimseFind';
import { retrieveByGet } from './dimseGet';
import { retrieveByMove } from './dimseMove';
import { dimse, runAssociation, sendAndWait, RawDataset, TS } from './dimseNet';
import { checkPart10 } from './part10';
import {
  PacsError,
  type DimseEndpoint,
  type EchoResult,
  type FetchFailure,
  type InstanceRef,
  type OnInstance,
  type PacsClient,
  type SeriesMatch,
  type StudyMatch,
  type StudyQuery,
} from './types';

const VERIFICATION = '1.2.840.10008.1.1';
/** Presentation contexts one association may carry (PS3.8: odd ids 1..255). */
const MAX_CONTEXTS = 128;
export const DIMSE_DEFAULT_CONCURRENCY = 3;

export function createDimseClient(ep: DimseEndpoint): PacsClient {
  const timeoutMs = ep.timeoutMs ?? 30_000;
  const base = { host: ep.host, port: ep.port, callingAet: ep.callingAet, calledAet: ep.calledAet, timeoutMs };

  const find = (request: DimseTypes.requests.CFindRequest, what: string, signal?: AbortSignal): Promise<Elements[]> => findOne(base, request, what, signal);

  /** IMAGE-level C-FINDs for some series of a study, all on one association. */
  async function findInstancesOf(studyUid: string, seriesUids: string[], signal?: AbortSignal): Promise<InstanceRef[]> {
    const R = dimse().requests.CFindRequest;
    const requests = seriesUids.map((seriesUid) => R.createImageFindRequest({ StudyInstanceUID: studyUid, SeriesInstanceUID: seriesUid }));
    const rows = await findMany(base, requests, 'Instance query', signal);
    return rows.flatMap((list, i) =>
      list
        .map((r) => ({ studyInstanceUid: text(r.StudyInstanceUID) || studyUid, seriesInstanceUid: text(r.SeriesInstanceUID) || seriesUids[i]!, sopInstanceUid: text(r.SOPInstanceUID) }))
        .filter((r) => r.sopInstanceUid),
    );
  }

  const client: PacsClient = {
    async echo(): Promise<EchoResult> {
      const t0 = performance.now();
      try {
        let status = -1;
        await runAssociation({
          ...base,
          contexts: [{ abstractSyntax: VERIFICATION, transferSyntaxes: [TS.explicitLE, TS.implicitLE] }],
          work: async (network) => {
            const request = new (dimse().requests.CEchoRequest)();
            request.on('response', (r: DimseTypes.responses.CEchoResponse) => void (status = r.getStatus()));
            await sendAndWait(network, [request]);
          },
        });
        if (status !== STATUS_SUCCESS) throw new PacsError(`C-ECHO answered status 0x${status.toString(16)}.`, 'refused');
        return { ok: true, ms: Math.round(performance.now() - t0) };
      } catch (err) {
        return { ok: false, ms: Math.round(performance.now() - t0), error: (err as Error).message };
      }
    },

    async findStudies(q: StudyQuery, signal?: AbortSignal): Promise<StudyMatch[]> {
      const keys: Elements = {};
      if (q.patientName) keys.PatientName = q.patientName;
      if (q.patientId) keys.PatientID = q.patientId;
      if (q.accessionNumber) keys.AccessionNumber = q.accessionNumber;
      if (q.modality) keys.ModalitiesInStudy = q.modality;
      if (q.studyDateFrom || q.studyDateTo) keys.StudyDate = `${q.studyDateFrom ?? ''}-${q.studyDateTo ?? ''}`;
      const rows = await find(dimse().requests.CFindRequest.createStudyFindRequest(keys), 'Study query', signal);
      const out = rows
        .map((r) => ({
          studyInstanceUid: text(r.StudyInstanceUID),
          patientId: text(r.PatientID),
          patientName: text(r.PatientName),
          patientBirthDate: text(r.PatientBirthDate),
          studyDate: text(r.StudyDate),
          studyDescription: text(r.StudyDescription),
          accessionNumber: text(r.AccessionNumber),
          modalities: list(r.ModalitiesInStudy),
          numberOfSeries: num(r.NumberOfStudyRelatedSeries),
          numberOfInstances: num(r.NumberOfStudyRelatedInstances),
        }))
        .filter((s) => s.studyInstanceUid);
      return q.limit ? out.slice(0, q.limit) : out;
    },

    async findSeries(studyUid: string, signal?: AbortSignal): Promise<SeriesMatch[]> {
      const rows = await find(dimse().requests.CFindRequest.createSeriesFindRequest({ StudyInstanceUID: studyUid }), 'Series query', signal);
      return rows
        .map((r) => ({
          studyInstanceUid: text(r.StudyInstanceUID) || studyUid,
          seriesInstanceUid: text(r.SeriesInstanceUID),
          modality: text(r.Modality),
          seriesNumber: num(r.SeriesNumber),
          seriesDescription: text(r.SeriesDescription),
          numberOfInstances: num(r.NumberOfSeriesRelatedInstances),
        }))
        .filter((s) => s.seriesInstanceUid);
    },

    async findInstances(studyUid: string, seriesUid?: string, signal?: AbortSignal): Promise<InstanceRef[]> {
      if (seriesUid) return findInstancesOf(studyUid, [seriesUid], signal);
      const series = await client.findSeries(studyUid, signal);
      return findInstancesOf(studyUid, series.map((s) => s.seriesInstanceUid), signal);
    },

    async fetchInstances(refs: InstanceRef[], onInstance: OnInstance, opts: { concurrency?: number; signal?: AbortSignal }): Promise<FetchFailure[]> {
      if (ep.retrieve === 'move') return retrieveByMove(base, ep, refs, onInstance, { concurrency: opts.concurrency ?? DIMSE_DEFAULT_CONCURRENCY, signal: opts.signal });
      return retrieveByGet(base, refs, onInstance, { concurrency: opts.concurrency ?? DIMSE_DEFAULT_CONCURRENCY, signal: opts.signal });
    },

    async store(instances: Buffer[], signal?: AbortSignal): Promise<{ stored: string[]; failed: FetchFailure[] }> {
      const stored: string[] = [];
      const failed: FetchFailure[] = [];
      const items: { uid: string; cls: string; ts: string; data: Buffer }[] = [];
      for (const b of instances) {
        try {
          const info = checkPart10(b);
          if (!info.sopClassUid || !info.sopInstanceUid) throw new PacsError('The instance has no SOP Class or Instance UID.', 'malformed');
          items.push({ uid: info.sopInstanceUid, cls: info.sopClassUid, ts: info.transferSyntaxUid, data: b.subarray(info.datasetOffset) });
        } catch (err) {
          failed.push({ ref: {}, reason: (err as Error).message });
        }
      }
      if (items.length === 0) return { stored, failed };
      const keys = [...new Set(items.map((i) => `${i.cls} ${i.ts}`))];
      for (let k = 0; k < keys.length; k += MAX_CONTEXTS) {
        const chunk = new Set(keys.slice(k, k + MAX_CONTEXTS));
        const batch = items.filter((i) => chunk.has(`${i.cls} ${i.ts}`));
        const answered = new Map<string, number>();
        try {
          await runAssociation({
            ...base,
            signal,
            contexts: [...chunk].map((key) => ({ abstractSyntax: key.split(' ')[0]!, transferSyntaxes: [key.split(' ')[1]!] })),
            work: async (network, association) => {
              const requests: DimseTypes.requests.CStoreRequest[] = [];
              for (const item of batch) {
                const ctx = association.getPresentationContexts().map((c) => association.getPresentationContext(c.id)).find((c) => c.getAbstractSyntaxUid() === item.cls && c.getAcceptedTransferSyntaxUid() === item.ts && c.getResult() === 0);
                if (!ctx) {
                  answered.set(item.uid, -1);
                  continue;
                }
                const request = new (dimse().requests.CStoreRequest)(undefined as never);
                request.setAffectedSopClassUid(item.cls);
                request.setAffectedSopInstanceUid(item.uid);
                request.setDataset(new RawDataset(item.data, item.ts) as never);
                request.on('response', (r: DimseTypes.responses.CStoreResponse) => void answered.set(item.uid, r.getStatus()));
                requests.push(request);
              }
              await sendAndWait(network, requests);
            },
          });
        } catch (err) {
          if ((err as PacsError).kind === 'aborted') throw err;
          for (const item of batch) {
            if (answered.has(item.uid)) continue;
            answered.set(item.uid, -2);
            failed.push({ ref: { sopInstanceUid: item.uid }, reason: `Not stored: ${(err as Error).message}` });
          }
        }
        for (const item of batch) {
          const status = answered.get(item.uid);
          if (status === -2) continue;
          // Success or a warning (0xB000-0xBFFF, 0x0107, 0x0116): stored.
          if (status === STATUS_SUCCESS || (status !== undefined && ((status & 0xf000) === 0xb000 || status === 0x0107 || status === 0x0116))) stored.push(item.uid);
          else if (status === -1) failed.push({ ref: { sopInstanceUid: item.uid }, reason: `Not stored: the PACS does not accept SOP class ${item.cls} in transfer syntax ${item.ts}.` });
          else failed.push({ ref: { sopInstanceUid: item.uid }, reason: `Not stored: the PACS answered C-STORE status 0x${(status ?? 0xffff).toString(16).padStart(4, '0')}.` });
        }
      }
      return { stored, failed };
    },
  };
  return client;
}
