import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../cli/testing';
import { createTestApp, tempDir } from '../app/testing';
import { insertSharedImages } from './testImages';

const run = (dataDir: string, ...args: string[]) => runCli([...args, '--data-dir', dataDir]);

describe('carelens labels', () => {
  it('creates a set, labels, edits classes, shows history, agreement and exports CSV', async () => {
    const dataDir = tempDir();
    const seed = createTestApp({ dataDir, onDisk: true });
    const images = insertSharedImages(seed.core.db, { count: 3 });
    await seed.close();
    const ids = images.map((i) => i.id);

    const created = await run(dataDir, 'labels', 'create', 'CXR', '--classes', 'normal,pneumonia', '--json');
    expect(created.code).toBe(0);
    expect(JSON.parse(created.out)).toMatchObject({ name: 'CXR', images: 3, createdBy: 'system' });

    expect((await run(dataDir, 'labels', 'set', 'CXR', ids[0]!, 'pneumonia')).code).toBe(0);
    const bad = await run(dataDir, 'labels', 'set', 'CXR', ids[0]!, 'cat', '--json');
    expect(bad.code).toBe(1);
    expect(JSON.parse(bad.err)).toMatchObject({ error: { code: 'VALIDATION' } });
    expect((await run(dataDir, 'labels', 'set', 'CXR')).code).toBe(2);

    const refused = await run(dataDir, 'labels', 'classes', 'CXR', '--remove', 'pneumonia', '--add', 'opacity');
    expect(refused.code).toBe(1);
    expect(refused.err).toContain('"pneumonia" (1 image)');
    const moved = await run(dataDir, 'labels', 'classes', 'CXR', '--remove', 'pneumonia=opacity', '--add', 'opacity', '--json');
    expect(moved.code).toBe(0);
    expect(JSON.parse(moved.out).classes).toEqual([
      { idx: 0, name: 'normal', count: 0 },
      { idx: 1, name: 'opacity', count: 1 },
    ]);

    const hist = await run(dataDir, 'labels', 'history', 'CXR', ids[0]!);
    expect(hist.out).toContain('Label: opacity (hand, by system');
    expect(hist.out).toMatch(/pneumonia\s+hand\s+system/);

    const q = await run(dataDir, 'labels', 'queue', 'CXR', '--filter', 'unlabeled', '--json');
    expect(JSON.parse(q.out)).toMatchObject({ total: 2, ordering: 'import' });

    const agreement = await run(dataDir, 'labels', 'agreement', 'CXR');
    expect(agreement.out).toContain('0 reviewed');

    const file = path.join(dataDir, 'labels.csv');
    expect((await run(dataDir, 'labels', 'export', 'CXR', '--out', file)).code).toBe(0);
    const csv = fs.readFileSync(file, 'utf8').trim().split('\n');
    expect(csv).toHaveLength(2);
    expect(csv[1]).toContain(`${ids[0]},${images[0]!.file}`);
    expect(csv[1]).toContain(',opacity,hand,system,');

    const list = await run(dataDir, 'labels', 'sets');
    expect(list.out).toMatch(/CXR\s+1\/3\s+labelled/);
  });
});
