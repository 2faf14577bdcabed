/**
 * The ml worker thread's entry (built to out/main/mlWorker.js). Training and prediction run
 * here, never on the main thread. See app/workers.ts for how it is started and protocol.ts
 * for the messages.
 */
import { parentPort } from 'node:worker_threads';
import type * as TfNs from '@tensorflow/tfjs';
import { loadBackend, wantedWasmThreads, type LoadedBackend } from './backend';
import { installWasmTrainingKernels } from './wasmKernels';
import { foldForInference } from './models';
import { loadModel, loadPixels, predictPixels, train } from './trainer';
import type { FromWorker, ToWorker } from './protocol';

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

  const tfReady = (prefer?: 'tensorflow' | 'wasm' | 'cpu') => {
    backend ??= loadBackend(logger, prefer, { wasmThreads: wantedWasmThreads() }).then((b) => {
      if (b.info.name === 'wasm') installWasmTrainingKernels(b.tf);
      post({ type: 'backend', info: b.info });
      return b;
    });
    return backend;
  };

  port.on('message', (message: ToWorker) => {
    if (message.type === 'cancel') {
      cancelled = true;
      return;
    }
    if (message.type === 'train') {
      cancelled = false;
      void (async () => {
        try {
          const { tf } = await tfReady(message.prefer);
          const result = await train(tf, message.spec, (progress) => post({ type: 'progress', progress }), () => cancelled);
          post({ type: 'trained', result });
        } catch (err) {
          post({ type: 'error', message: (err as Error).message });
        }
      })();
      return;
    }
    if (message.type === 'predict') {
      void (async () => {
        try {
          const { tf } = await tfReady(message.prefer);
          const r = message.request;
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
          const pixels = await loadPixels(r.files, r.inputSize, r.channels);
          post({ type: 'predicted', reqId: message.reqId, results: predictPixels(tf, m, pixels, r.files.length, r.inputSize, r.channels, r.heatmap) });
        } catch (err) {
          post({ type: 'error', reqId: message.reqId, message: (err as Error).message });
        }
      })();
    }
  });
}
