/**
 * The ml worker thread's entry (built to out/main/mlWorker.js). Training and prediction run
 * here, never on the main thread. See core/workers.ts for how it is started and protocol.ts
 * for the messages.
 */
import { parentPort } from 'node:worker_threads';
import type * as TfNs from '@tensorflow/tfjs';
import { loadBackend, wantedWasmThreads, type LoadedBackend } from './backend';
import { installWasmTrainingKernels } from './wasmKernels';
import { foldForInference } from './models';
import { loadModel, train } from './trainer';
import { predictFiles } from './inference';
import { loadOodStats } from './oodFeatures';
import type { BackendPreference, FromWorker, PredictRequest, ToWorker, WorkerCalls } from './protocol';

const port = parentPort;
if (port) {
  const post = (m: FromWorker) => port.postMessage(m);
  const logger = {
    info: () => {},
    warn: () => {},
    error: (m: string) => post({ type: 'error', message: m }),
  };
  let backend: Promise<LoadedBackend> | null = null;
  let cancelled = false;
  const models = new Map<string, Promise<TfNs.LayersModel>>();
  // A saved model's folder never changes: its OOD statistics are read once.
  const oodStats = new Map<string, ReturnType<typeof loadOodStats>>();

  const tfReady = (prefer?: BackendPreference) => {
    backend ??= loadBackend(logger, prefer, { wasmThreads: wantedWasmThreads() }).then((b) => {
      if (b.info.name === 'wasm') installWasmTrainingKernels(b.tf);
      post({ type: 'backend', info: b.info });
      return b;
    });
    return backend;
  };

  /** Runs one call and answers it under its id, with its result or its error. */
  const answer = <K extends keyof WorkerCalls>(call: K, reqId: number, job: () => Promise<WorkerCalls[K]['output']>) => {
    void job().then(
      (output) => post({ type: 'result', call, reqId, output } as FromWorker),
      (err: Error) => post({ type: 'error', reqId, message: err.message }),
    );
  };

  const predict = async (r: PredictRequest, prefer?: BackendPreference) => {
    const { tf } = await tfReady(prefer);
    let model = models.get(r.modelDir);
    if (!model) {
      // Batch norm folded into the convolutions: the same logits for less work.
      model = loadModel(tf, r.modelDir).then(async (m) => {
        const folded = await foldForInference(tf, m);
        if (folded !== m) m.dispose();
        return folded;
      });
      models.set(r.modelDir, model);
    }
    const m = await model;
    if (!oodStats.has(r.modelDir)) oodStats.set(r.modelDir, loadOodStats(r.modelDir));
    return predictFiles(tf, m, oodStats.get(r.modelDir)!, r.files, r.inputSize, r.channels, r.heatmap, r.storeKey ?? null, r.resize ?? 'stretch');
  };

  port.on('message', (message: ToWorker) => {
    if (message.type === 'cancel') {
      cancelled = true;
      return;
    }
    if (message.type === 'train') {
      cancelled = false;
      answer('train', message.reqId, async () => {
        const { tf } = await tfReady(message.prefer);
        return train(tf, message.input, (progress) => post({ type: 'progress', reqId: message.reqId, progress }), () => cancelled);
      });
      return;
    }
    answer('predict', message.reqId, () => predict(message.input, message.prefer));
  });
}
