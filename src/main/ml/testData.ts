/**
 * Test-only: puts real PNGs from ../shared/data into a test app as an import would (the file
 * in the content store, an image row through the imaging port) and labels them from their
 * folder through the labels port, so ml tests run independently of the imaging feature's
 * importer. Patients are registered through the patients service. Never used by the app.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { App } from '../app/createApp';
import { SHARED_DATA } from '../app/testing';
import { storePath } from '../imaging/store';
import { storeKeysOf } from '../imaging/storeKeys';
import { writeEncryptedSync } from '../core/encryptedWrite';
import { insertImage } from '../imaging/ports';
import { appendLabel, ensureLabelClass, ensureLabelSet } from '../labels/ports';

export interface SeededImage {
  id: string;
  className: string;
  split: string;
  patientId: string | null;
}

/**
 * Adds `perClassPerSplit` images of each class and split of a MedMNIST set, with a label set
 * named after the set. `patients` > 0 assigns images round-robin to that many patients
 * (with sexes and birth dates), so patient splits and subgroups can be tested.
 */
export function seedMedMnist(app: App, options: { set?: 'pneumoniamnist' | 'breastmnist'; perClassPerSplit: number; patients?: number; labelSetName?: string }): SeededImage[] {
  const set = options.set ?? 'pneumoniamnist';
  const root = path.join(SHARED_DATA, 'images', set);
  const lines = fs.readFileSync(path.join(root, 'labels.csv'), 'utf8').trim().split(/\r?\n/).slice(1);
  const db = app.core.db;
  const now = '2026-01-01T00:00:00.000Z';
  const setId = `set-${set}`;
  const name = options.labelSetName ?? set;
  const classes = [...new Set(lines.map((l) => l.split(',')[3]!))].sort();
  ensureLabelSet(db, { id: setId, name, description: '', createdAt: now, createdBy: 'test' });
  classes.forEach((c, i) => ensureLabelClass(db, setId, c, i));
  const patients: string[] = [];
  for (let p = 0; p < (options.patients ?? 0); p++) {
    patients.push(app.features.patients.service.create({ mrn: `MRN${p}`, name: `Patient ${p}`, birthDate: p % 3 === 0 ? '1950-05-01' : '1990-05-01', sex: p % 2 === 0 ? 'F' : 'M' }).id);
  }
  const taken = new Map<string, number>();
  const out: SeededImage[] = [];
  for (const line of lines) {
    const [file, split, , className] = line.split(',') as [string, string, string, string];
    const key = `${split}/${className}`;
    if ((taken.get(key) ?? 0) >= options.perClassPerSplit) continue;
    taken.set(key, (taken.get(key) ?? 0) + 1);
    const bytes = fs.readFileSync(path.join(root, file));
    const sha = createHash('sha256').update(bytes).digest('hex');
    const keys = storeKeysOf(db);
    const dest = storePath(app.core.paths.store, sha, keys);
    fs.mkdirSync(path.dirname(dest), { recursive: true });
    if (!fs.existsSync(dest)) {
      if (keys) writeEncryptedSync(keys, dest, bytes);
      else fs.writeFileSync(dest, bytes);
    }
    const id = `img-${set}-${out.length}`;
    const patientId = patients.length ? patients[out.length % patients.length]! : null;
    insertImage(db, {
      id,
      patientId,
      seriesId: null,
      sha256: sha,
      format: 'png',
      originalPath: path.join(root, file),
      sizeBytes: bytes.length,
      rows: 28,
      columns: 28,
      frames: 1,
      samplesPerPixel: 1,
      modality: 'CR',
      predefinedSplit: split as 'train' | 'val' | 'test',
      importId: `import-${set}`,
      createdAt: now,
    });
    appendLabel(db, { imageId: id, labelSetId: setId, className, source: 'imported', author: 'test', createdAt: now });
    out.push({ id, className, split, patientId });
  }
  return out;
}
