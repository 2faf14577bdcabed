/**
 * Retrieve over DIMSE by C-GET: the instances come back as C-STORE sub-operations on our own
 * association. Series are grouped into a few associations (bounded parallelism), each
 * proposing, per SOP class, one presentation context per transfer syntax, so the PACS sends
 * every instance as it stores it. Instances are received raw, framed as Part-10, checked
 * whole, and handed to onInstance before the PACS is answered (back-pressure).
 */
import type * as DimseTypes from 'dcmjs-dimse';
import { retrievePlanInfo, seriesClasses, STATUS_PENDING, type AssociationBase, type RetrievePlanInfo } from './dimseFind';
import { dimse, runAssociation, sendAndWait, STORED_TRANSFER_SYNTAXES, TS, type RawDataset } from './dimseNet';
import { receiveInstance } from './dimseReceive';
import { runPool } from './pool';
import { PacsError, type FetchFailure, type InstanceRef, type OnInstance } from './types';

const GET = '1.2.840.10008.5.1.4.1.2.2.3';
/** Presentation contexts one association may carry (PS3.8: odd ids 1..255). */
const MAX_CONTEXTS = 128;
const SYNTAXES = [TS.explicitLE, TS.implicitLE, ...STORED_TRANSFER_SYNTAXES];
/** SOP classes one C-GET association can negotiate with every transfer syntax. */
const MAX_CLASSES = Math.floor((MAX_CONTEXTS - 1) / SYNTAXES.length);
/** Instances per C-GET request at IMAGE level (a UID list). */
const MAX_UIDS_PER_REQUEST = 200;

/** One C-GET request: whole studies (a list of study UIDs), a whole series, or a list of a series' instances. */
interface GetJob {
  refs: InstanceRef[];
  level: 'STUDY' | 'SERIES' | 'IMAGE';
  classes: Set<string>;
}
/** Studies per STUDY-level C-GET (a list of UIDs). */
const MAX_STUDIES_PER_REQUEST = 100;

export interface GetOptions {
  concurrency: number;
  signal?: AbortSignal;
}

function addListJobs(jobs: GetJob[], refs: InstanceRef[], classes: Set<string>): void {
  for (let k = 0; k < refs.length; k += MAX_UIDS_PER_REQUEST) jobs.push({ refs: refs.slice(k, k + MAX_UIDS_PER_REQUEST), level: 'IMAGE', classes });
}

