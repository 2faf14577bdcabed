/**
 * What CareLens does with each instance a PACS stores to it during a retrieve, for C-GET (on the
 * retrieve's own association) and C-MOVE (on our storage SCP) alike: keep only what was asked
 * for, once; frame the raw data set as Part-10, check it is whole, hand it on; a failure is a
 * line of the report and the PACS is told the sub-operation failed.
 */
import { STATUS_SUCCESS } from './dimseFind';
import type { RawDataset } from './dimseNet';
import { buildMetaHeader, checkPart10 } from './part10';
import type { FetchFailure, InstanceRef, OnInstance } from './types';

/** The received / failed bookkeeping of one retrieve, which its callers also read. */
export interface ReceiveState {
  wanted: Map<string, InstanceRef>;
  received: Set<string>;
  failed: Set<string>;
  failures: FetchFailure[];
}

/** Handles one C-STORE sub-operation; answers the DIMSE status to send back. */
export async function receiveInstance(state: ReceiveState, onInstance: OnInstance, sopClassUid: string, uid: string, dataset: RawDataset): Promise<number> {
  const ref = state.wanted.get(uid);
  if (!ref || state.received.has(uid)) return STATUS_SUCCESS; // more than asked for: not kept
  state.received.add(uid);
  try {
    const part10 = Buffer.concat([buildMetaHeader(sopClassUid, uid, dataset.getTransferSyntaxUid()), dataset.bytes]);
    checkPart10(part10);
    await onInstance(ref, part10);
    return STATUS_SUCCESS;
  } catch (err) {
    state.failed.add(uid);
    state.failures.push({ ref, reason: `Instance ${uid}: ${(err as Error).message}` });
    return 0xc000;
  }
}
