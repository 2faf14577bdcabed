/**
 * Retrieve over DIMSE by C-MOVE, for a PACS that refuses C-GET: we ask the PACS to move the
 * instances to our own storage SCP, listening on a loopback port (`moveDestination`) only
 * for the length of the retrieve. The PACS must know that AE title, host and port. Received
 * data sets stay raw, are framed as Part-10, checked whole and handed to onInstance before
 * the PACS is answered (back-pressure).
 */
import net from 'node:net';
import type * as DimseTypes from 'dcmjs-dimse';
import { retrievePlanInfo, STATUS_PENDING, STATUS_SUCCESS, type AssociationBase } from './dimseFind';
import { dimse, RawDataset, runAssociation, sendAndWait, TS } from './dimseNet';
import { receiveInstance } from './dimseReceive';
import { runPool } from './pool';
import { PacsError, type DimseEndpoint, type FetchFailure, type InstanceRef, type OnInstance } from './types';

const MOVE = '1.2.840.10008.5.1.4.1.2.2.2';
const VERIFICATION = '1.2.840.10008.1.1';
const MAX_UIDS_PER_REQUEST = 200;

type StoreHandler = (sopClassUid: string, sopInstanceUid: string, dataset: RawDataset) => Promise<number>;

interface StoreScp {
  close(): Promise<void>;
}

