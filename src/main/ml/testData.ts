/**
 * Test-only: puts real PNGs from ../shared/data into a test app as an import would (rows in
 * images, the file in the content store) and labels them from their folder, so ml tests run
 * independently of the imaging feature's importer. Never used by the app.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { App } from '../app/createApp';
import { SHARED_DATA } from '../app/testing';
import { storePath } from '../imaging/store';

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
  db.prepare('INSERT INTO label_sets (id, name, description, created_at, created_by) VALUES (?, ?, ?, ?, ?)').run(setId, name, '', now, 'test');
  classes.forEach((c, i) => db.prepare('INSERT INTO label_classes (label_set_id, idx, name) VALUES (?, ?, ?)').run(setId, i, c));
  const patients: string[] = [];
  for (let p = 0; p < (options.patients ?? 0); p++) {
    const id = `pat-${p}`;
    db.prepare("INSERT INTO patients (id, mrn, name, name_search, birth_date, sex, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)").run(
      id,
      `MRN${p}`,
      `Patient ${p}`,
      `patient ${p}`,
      p % 3 === 0 ? '1950-05-01' : '1990-05-01',
      p % 2 === 0 ? 'F' : 'M',
      now,
      now,
    );
    patients.push(id);
  }
  const taken = new Map<string, number>();
  const out: SeededImage[] = [];
  const insImage = db.prepare(
    `INSERT INTO images (id, patient_id, sha256, format, original_path, size_bytes, rows, columns, frames, samples_per_pixel, modality, predefined_split, import_id, created_at)
     VALUES (?, ?, ?, 'png', ?, ?, 28, 28, 1, 1, 'CR', ?, ?, ?)`,
  );
  const insLabel = db.prepare("INSERT INTO labels (image_id, label_set_id, class_name, source, author, created_at) VALUES (?, ?, ?, 'imported', 'test', ?)");
  for (const line of lines) {
    const [file, split, , className] = line.split(',') as [string, string, string, string];
    const key = `${split}/${className}`;
    if ((taken.get(key) ?? 0) >= options.perClassPerSplit) continue;
    taken.set(key, (taken.get(key) ?? 0) + 1);
    const bytes = fs.readFileSync(path.join(root, file));
    const sha = createHash('sha256').update(bytes).digest('hex');
    const dest = storePath(app.core.paths.store, sha);
    fs.mkdirSync(path.dirname(dest), { recursive: true });
    if (!fs.existsSync(dest)) fs.writeFileSync(dest, bytes);
    const id = `img-${set}-${out.length}`;
    const patientId = patients.length ? patients[out.length % patients.length]! : null;
    insImage.run(id, patientId, sha, path.join(root, file), bytes.length, split, `import-${set}`, now);
    insLabel.run(id, setId, className, now);
    out.push({ id, className, split, patientId });
  }
  return out;
}
