/**
 * A child process for the crash test: opens the app on a data folder (key from
 * CARELENS_KEY) and writes patients through the dispatch table (so audit rows too)
 * as fast as it can, printing each count, until it is killed.
 */
import { createApp } from '../../app/createApp';
import { silentLogger } from '../../core/logger';
import { SYSTEM_ACTOR } from '../../../shared/domain/actor';

async function run(): Promise<void> {
  const dataDir = process.argv[2]!;
  const app = createApp({ dataDir, runtime: 'test', logger: silentLogger });
  for (let i = 0; ; i++) {
    const r = await app.call('patients:create', { name: `Crash Test ${i}`, mrn: `CRASH-${i}`, notes: 'x'.repeat(2000) }, { transport: 'test', actor: SYSTEM_ACTOR });
    if (!r.ok) throw new Error(JSON.stringify(r.error));
    process.stdout.write(`${i + 1}\n`);
  }
}

void run();
