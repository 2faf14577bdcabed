import type { Worker } from 'node:worker_threads';
import type { BackendInfo } from '../../shared/ipc/system';
import type { TrainingProgress } from '../../shared/domain/ml';
import type { BackendPreference, CallName, FromWorker, ToWorker, WorkerCalls } from './protocol';

/** The worker ended (it exited or was terminated) while a call was waiting for its answer. */
export class WorkerStoppedError extends Error {}

export interface MlWorkerClientOptions {
  /** Told which tfjs backend the worker chose. */
  onBackend?: (info: BackendInfo) => void;
  /** Force a backend (tests, benchmarks). */
  prefer?: BackendPreference;
  /** What waiting calls fail with when the worker stops under them. */
  stoppedMessage: string;
  /** Told when the worker has failed or stopped: it answers no more calls. */
  onStopped?: () => void;
}

interface Pending {
  resolve: (output: never) => void;
  reject: (err: Error) => void;
  onProgress: ((p: TrainingProgress) => void) | undefined;
}

/**
 * The main thread's side of protocol.ts: each call gets an id, its progress and its one
 * answer are routed back by that id, and every waiting call fails when the worker dies.
 */
export class MlWorkerClient {
  private nextReq = 1;
  private readonly pending = new Map<number, Pending>();

  constructor(
    private readonly worker: Worker,
    private readonly options: MlWorkerClientOptions,
  ) {
    worker.on('message', (m: FromWorker) => this.receive(m));
    worker.on('error', (err) => this.stopped(err));
    worker.on('exit', () => this.stopped(new WorkerStoppedError(options.stoppedMessage)));
  }

  /** Asks the worker to run one job; resolves with its answer, streaming its progress meanwhile. */
  call<K extends CallName>(type: K, input: WorkerCalls[K]['input'], onProgress?: (p: TrainingProgress) => void): Promise<WorkerCalls[K]['output']> {
    const reqId = this.nextReq++;
    return new Promise<WorkerCalls[K]['output']>((resolve, reject) => {
      this.pending.set(reqId, { resolve, reject, onProgress });
      this.worker.postMessage({ type, reqId, input, ...(this.options.prefer ? { prefer: this.options.prefer } : {}) } as ToWorker);
    });
  }

  /** Asks a running training to stop at its next batch; its call then answers `cancelled`. */
  cancel(): void {
    this.worker.postMessage({ type: 'cancel' } satisfies ToWorker);
  }

  /** Ends the worker at once; waiting calls fail with a WorkerStoppedError. */
  async terminate(): Promise<void> {
    await this.worker.terminate();
  }

  private receive(m: FromWorker): void {
    if (m.type === 'backend') {
      this.options.onBackend?.(m.info);
    } else if (m.type === 'progress') {
      this.pending.get(m.reqId)?.onProgress?.(m.progress);
    } else if (m.type === 'result') {
      this.pending.get(m.reqId)?.resolve(m.output as never);
      this.pending.delete(m.reqId);
    } else if (m.reqId !== undefined) {
      this.pending.get(m.reqId)?.reject(new Error(m.message));
      this.pending.delete(m.reqId);
    } else {
      // Not tied to one call: the worker itself failed, so nothing it was doing can be trusted.
      this.rejectAll(new Error(m.message));
    }
  }

  private stopped(err: Error): void {
    this.rejectAll(err);
    this.options.onStopped?.();
  }

  private rejectAll(err: Error): void {
    const waiting = [...this.pending.values()];
    this.pending.clear();
    for (const p of waiting) p.reject(err);
  }
}
