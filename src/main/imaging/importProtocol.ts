import type { BatchContext } from './BatchWriter';
import type { ViewerFrame } from './viewerFrame';

/** Main thread -> imaging worker. */
export type WorkerIn =
  | {
      type: 'start';
      paths: string[];
      storeRoot: string;
      thumbRoot: string;
      labelsFromFolders: boolean;
      patientFromFolders: boolean;
      /**
       * The database file the worker writes each batch to, on its own connection (the main
       * thread only reports progress), and whom the rows belong to. The only write path.
       */
      database: { file: string; key: { hex: string; where: string } | null; context: BatchContext };
    }
  /**
   * An import of instances held in memory (a PACS retrieve): the same per-file work and batch
   * writer as a folder import, fed by 'bytes' messages instead of a walk; 'end' finishes it.
   */
  | { type: 'startBytes'; storeRoot: string; thumbRoot: string; database: { file: string; key: { hex: string; where: string } | null; context: BatchContext } }
  /** One in-memory instance (its buffer transferred); answered by 'accepted' with the same seq once processed. */
  | { type: 'bytes'; seq: number; path: string; bytes: ArrayBuffer }
  /** A report line for an instance that never arrived (it goes into the next batch, like a walk failure). */
  | { type: 'failure'; path: string; reason: string }
  | { type: 'end' }
  | { type: 'cancel' }
  /** Decode one frame of a stored file for the viewer (the decode worker). */
  | { type: 'decode'; requestId: number; file: string; frame: number; previewSize?: number; /** The store key (hex) to decrypt it with; absent for a plain store. */ storeKey?: string }
  /** Load the wasm codecs now, so the first image opened does not wait for them. */
  | { type: 'warm' };

/** Imaging worker -> main thread. */
export type WorkerOut =
  | { type: 'found'; count: number; walkDone?: boolean }
  /** The worker committed a batch. */
  | { type: 'written'; files: number }
  | { type: 'done'; cancelled: boolean }
  /** A 'bytes' instance was processed (and is in the next batch): the sender may send more. */
  | { type: 'accepted'; seq: number }
  | { type: 'error'; message: string }
  | { type: 'decoded'; requestId: number; image: ViewerFrame | null; error: string | null };
