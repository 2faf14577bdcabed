import type { BatchContext } from './BatchWriter';
import type { FileResult } from './importFiles';
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
      /** sha256 of every stored file, so known files are counted as duplicates without decoding. */
      knownSha: string[];
      /**
       * On-disk databases: the worker writes the batches itself on its own connection (the
       * main thread then only reports progress). Absent for in-memory databases.
       */
      database?: { file: string; key: { hex: string; where: string } | null; context: BatchContext };
    }
  | { type: 'cancel' }
  /** Decode one frame of a stored file for the viewer (the decode worker). */
  | { type: 'decode'; requestId: number; file: string; frame: number; previewSize?: number }
  /** Load the wasm codecs now, so the first image opened does not wait for them. */
  | { type: 'warm' };

/** Imaging worker -> main thread. */
export type WorkerOut =
  | { type: 'found'; count: number; walkDone?: boolean }
  | { type: 'batch'; results: FileResult[] }
  /** The worker committed a batch itself. */
  | { type: 'written'; files: number }
  | { type: 'done'; cancelled: boolean }
  | { type: 'error'; message: string }
  | { type: 'decoded'; requestId: number; image: DecodedImage | null; error: string | null };