/** Fetches refs by C-GET; returns the failures (throws only on abort). */
export async function retrieveByGet(base: AssociationBase, refs: InstanceRef[], onInstance: OnInstance, opts: GetOptions): Promise<FetchFailure[]> {
  const failures: FetchFailure[] = [];
  const groups = new Map<string, InstanceRef[]>();
  for (const r of refs) {
    const key = `${r.studyInstanceUid}\n${r.seriesInstanceUid}`;
    const g = groups.get(key);
    if (g) g.push(r);
    else groups.set(key, [r]);
  }
  const series = [...groups.values()];
  let plan: RetrievePlanInfo;
  let fallback: Map<string, string>[] | undefined;
  try {
    plan = await retrievePlanInfo(base, [...new Set(refs.map((r) => r.studyInstanceUid))], opts.signal);
    const unknown = series.filter((g) => !plan.studyClasses.get(g[0]!.studyInstanceUid)?.length);
    if (unknown.length) {
      // The PACS did not say which SOP classes a study holds: ask instance by instance for those series.
      const found = await seriesClasses(base, unknown.map((g) => ({ studyUid: g[0]!.studyInstanceUid, seriesUid: g[0]!.seriesInstanceUid })), opts.signal);
      fallback = series.map((g) => found[unknown.indexOf(g)] ?? new Map<string, string>());
    }
  } catch (err) {
    if ((err as PacsError).kind === 'aborted' || opts.signal?.aborted) throw new PacsError('The retrieve was cancelled.', 'aborted');
    return refs.map((ref) => ({ ref, reason: `Not retrieved: ${(err as Error).message}` }));
  }

  // Jobs: whole studies where every instance of a study is wanted (a few large C-GETs: a PACS spends
  // much of its time per request), else whole series, else UID lists; split when there are too many SOP classes.
  const jobs: GetJob[] = [];
  const perStudy = new Map<string, InstanceRef[]>();
  for (const r of refs) {
    const g = perStudy.get(r.studyInstanceUid);
    if (g) g.push(r);
    else perStudy.set(r.studyInstanceUid, [r]);
  }
  const wholeStudies = new Set<string>();
  for (const [uid, group] of perStudy) {
    const classes = plan.studyClasses.get(uid) ?? [];
    if (classes.length && classes.length <= MAX_CLASSES && plan.studyCounts.get(uid) === group.length && new Set(group.map((r) => r.sopInstanceUid)).size === group.length) wholeStudies.add(uid);
  }
  const studyTarget = Math.max(1, Math.ceil(refs.length / Math.max(1, opts.concurrency)));
  let pending: GetJob | undefined;
  let pendingStudies = 0;
  for (const uid of wholeStudies) {
    const group = perStudy.get(uid)!;
    const classes = plan.studyClasses.get(uid)!;
    const union = new Set([...(pending?.classes ?? []), ...classes]);
    if (pending && (union.size > MAX_CLASSES || pending.refs.length + group.length > studyTarget || pendingStudies >= MAX_STUDIES_PER_REQUEST)) {
      jobs.push(pending);
      pending = undefined;
    }
    if (!pending) {
      pending = { refs: [], level: 'STUDY', classes: new Set() };
      pendingStudies = 0;
    }
    pending.refs.push(...group);
    for (const c of classes) pending.classes.add(c);
    pendingStudies++;
  }
  if (pending) jobs.push(pending);
  series.forEach((group, i) => {
    if (wholeStudies.has(group[0]!.studyInstanceUid)) return;
    const first = group[0]!;
    const byInstance = fallback?.[i];
    const studyClasses = plan.studyClasses.get(first.studyInstanceUid) ?? [];
    if (byInstance?.size || !studyClasses.length) {
      // Per-instance classes (fallback path): drop what the PACS does not hold or cannot negotiate.
      const known = byInstance ?? new Map<string, string>();
      const present: InstanceRef[] = [];
      for (const ref of group) {
        const cls = known.get(ref.sopInstanceUid);
        if (cls === undefined) failures.push({ ref, reason: 'Not retrieved: the PACS does not hold this instance.' });
        else if (!cls) failures.push({ ref, reason: 'Not retrieved: the PACS lists no SOP Class UID for this instance, so C-GET cannot negotiate it; retrieve it over DICOMweb.' });
        else present.push(ref);
      }
      const classes = [...new Set(present.map((r) => known.get(r.sopInstanceUid)!))];
      for (let c = 0; c < classes.length; c += MAX_CLASSES) {
        const set = new Set(classes.slice(c, c + MAX_CLASSES));
        addListJobs(jobs, present.filter((r) => set.has(known.get(r.sopInstanceUid)!)), set);
      }
      return;
    }
    const classes = new Set(studyClasses.slice(0, MAX_CLASSES));
    if (studyClasses.length > MAX_CLASSES) {
      // Rare: more SOP classes in one study than one association can negotiate; the rest are reported by the PACS as failed sub-operations.
      classes.clear();
      for (const c of studyClasses.slice(0, MAX_CLASSES)) classes.add(c);
    }
    if (plan.seriesCounts.get(first.seriesInstanceUid) === group.length && new Set(group.map((r) => r.sopInstanceUid)).size === group.length) {
      jobs.push({ refs: group, level: 'SERIES', classes });
    } else {
      addListJobs(jobs, group, classes);
    }
  });

  const retry: GetJob[] = [];
  await runJobs(base, jobs, onInstance, failures, retry, opts);
  if (retry.length) {
    // A PACS may give up on the rest of a C-GET after one sub-operation fails (Orthanc does): ask again
    // for what it did not send, one instance per request, so one bad instance costs only itself.
    await runJobs(base, retry, onInstance, failures, undefined, opts);
  }
  return failures;
}

/** Runs jobs packed into associations (classes that fit, about `concurrency` at a time). */
async function runJobs(base: AssociationBase, jobs: GetJob[], onInstance: OnInstance, failures: FetchFailure[], retry: GetJob[] | undefined, opts: GetOptions): Promise<void> {
  const total = jobs.reduce((n, j) => n + j.refs.length, 0);
  const target = Math.max(1, Math.ceil(total / Math.max(1, opts.concurrency)));
  const batches: GetJob[][] = [];
  let current: GetJob[] = [];
  let currentClasses = new Set<string>();
  let currentCount = 0;
  for (const job of jobs) {
    const union = new Set([...currentClasses, ...job.classes]);
    if (current.length && (union.size > MAX_CLASSES || currentCount + job.refs.length > target)) {
      batches.push(current);
      current = [];
      currentCount = 0;
      currentClasses = new Set();
    }
    current.push(job);
    currentCount += job.refs.length;
    for (const c of job.classes) currentClasses.add(c);
  }
  if (current.length) batches.push(current);

  let down: PacsError | undefined;
  await runPool(
    batches,
    opts.concurrency,
    async (batch) => {
      const batchRefs = batch.flatMap((j) => j.refs);
      if (down) {
        for (const ref of batchRefs) failures.push({ ref, reason: `Not retrieved: ${down.message}` });
        return;
      }
      const err = await getBatch(base, batch, onInstance, failures, retry, opts.signal);
      if (err && (err.kind === 'unreachable' || err.kind === 'refused')) down = err;
    },
    opts.signal,
  );
}

