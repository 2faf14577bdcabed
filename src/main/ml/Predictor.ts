import type { BackendInfo } from '../../shared/ipc/system';
import { AppError } from '../../shared/ipc/envelope';
import type { ModelVersion } from '../../shared/domain/ml';
import { resizeModeOf } from '../../shared/domain/mlInput';
import { softmax } from '../../shared/probabilities';
import { MlWorkerClient } from './MlWorkerClient';
import type { BackendPreference, RawPrediction } from './protocol';
import { startMlWorker } from './startMlWorker';

/** A version's calibrated answer for one image. */
export interface Calibrated {
  /** softmax(logits / T) in the version's class order. */
  probabilities: number[];
  predictedClass: string;
  confidence: number;
}

/** Calibrated probabilities (the version's temperature) and the top class with its confidence. */
export function calibrate(v: ModelVersion, logits: number[]): Calibrated {
  const probabilities = softmax(logits, v.metrics.temperature);
  const best = probabilities.indexOf(Math.max(...probabilities));
  return { probabilities, predictedClass: v.classes[best]!, confidence: probabilities[best]! };
}

/**
 * Runs saved models in a long-lived prediction worker (started on first use, restarted
 * after it dies), so diagnosis never loads tfjs on the main thread and a model stays loaded.
 */
export class Predictor {
  private client: MlWorkerClient | null = null;

  constructor(
    private readonly modelDir: (v: ModelVersion) => string,
    private readonly options: { onBackend?: (info: BackendInfo) => void; prefer?: BackendPreference } = {},
  ) {}

  /** Raw logits (and Grad-CAM maps when asked) of a version on each file, in order. */
  async predict(v: ModelVersion, files: string[], heatmap: boolean, storeKey: string | null = null): Promise<RawPrediction[]> {
    if (files.length === 0) return [];
    // Preprocess exactly as the version was trained (its recorded resize mode; stretch before it was recorded).
    const request = { modelDir: this.modelDir(v), inputSize: v.hyperParameters.inputSize, channels: v.hyperParameters.channels, files, heatmap, storeKey, resize: resizeModeOf(v.hyperParameters) };
    try {
      return await this.worker().call('predict', request);
    } catch (err) {
      throw new AppError('INTERNAL', `The model could not run: ${(err as Error).message}`, { key: 'errors.ml.modelCouldNotRun', params: { message: (err as Error).message } });
    }
  }

  /** Ends the worker (a later prediction starts a new one). */
  async dispose(): Promise<void> {
    const client = this.client;
    this.client = null;
    await client?.terminate();
  }

  private worker(): MlWorkerClient {
    if (this.client) return this.client;
    const client: MlWorkerClient = new MlWorkerClient(startMlWorker(), {
      ...this.options,
      stoppedMessage: 'the prediction worker stopped',
      // Only forget this worker: a replacement may already be running.
      onStopped: () => {
        if (this.client === client) this.client = null;
      },
    });
    this.client = client;
    return client;
  }
}
