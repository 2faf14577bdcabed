import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createApp, type App } from '../app/createApp';
import { callAs, tempDir, value } from '../app/testing';
import { silentLogger } from '../core/logger';
import { fixedClock } from '../core/clock';
import { isEncryptedHeader } from '../core/fileCrypto';
import { readHead } from '../core/encryptedWrite';
import { storePath } from '../imaging/store';
import { storeKeysOf } from '../imaging/storeKeys';
import { seedMedMnist } from '../ml/testData';
import type { Diagnosis, ModelVersion, TrainingRun } from '../../shared/domain/ml';

let app: App | null = null;
afterEach(async () => {
  await app?.close();
  app = null;
});

describe('the ml worker reads the encrypted store', () => {
  it('trains on, diagnoses and ranks by uncertainty images whose stored files are encrypted; a tampered one is refused with a reason', async () => {
    app = createApp({ dataDir: tempDir(), runtime: 'test', logger: silentLogger, clock: fixedClock(), databaseKey: { hex: '5e'.repeat(32), source: 'env', where: 'test' } });
    const seeded = seedMedMnist(app, { perClassPerSplit: 10 });
    const keys = storeKeysOf(app.core.db)!;
    const shaOf = (id: string) => app!.core.db.prepare('SELECT sha256 FROM images WHERE id = ?').pluck().get(id) as string;
    for (const s of seeded) expect(isEncryptedHeader(readHead(storePath(app.core.paths.store, shaOf(s.id), keys))!)).toBe(true);

    const run = value<TrainingRun>(await callAs(app, 'ml:train', { labelSet: 'pneumoniamnist', epochs: 1, split: 'predefined', wait: true }));
    expect(run.state).toBe('done');
    const v = value<ModelVersion>(await callAs(app, 'ml:version', { id: run.modelVersionId }));
    expect(v.metrics.test.n).toBe(20);
    value(await callAs(app, 'ml:activate', { id: v.id, reason: 'test of the encrypted read path' }));
    const [d] = value<Diagnosis[]>(await callAs(app, 'ml:diagnose', { imageId: seeded[0]!.id }));
    expect(d!.probabilities.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
    const u = await app.features.ml.service.uncertainty('pneumoniamnist', seeded.slice(0, 4).map((s) => s.id));
    expect(u.size).toBe(4);

    // One flipped byte: the diagnosis of that image is refused with the reason, not a crash.
    const file = storePath(app.core.paths.store, shaOf(seeded[1]!.id), keys);
    const b = fs.readFileSync(file);
    b[b.length - 20]! ^= 1;
    fs.writeFileSync(file, b);
    const bad = await callAs(app, 'ml:diagnose', { imageId: seeded[1]!.id });
    expect(bad.ok).toBe(false);
    expect(!bad.ok && bad.error.message).toMatch(/failed its integrity check/);
    // The worker is still there for the next one.
    expect(value<Diagnosis[]>(await callAs(app, 'ml:diagnose', { imageId: seeded[2]!.id }))).toHaveLength(1);
    expect(path.basename(file)).not.toBe(shaOf(seeded[1]!.id));
  });
});
