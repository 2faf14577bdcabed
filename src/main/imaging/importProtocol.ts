import type { BatchContext } from './BatchWriter';
import type { DecodedImage } from './pixels';

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
  | { type: 'cancel' }
  /** Decode one frame of a stored file for the viewer (the decode worker). */
  | { type: 'decode'; requestId: number; file: string; frame: number; previewSize?: number }
  /** Load the wasm codecs now, so the first image opened does not wait for them. */
  | { type: 'warm' };

/** Imaging worker -> main thread. */
export type WorkerOut =
  | { type: 'found'; count: number; walkDone?: boolean }
  /** The worker committed a batch. */
  | { type: 'written'; files: number }
  | { type: 'done'; cancelled: boolean }
  | { type: 'error'; message: string }
  | { type: 'decoded'; requestId: number; image: DecodedImage | null; error: string | null };