/** Our storage SCP on host:port (loopback by default), answering C-ECHO and C-STORE for `aet`. */
async function startStoreScp(host: string, port: number, aet: string, onStore: StoreHandler): Promise<StoreScp> {
  const d = dimse();
  const C = d.constants;
  class MoveDestinationScp extends d.Scp {
    override associationRequested(association: DimseTypes.association.Association): void {
      if (association.getCalledAeTitle().trim() !== aet) {
        this.sendAssociationReject(C.RejectResult.Permanent, C.RejectSource.ServiceUser, C.RejectReason.CalledAeNotRecognized);
        return;
      }
      for (const c of association.getPresentationContexts()) {
        const context = association.getPresentationContext(c.id);
        const syntaxes = context.getTransferSyntaxUids();
        // Take what the PACS offers first (it lists the stored syntax first): no transcoding on either side.
        if (syntaxes.length) context.setResult(C.PresentationContextResult.Accept, syntaxes[0]);
        else context.setResult(C.PresentationContextResult.RejectTransferSyntaxesNotSupported);
      }
      this.sendAssociationAccept();
    }
    override associationReleaseRequested(): void {
      this.sendAssociationReleaseResponse();
    }
    override cEchoRequest(request: DimseTypes.requests.CEchoRequest, callback: (r: DimseTypes.responses.CEchoResponse) => void): void {
      const response = d.responses.CEchoResponse.fromRequest(request);
      response.setStatus(STATUS_SUCCESS);
      callback(response);
    }
    override cStoreRequest(request: DimseTypes.requests.CStoreRequest, callback: (r: DimseTypes.responses.CStoreResponse) => void): void {
      const response = d.responses.CStoreResponse.fromRequest(request);
      const dataset = request.getDataset() as unknown;
      if (!(dataset instanceof RawDataset)) {
        response.setStatus(0xa700);
        callback(response);
        return;
      }
      onStore(request.getAffectedSopClassUid(), request.getAffectedSopInstanceUid(), dataset)
        .then((status) => response.setStatus(status))
        .catch(() => response.setStatus(0xa700))
        .finally(() => callback(response));
    }
    override createDatasetFromStoreWritableStream(stream: unknown, context: unknown, callback: (d: never) => void): void {
      const bytes = (stream as { toBuffer(): Buffer }).toBuffer();
      callback(new RawDataset(bytes, (context as { getAcceptedTransferSyntaxUid(): string }).getAcceptedTransferSyntaxUid()) as never);
    }
  }
  const sockets = new Set<net.Socket>();
  const server = net.createServer({ noDelay: true }, (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    const scp = new MoveDestinationScp(socket, {}) as unknown as { connected: boolean; on(e: string, l: () => void): void };
    scp.connected = true;
    scp.on('networkError', () => socket.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(new PacsError(`Our C-MOVE destination could not listen on ${host}:${port} (${err.code ?? err.message}); is another retrieve running?`, 'refused')),
    );
    server.listen(port, host, () => resolve());
  });
  return {
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Fetches refs by C-MOVE to our storage SCP; returns the failures (throws only on abort). */
export async function retrieveByMove(base: AssociationBase, ep: DimseEndpoint, refs: InstanceRef[], onInstance: OnInstance, opts: { concurrency: number; signal?: AbortSignal }): Promise<FetchFailure[]> {
  const dest = ep.moveDestination;
  if (!dest) return refs.map((ref) => ({ ref, reason: 'Not retrieved: C-MOVE needs our storage AE title and port (moveDestination) set for this PACS node.' }));
  const failures: FetchFailure[] = [];
  const wanted = new Map(refs.map((r) => [r.sopInstanceUid, r]));
  const received = new Set<string>();
  const failed = new Set<string>();
  let scp: StoreScp;
  try {
    scp = await startStoreScp(dest.host ?? '127.0.0.1', dest.port, dest.aet, (sopClassUid, uid, dataset) =>
      receiveInstance({ wanted, received, failed, failures }, onInstance, sopClassUid, uid, dataset),
    );
  } catch (err) {
    return refs.map((ref) => ({ ref, reason: `Not retrieved: ${(err as Error).message}` }));
  }
  try {
    const plan = await retrievePlanInfo(base, [...new Set(refs.map((r) => r.studyInstanceUid))], opts.signal);
    const groups = new Map<string, InstanceRef[]>();
    for (const r of refs) {
      const g = groups.get(r.seriesInstanceUid);
      if (g) g.push(r);
      else groups.set(r.seriesInstanceUid, [r]);
    }
    const jobs: { refs: InstanceRef[]; whole: boolean }[] = [];
    for (const group of groups.values()) {
      if (plan.seriesCounts.get(group[0]!.seriesInstanceUid) === group.length) jobs.push({ refs: group, whole: true });
      else for (let k = 0; k < group.length; k += MAX_UIDS_PER_REQUEST) jobs.push({ refs: group.slice(k, k + MAX_UIDS_PER_REQUEST), whole: false });
    }
    const lanes = Math.max(1, Math.min(opts.concurrency, jobs.length));
    const batches: (typeof jobs)[] = Array.from({ length: lanes }, () => []);
    jobs.forEach((job, i) => batches[i % lanes]!.push(job));
    let down: PacsError | undefined;
    await runPool(
      batches,
      lanes,
      async (batch) => {
        const finals: ({ status: number; failed: number } | undefined)[] = batch.map(() => undefined);
        let error: PacsError | undefined = down;
        if (!error) {
          try {
            await runAssociation({
              ...base,
              signal: opts.signal,
              contexts: [
                { abstractSyntax: MOVE, transferSyntaxes: [TS.explicitLE, TS.implicitLE] },
                { abstractSyntax: VERIFICATION, transferSyntaxes: [TS.explicitLE, TS.implicitLE] },
              ],
              work: async (network) => {
                const R = dimse().requests.CMoveRequest;
                const requests = batch.map((job, i) => {
                  const first = job.refs[0]!;
                  const request = R.createSeriesMoveRequest(dest.aet, first.studyInstanceUid, first.seriesInstanceUid);
                  if (!job.whole) {
                    const uids = job.refs.map((r) => r.sopInstanceUid);
                    request.setDataset(new (dimse().Dataset)({ QueryRetrieveLevel: 'IMAGE', StudyInstanceUID: first.studyInstanceUid, SeriesInstanceUID: first.seriesInstanceUid, SOPInstanceUID: uids.length === 1 ? uids[0] : uids } as never));
                  }
                  request.on('response', (response: DimseTypes.responses.CMoveResponse) => {
                    const status = response.getStatus();
                    if (!STATUS_PENDING.includes(status)) finals[i] = { status, failed: response.getFailures?.() ?? 0 };
                  });
                  return request;
                });
                await sendAndWait(network, requests);
              },
            });
          } catch (err) {
            if ((err as PacsError).kind === 'aborted' || opts.signal?.aborted) throw new PacsError('The retrieve was cancelled.', 'aborted');
            error = err instanceof PacsError ? err : new PacsError(String(err), 'association');
            if (error.kind === 'unreachable' || error.kind === 'refused') down = error;
          }
        }
        batch.forEach((job, i) => {
          const final = finals[i];
          for (const ref of job.refs) {
            if (received.has(ref.sopInstanceUid) || failed.has(ref.sopInstanceUid)) continue;
            let reason: string;
            if (error) reason = `Not retrieved: ${error.message}`;
            else if (!final) reason = 'Not retrieved: the PACS ended the C-MOVE without a final status.';
            else if (final.status === 0xa801) reason = `Not retrieved: the PACS does not know our C-MOVE destination ${dest.aet} (add it, with host and port ${dest.port}, to the PACS's modalities).`;
            else reason = `Not retrieved: the PACS did not send this instance (C-MOVE status 0x${final.status.toString(16).padStart(4, '0')}, ${final.failed} failed sub-operation(s)).`;
            failures.push({ ref, reason });
          }
        });
      },
      opts.signal,
    );
    return failures;
  } catch (err) {
    if ((err as PacsError).kind === 'aborted' || opts.signal?.aborted) throw new PacsError('The retrieve was cancelled.', 'aborted');
    const done = new Set([...received, ...failed]);
    return [...failures, ...refs.filter((r) => !done.has(r.sopInstanceUid)).map((ref) => ({ ref, reason: `Not retrieved: ${(err as Error).message}` }))];
  } finally {
    await scp.close();
  }
}
