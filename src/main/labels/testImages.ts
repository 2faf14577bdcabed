import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Db } from '../db/types';
import { insertImage } from '../imaging/ports';

/** ../shared/data (as SHARED_DATA in app/testing.ts, without importing the whole app). */
const SHARED_DATA = path.resolve(__dirname, '../../../../shared/data');

/**
 * Test-only: registers real PNGs from ../shared/data as image rows through imaging's port (as
 * an import would, without running one), so label tests need no import. Never used by the app.
 */
export function insertSharedImages(db: Db, options: { set?: 'pneumoniamnist' | 'breastmnist'; count: number; importId?: string; offset?: number }): { id: string; file: string; className: string; split: string }[] {
  const set = options.set ?? 'pneumoniamnist';
  const root = path.join(SHARED_DATA, 'images', set);
  const lines = fs.readFileSync(path.join(root, 'labels.csv'), 'utf8').trim().split(/\r?\n/).slice(1);
  // Take images from both ends of the file so both classes appear.
  const picked: string[] = [];
  const start = options.offset ?? 0;
  for (let i = 0; picked.length < options.count; i++) {
    const line = i % 2 === 0 ? lines[start + i / 2] : lines[lines.length - 1 - start - (i - 1) / 2];
    if (!line) break;
    picked.push(line);
  }
  // Some data sets hold byte-identical PNGs; like an import, keep the first copy only.
  const out: { id: string; file: string; className: string; split: string }[] = [];
  picked.forEach((line, i) => {
    const [file, split, , className] = line.split(',') as [string, string, string, string];
    const full = path.join(root, file);
    const bytes = fs.readFileSync(full);
    const sha = createHash('sha256').update(bytes).digest('hex');
    const id = `img-${set}-${start + i}`;
    const added = insertImage(
      db,
      {
        id,
        patientId: null,
        seriesId: null,
        sha256: sha,
        format: 'png',
        originalPath: full,
        sizeBytes: bytes.length,
        rows: 28,
        columns: 28,
        frames: 1,
        samplesPerPixel: 1,
        modality: '',
        predefinedSplit: split as 'train' | 'val' | 'test',
        importId: options.importId ?? `import-${set}`,
        createdAt: new Date(Date.UTC(2026, 0, 1) + (start + i) * 1000).toISOString(),
      },
      { ignoreDuplicate: true },
    );
    if (added) out.push({ id, file: full, className, split });
  });
  return out;
}