/** One association carrying some C-GET requests; failures appended; returns the association's error, if any. */
async function getBatch(base: AssociationBase, batch: GetJob[], onInstance: OnInstance, failures: FetchFailure[], retry: GetJob[] | undefined, signal?: AbortSignal): Promise<PacsError | undefined> {
  const wanted = new Map<string, InstanceRef>();
  for (const j of batch) for (const r of j.refs) wanted.set(r.sopInstanceUid, r);
  const received = new Set<string>();
  const failed = new Set<string>();
  const classes = new Set(batch.flatMap((j) => [...j.classes]));
  const contexts: { abstractSyntax: string; transferSyntaxes: string[]; scpRole?: boolean }[] = [{ abstractSyntax: GET, transferSyntaxes: [TS.explicitLE, TS.implicitLE] }];
  // One transfer syntax per context, so the PACS can send each instance as it stores it.
  for (const c of classes) for (const ts of SYNTAXES) contexts.push({ abstractSyntax: c, transferSyntaxes: [ts], scpRole: true });

  const R = dimse().requests.CGetRequest;
  const finals: ({ status: number; failed: number; comment: string } | undefined)[] = batch.map(() => undefined);
  const requests = batch.map((job, i) => {
    const first = job.refs[0]!;
    const request = R.createSeriesGetRequest(first.studyInstanceUid, first.seriesInstanceUid);
    const one = (uids: string[]): string | string[] => (uids.length === 1 ? uids[0]! : uids);
    if (job.level === 'STUDY') {
      // A list of study UIDs (PS3.4 C.4.3.2: list of UID matching on the retrieve level's unique key).
      request.setDataset(new (dimse().Dataset)({ QueryRetrieveLevel: 'STUDY', StudyInstanceUID: one([...new Set(job.refs.map((r) => r.studyInstanceUid))]) } as never));
    } else if (job.level === 'IMAGE') {
      // An IMAGE-level C-GET with a list of SOP Instance UIDs (multi-valued, not one joined string).
      request.setDataset(new (dimse().Dataset)({ QueryRetrieveLevel: 'IMAGE', StudyInstanceUID: first.studyInstanceUid, SeriesInstanceUID: first.seriesInstanceUid, SOPInstanceUID: one(job.refs.map((r) => r.sopInstanceUid)) } as never));
    }
    request.setAddStorageSopClassesToAssociation(false);
    request.on('response', (response: DimseTypes.responses.CGetResponse) => {
      const status = response.getStatus();
      if (!STATUS_PENDING.includes(status)) finals[i] = { status, failed: response.getFailures?.() ?? 0, comment: response.getErrorComment?.() ?? '' };
    });
    return request;
  });

  let associationError: PacsError | undefined;
  try {
    await runAssociation({
      ...base,
      signal,
      contexts,
      onStore: (store: DimseTypes.requests.CStoreRequest, dataset: RawDataset) =>
        receiveInstance({ wanted, received, failed, failures }, onInstance, store.getAffectedSopClassUid(), store.getAffectedSopInstanceUid(), dataset),
      work: async (network) => {
        await sendAndWait(network, requests);
      },
    });
  } catch (err) {
    if ((err as PacsError).kind === 'aborted' || signal?.aborted) throw new PacsError('The retrieve was cancelled.', 'aborted');
    associationError = err instanceof PacsError ? err : new PacsError(String(err), 'association');
  }
  batch.forEach((job, i) => {
    const final = finals[i];
    for (const ref of job.refs) {
      if (received.has(ref.sopInstanceUid) || failed.has(ref.sopInstanceUid)) continue;
      if (retry && !associationError && final && job.refs.length > 1 && final.failed > 0) {
        retry.push({ refs: [ref], level: 'IMAGE', classes: job.classes });
        continue;
      }
      let reason: string;
      if (associationError) reason = `Not retrieved: ${associationError.message}`;
      else if (!final) reason = 'Not retrieved: the PACS ended the C-GET without a final status.';
      else if (final.status >= 0xa700 && final.status <= 0xa7ff) reason = `Not retrieved: the PACS is out of resources or could not send it (C-GET status 0x${final.status.toString(16)}).`;
      else reason = `Not retrieved: the PACS did not send this instance (C-GET status 0x${final.status.toString(16).padStart(4, '0')}, ${final.failed} failed sub-operation(s)${final.comment ? `: ${final.comment}` : ''}).`;
      failures.push({ ref, reason });
    }
  });
  return associationError;
}
