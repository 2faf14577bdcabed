/**
 * Messages between the ml service (main thread) and the ml worker thread. Every job is a
 * call: a request with an id, answered once by a result or an error with the same id;
 * training also streams progress under its id. MlWorkerClient is the main thread's side.
 */
import type { BackendInfo } from '../../shared/ipc/system';
import type { TrainingProgress } from '../../shared/domain/ml';
import type { Heatmap, TrainResult, TrainSpec } from './trainer';
import type { ImageTraits } from './imageTraits';
import type { ResizeMode } from '../../shared/domain/mlInput';

export interface PredictRequest {
  modelDir: string;
  inputSize: number;
  channels: number;
  /** Image files to read (the content store), or raw file bytes for a file outside it. */
  files: string[];
  heatmap: boolean;
  /** The store key (hex) when `files` are the content store's (they are encrypted); absent for a file outside it. */
  storeKey?: string | null;
  /** How the version resized its training images (absent: 'stretch', versions saved before letterboxing). */
  resize?: ResizeMode;
}

/** A saved model's raw output on one file: logits, and the Grad-CAM map when asked for. */
export interface RawPrediction {
  logits: number[];
  heatmap: Heatmap | null;
  /** What kind of image the file is (compared with the version's intended use). */
  traits: ImageTraits;
  /** Out-of-distribution score (ood.ts); null when the model was saved before OOD scoring. */
  oodScore: number | null;
}

/** The calls the worker answers: what each takes and what it gives back. */
export interface WorkerCalls {
  train: { input: TrainSpec; output: TrainResult };
  predict: { input: PredictRequest; output: RawPrediction[] };
}

export type CallName = keyof WorkerCalls;

/** A tfjs backend to force (tests, benchmarks); the worker's loader picks one otherwise. */
export type BackendPreference = 'tensorflow' | 'wasm' | 'cpu';

export type ToWorker =
  | { [K in CallName]: { type: K; reqId: number; input: WorkerCalls[K]['input']; prefer?: BackendPreference } }[CallName]
  /** Stops a running training between batches; its call then answers with `cancelled`. */
  | { type: 'cancel' };

export type FromWorker =
  | { type: 'backend'; info: BackendInfo }
  | { type: 'progress'; reqId: number; progress: TrainingProgress }
  | { [K in CallName]: { type: 'result'; call: K; reqId: number; output: WorkerCalls[K]['output'] } }[CallName]
  /** Without a reqId: the worker itself failed, not one call. */
  | { type: 'error'; reqId?: number; message: string };
