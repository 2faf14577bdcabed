/**
 * The DIMSE network level over dcmjs-dimse, without its dataset decoding on the paths that
 * move images: received C-STORE data sets stay raw bytes (no naturalize/denaturalize round
 * trip, no transcoding), and sent ones go out as the bytes they were. One association per
 * `runAssociation` call, settled on release, rejection, abort, network error or timeout.
 */
import net from 'node:net';
import type * as DimseTypes from 'dcmjs-dimse';
import { PacsError } from './types';

// dcmjs-dimse is CommonJS; load it lazily (no work at import time) and quiet its PDU logging.
let lib: typeof DimseTypes | undefined;
export function dimse(): typeof DimseTypes {
  if (!lib) {
    lib = require('dcmjs-dimse') as typeof DimseTypes;
    (lib.log as unknown as { setLevel(level: string): void }).setLevel('silent');
  }
  return lib;
}

export const TS = {
  implicitLE: '1.2.840.10008.1.2',
  explicitLE: '1.2.840.10008.1.2.1',
} as const;

/** Transfer syntaxes proposed beside the uncompressed ones, so a PACS sends what it stores unconverted. */
export const STORED_TRANSFER_SYNTAXES = [
  '1.2.840.10008.1.2.2', // explicit big endian
  '1.2.840.10008.1.2.1.99', // deflated
  '1.2.840.10008.1.2.4.50', // JPEG baseline
  '1.2.840.10008.1.2.4.51', // JPEG extended
  '1.2.840.10008.1.2.4.57', // JPEG lossless
  '1.2.840.10008.1.2.4.70', // JPEG lossless SV1
  '1.2.840.10008.1.2.4.80', // JPEG-LS lossless
  '1.2.840.10008.1.2.4.81', // JPEG-LS near-lossless
  '1.2.840.10008.1.2.4.90', // JPEG 2000 lossless
  '1.2.840.10008.1.2.4.91', // JPEG 2000
  '1.2.840.10008.1.2.5', // RLE
  '1.2.840.10008.1.2.4.53', // JPEG extended (retired processes 6 & 8)
  '1.2.840.10008.1.2.4.55', // JPEG (retired processes 10 & 12)
  '1.2.840.10008.1.2.4.201', // HTJ2K lossless
  '1.2.840.10008.1.2.4.203', // HTJ2K
  '1.2.840.10008.1.2.8.1', // deflated image frame compression
];

/** A data set kept as its encoded bytes; duck-types the parts of dcmjs-dimse's Dataset the network uses. */
export class RawDataset {
  constructor(
    readonly bytes: Buffer,
    private transferSyntaxUid: string,
  ) {}
  getTransferSyntaxUid(): string {
    return this.transferSyntaxUid;
  }
  setTransferSyntaxUid(ts: string): void {
    this.transferSyntaxUid = ts;
  }
  getDenaturalizedDataset(): Buffer {
    return this.bytes;
  }
  getElement(): undefined {
    return undefined;
  }
  getElements(): Record<string, unknown> {
    return {};
  }
  toString(): string {
    return `raw data set (${this.bytes.length} bytes, ${this.transferSyntaxUid})`;
  }
}

interface MemoryStream {
  toBuffer(): Buffer;
}
interface PresentationContextLike {
  getAcceptedTransferSyntaxUid(): string;
}
type NetworkCtor = new (socket: net.Socket, opts?: Record<string, unknown>) => NetworkLike;
export interface NetworkLike {
  on(event: string, listener: (...args: never[]) => void): void;
  sendAssociationRequest(a: DimseTypes.association.Association): void;
  sendAssociationReleaseRequest(): void;
  sendRequests(r: DimseTypes.requests.CEchoRequest[] | unknown[]): void;
  sendAbort(source?: number, reason?: number): void;
  association?: DimseTypes.association.Association;
}

let rawNetwork: NetworkCtor | undefined;
/** dcmjs-dimse's Network (the base of its Scp, not exported), with received C-STORE data sets kept raw. */
function rawNetworkClass(): NetworkCtor {
  if (!rawNetwork) {
    const Base = Object.getPrototypeOf(dimse().Scp) as new (...args: unknown[]) => object;
    class RawStoreNetwork extends Base {
      createDatasetFromStoreWritableStream(stream: MemoryStream, context: PresentationContextLike, callback: (d: RawDataset) => void): void {
        callback(new RawDataset(stream.toBuffer(), context.getAcceptedTransferSyntaxUid()));
      }
    }
    rawNetwork = RawStoreNetwork as unknown as NetworkCtor;
  }
  return rawNetwork;
}

export interface AssociationSpec {
  host: string;
  port: number;
  callingAet: string;
  calledAet: string;
  timeoutMs: number;
  /** Presentation contexts to propose: abstract syntax, transfer syntaxes, and whether we take the SCP role (C-GET storage). */
  contexts: { abstractSyntax: string; transferSyntaxes: string[]; scpRole?: boolean }[];
  signal?: AbortSignal;
  /** Runs once the association is accepted: send requests on the network; resolve when all are answered. */
  work(network: NetworkLike, association: DimseTypes.association.Association): Promise<void>;
  /** A C-STORE sub-operation (C-GET) arrived: answer with a DIMSE status (0 = success). */
  onStore?(request: DimseTypes.requests.CStoreRequest, dataset: RawDataset): Promise<number>;
}

