import type { BackendInfo } from '../../shared/ipc/system';
import type { Logger } from '../app/logger';

type Tf = typeof import('@tensorflow/tfjs');

export interface LoadedBackend {
  tf: Tf;
  info: BackendInfo;
}

/**
 * Picks the TensorFlow.js backend: native TensorFlow (`@tensorflow/tfjs-node`, an optional
 * dependency that installs on users' machines), then WebAssembly, then the pure-JS cpu
 * backend. The choice and the reasons are logged and shown in the app's status area.
 * `prefer` forces one (for benchmarks and tests).
 */
export async function loadBackend(logger: Logger, prefer?: 'tensorflow' | 'wasm' | 'cpu'): Promise<LoadedBackend> {
  const reasons: string[] = [];
  const order = prefer ? [prefer] : (['tensorflow', 'wasm', 'cpu'] as const);
  for (const name of order) {
    try {
      if (name === 'tensorflow') {
        // tfjs-node registers its backend on import and re-exports tfjs.
        const tfNode = (await import('@tensorflow/tfjs-node' as string)) as Tf;
        await tfNode.setBackend('tensorflow');
        await tfNode.ready();
        return done(tfNode, 'tensorflow', reasons, logger);
      }
      const tf = await import('@tensorflow/tfjs');
      if (name === 'wasm') {
        await import('@tensorflow/tfjs-backend-wasm');
        const ok = await tf.setBackend('wasm');
        if (!ok) throw new Error('the wasm backend did not initialise');
        await tf.ready();
        return done(tf, 'wasm', reasons, logger);
      }
      await tf.setBackend('cpu');
      await tf.ready();
      return done(tf, 'cpu', reasons, logger);
    } catch (err) {
      const why = (err as Error).message.split('\n')[0] ?? String(err);
      reasons.push(`${name}: ${why}`);
    }
  }
  throw new Error(`No TensorFlow.js backend could start (${reasons.join('; ')})`);
}

function done(tf: Tf, name: string, reasons: string[], logger: Logger): LoadedBackend {
  const detail = reasons.length ? `using ${name}; not available: ${reasons.join('; ')}` : `using ${name}`;
  logger.info(`TensorFlow.js backend: ${detail}`);
  return { tf, info: { name, detail } };
}
