import type { FileResult } from './importFiles';

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
    }
  | { type: 'cancel' };

/** Imaging worker -> main thread. */
export type WorkerOut =
  | { type: 'found'; count: number; walkDone?: boolean }
  | { type: 'batch'; results: FileResult[] }
  | { type: 'done'; cancelled: boolean }
  | { type: 'error'; message: string };
