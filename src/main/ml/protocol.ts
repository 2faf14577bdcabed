/** Messages between the ml service (main thread) and the ml worker thread. */
import type { BackendInfo } from '../../shared/ipc/system';
import type { TrainingProgress } from '../../shared/domain/ml';
import type { Heatmap, TrainResult, TrainSpec } from './trainer';

export interface PredictRequest {
  modelDir: string;
  inputSize: number;
  channels: number;
  /** Image files to read (the content store), or raw file bytes for a file outside it. */
  files: string[];
  heatmap: boolean;
}

export type ToWorker =
  | { type: 'train'; spec: TrainSpec; prefer?: 'tensorflow' | 'wasm' | 'cpu' }
  | { type: 'cancel' }
  | { type: 'predict'; reqId: number; request: PredictRequest; prefer?: 'tensorflow' | 'wasm' | 'cpu' };

export type FromWorker =
  | { type: 'backend'; info: BackendInfo }
  | { type: 'progress'; progress: TrainingProgress }
  | { type: 'trained'; result: TrainResult }
  | { type: 'predicted'; reqId: number; results: { logits: number[]; heatmap: Heatmap | null }[] }
  | { type: 'error'; reqId?: number; message: string };