/** Opens one association, runs `work`, releases it. Errors are PacsErrors. */
export function runAssociation(spec: AssociationSpec): Promise<void> {
  const d = dimse();
  const where = `${spec.calledAet}@${spec.host}:${spec.port}`;
  if (spec.signal?.aborted) return Promise.reject(new PacsError('Cancelled.', 'aborted'));
  return new Promise<void>((resolve, reject) => {
    const association = new d.association.Association(spec.callingAet, spec.calledAet);
    for (const c of spec.contexts) {
      const id = association.addPresentationContext(c.abstractSyntax);
      for (const ts of c.transferSyntaxes) association.addTransferSyntaxToPresentationContext(id, ts);
      if (c.scpRole) {
        const pc = association.getPresentationContext(id) as unknown as { setScpRole?(v: boolean): void; setProviderRole?(v: boolean): void };
        pc.setProviderRole?.(true);
      }
    }
    let settled = false;
    let accepted = false;
    let released = false;
    const socket = net.connect({ host: spec.host, port: spec.port, noDelay: true });
    const Network = rawNetworkClass();
    const network = new Network(socket, { connectTimeout: spec.timeoutMs, associationTimeout: spec.timeoutMs, pduTimeout: spec.timeoutMs });
    const finish = (err?: PacsError): void => {
      if (settled) return;
      settled = true;
      spec.signal?.removeEventListener('abort', onAbort);
      clearTimeout(connectTimer);
      if (err) {
        socket.destroy();
        reject(err);
      } else resolve();
    };
    const onAbort = (): void => {
      try {
        if (accepted) network.sendAbort();
      } catch {
        // the socket may be gone already
      }
      finish(new PacsError('Cancelled.', 'aborted'));
    };
    spec.signal?.addEventListener('abort', onAbort, { once: true });
    const connectTimer = setTimeout(() => finish(new PacsError(`${where} did not answer within ${spec.timeoutMs} ms.`, 'timeout')), spec.timeoutMs);
    socket.on('error', (err: NodeJS.ErrnoException) => {
      const kind = err.code === 'ECONNREFUSED' || err.code === 'EHOSTUNREACH' || err.code === 'ENOTFOUND' ? 'unreachable' : 'association';
      const text = kind === 'unreachable' ? `the PACS ${where} is unreachable (${err.code})` : `the association with ${where} failed: ${err.message}`;
      finish(new PacsError(`DIMSE: ${text}.`, kind));
    });
    network.on('associationAccepted', () => {
      accepted = true;
      clearTimeout(connectTimer);
      spec
        .work(network, association)
        .then(() => {
          if (settled) return;
          released = true;
          network.sendAssociationReleaseRequest();
          // Orthanc answers the release at once; do not wait for ever if it does not.
          setTimeout(() => finish(), Math.min(spec.timeoutMs, 5000)).unref();
        })
        .catch((err: unknown) => {
          try {
            network.sendAbort();
          } catch {
            // ignore
          }
          finish(err instanceof PacsError ? err : new PacsError(`DIMSE: ${(err as Error).message}`, 'association'));
        });
    });
    network.on('associationRejected', ((reject: { result?: number; reason?: number }) => {
      finish(new PacsError(`DIMSE: ${where} refused the association (result ${reject?.result ?? '?'}, reason ${reject?.reason ?? '?'}): check the AE titles and that the PACS knows ours.`, 'refused'));
    }) as never);
    network.on('associationReleaseResponse', () => {
      socket.end();
      finish();
    });
    network.on('networkError', ((err: Error) => {
      const message = String(err?.message ?? err).replace(/^[\s>-]+/, '').replace(/^Connection error:\s*/, '');
      const code = /\b(ECONNREFUSED|EHOSTUNREACH|ENOTFOUND|ENETUNREACH|ETIMEDOUT)\b/.exec(message)?.[1];
      if (!accepted && code) finish(new PacsError(`DIMSE: the PACS ${where} is unreachable (${code}).`, 'unreachable'));
      else finish(new PacsError(`DIMSE: the association with ${where} failed: ${message}`, accepted ? 'association' : 'unreachable'));
    }) as never);
    network.on('close', () => {
      if (released) finish();
      else finish(new PacsError(`DIMSE: ${where} dropped the association${accepted ? ' mid-transfer' : ''}.`, accepted ? 'association' : 'unreachable'));
    });
    network.on('cStoreRequest', ((request: DimseTypes.requests.CStoreRequest, callback: (r: DimseTypes.responses.CStoreResponse) => void) => {
      const response = d.responses.CStoreResponse.fromRequest(request);
      const dataset = request.getDataset() as unknown;
      if (!spec.onStore || !(dataset instanceof RawDataset)) {
        response.setStatus(0xa700 /* refused: out of resources */);
        callback(response);
        return;
      }
      spec
        .onStore(request, dataset)
        .then((status) => response.setStatus(status))
        .catch(() => response.setStatus(0xa700))
        .finally(() => callback(response));
    }) as never);
    network.on('connect', () => network.sendAssociationRequest(association));
  });
}

/** Sends requests on an accepted association and resolves when each has its final response. */
export function sendAndWait(network: NetworkLike, requests: DimseTypes.requests.CEchoRequest[] | { on(e: string, l: (...a: never[]) => void): void }[]): Promise<void> {
  return new Promise<void>((resolve) => {
    let left = requests.length;
    if (left === 0) return resolve();
    for (const r of requests) {
      (r as { on(e: string, l: () => void): void }).on('done', () => {
        if (--left === 0) resolve();
      });
    }
    network.sendRequests(requests as unknown[]);
  });
}
