/** Bounded parallelism over a list, stopping early on abort (the abort is rethrown). */
import { PacsError } from './types';

export async function runPool<T>(items: T[], concurrency: number, work: (item: T, index: number) => Promise<void>, signal?: AbortSignal): Promise<void> {
  let next = 0;
  const width = Math.max(1, Math.min(concurrency, items.length));
  const lane = async (): Promise<void> => {
    while (next < items.length) {
      if (signal?.aborted) throw new PacsError('The transfer was cancelled.', 'aborted');
      const i = next++;
      await work(items[i] as T, i);
    }
  };
  const results = await Promise.allSettled(Array.from({ length: width }, lane));
  if (signal?.aborted) throw new PacsError('The transfer was cancelled.', 'aborted');
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
}
