/**
 * Test helper run as a child process (storeMigration.test.ts): opens the data folder given as
 * argv[2] with CARELENS_KEY and runs the store migration, printing "checked converted" after
 * every file, so the parent can SIGKILL it part-way.
 */
import { createApp } from '../../app/createApp';
import { silentLogger } from '../../core/logger';

async function main(): Promise<void> {
  const app = createApp({ dataDir: process.argv[2]!, runtime: 'cli', logger: silentLogger, encryptStoreInBackground: false });
  await app.features.trust.storeMigration.run((p) => process.stdout.write(`${p.checked} ${p.converted}\n`), { everyFile: true });
  await app.close();
}

void main();
