/**
 * From a label set to a training data set: the labelled images (current label = the newest
 * labels row per image and set), their subgroup attributes, and the train / validation /
 * test split, by patient (no patient's images on two sides), stratified, seeded.
 */
import type { Db } from '../db/connection';
import { AppError } from '../../shared/ipc/envelope';
import { seededRandom } from '../../shared/random';
import type { SplitMode, SplitName, SplitSummary } from '../../shared/domain/ml';

export interface LabelledImage {
  imageId: string;
  sha256: string;
  className: string;
  /** The subject for splitting: the patient, or the image itself when it has none. */
  subject: string;
  predefinedSplit: SplitName | null;
  sex: string | null;
  ageBand: string | null;
  modality: string | null;
  manufacturer: string | null;
}

export interface LabelSetInfo {
  id: string;
  name: string;
  classes: string[];
}

export function findLabelSet(db: Db, idOrName: string): LabelSetInfo {
  const row = db.prepare('SELECT id, name FROM label_sets WHERE id = ? OR name = ?').get(idOrName, idOrName) as { id: string; name: string } | undefined;
  if (!row) throw new AppError('NOT_FOUND', `There is no label set called "${idOrName}".`);
  const classes = (db.prepare('SELECT name FROM label_classes WHERE label_set_id = ? ORDER BY idx').all(row.id) as { name: string }[]).map((r) => r.name);
  return { ...row, classes };
}

/** Age in whole years at a date (both ISO), or null. */
function ageAt(birth: string | null, at: string | null): number | null {
  if (!birth || !at) return null;
  const b = new Date(birth + (birth.length === 10 ? 'T00:00:00Z' : ''));
  const d = new Date(at.length === 8 ? `${at.slice(0, 4)}-${at.slice(4, 6)}-${at.slice(6, 8)}T00:00:00Z` : at);
  if (Number.isNaN(b.getTime()) || Number.isNaN(d.getTime())) return null;
  let age = d.getUTCFullYear() - b.getUTCFullYear();
  if (d.getUTCMonth() < b.getUTCMonth() || (d.getUTCMonth() === b.getUTCMonth() && d.getUTCDate() < b.getUTCDate())) age--;
  return age >= 0 ? age : null;
}

export function ageBand(age: number | null): string | null {
  if (age === null) return null;
  if (age < 18) return '0-17';
  if (age < 40) return '18-39';
  if (age < 65) return '40-64';
  return '65+';
}

/** The images of a label set whose current label is one of its classes. */
export function labelledImages(db: Db, labelSetId: string, now: Date): LabelledImage[] {
  const rows = db
    .prepare(
      `SELECT i.id AS imageId, i.sha256, l.class_name AS className, i.patient_id AS patientId,
              i.predefined_split AS predefinedSplit, p.sex, p.birth_date AS birthDate, st.study_date AS studyDate,
              COALESCE(NULLIF(i.modality, ''), NULLIF(se.modality, '')) AS modality, NULLIF(se.manufacturer, '') AS manufacturer
         FROM (SELECT image_id, MAX(id) AS id FROM labels WHERE label_set_id = ? GROUP BY image_id) cur
         JOIN labels l ON l.id = cur.id
         JOIN images i ON i.id = cur.image_id
         JOIN label_classes c ON c.label_set_id = l.label_set_id AND c.name = l.class_name
         LEFT JOIN patients p ON p.id = i.patient_id
         LEFT JOIN series se ON se.id = i.series_id
         LEFT JOIN studies st ON st.id = se.study_id
        WHERE l.class_name IS NOT NULL
        ORDER BY i.id`,
    )
    .all(labelSetId) as {
    imageId: string;
    sha256: string;
    className: string;
    patientId: string | null;
    predefinedSplit: SplitName | null;
    sex: string | null;
    birthDate: string | null;
    studyDate: string | null;
    modality: string | null;
    manufacturer: string | null;
  }[];
  return rows.map((r) => ({
    imageId: r.imageId,
    sha256: r.sha256,
    className: r.className,
    subject: r.patientId ? `patient:${r.patientId}` : `image:${r.imageId}`,
    predefinedSplit: r.predefinedSplit,
    sex: r.patientId && r.sex && r.sex !== 'U' ? r.sex : null,
    ageBand: ageBand(ageAt(r.birthDate, r.studyDate ?? now.toISOString())),
    modality: r.modality,
    manufacturer: r.manufacturer,
  }));
}

export function shuffle<T>(items: T[], random: () => number): T[] {
  const a = [...items];
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a;
}

export const SPLIT_FRACTIONS: Record<SplitName, number> = { train: 0.7, val: 0.15, test: 0.15 };

/**
 * Assigns every image a split. 'patient': subjects (patients; an image without a patient
 * is its own subject) are stratified by their majority class and shuffled with `seed`,
 * then dealt 70 / 15 / 15 per class, so one patient's images never sit on two sides.
 * 'predefined': the split recorded at import, which every image must have.
 */
export function assignSplits(images: LabelledImage[], mode: SplitMode, seed: number): Map<string, SplitName> {
  const out = new Map<string, SplitName>();
  if (mode === 'predefined') {
    const missing = images.filter((i) => !i.predefinedSplit);
    if (missing.length) {
      throw new AppError('VALIDATION', `${missing.length} of ${images.length} labelled images have no predefined split recorded at import; use the patient split instead.`);
    }
    for (const i of images) out.set(i.imageId, i.predefinedSplit!);
    return out;
  }
  const bySubject = new Map<string, LabelledImage[]>();
  for (const i of images) bySubject.set(i.subject, [...(bySubject.get(i.subject) ?? []), i]);
  const byClass = new Map<string, string[]>();
  for (const [subject, imgs] of [...bySubject].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
    const counts = new Map<string, number>();
    for (const i of imgs) counts.set(i.className, (counts.get(i.className) ?? 0) + 1);
    const major = [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))[0]![0];
    byClass.set(major, [...(byClass.get(major) ?? []), subject]);
  }
  const random = seededRandom(seed);
  for (const cls of [...byClass.keys()].sort()) {
    const subjects = shuffle(byClass.get(cls)!, random);
    const n = subjects.length;
    let nTest = Math.round(n * SPLIT_FRACTIONS.test);
    let nVal = Math.round(n * SPLIT_FRACTIONS.val);
    // Keep at least one subject of each class in validation and test when there are three or more.
    if (n >= 3) {
      nTest = Math.max(1, nTest);
      nVal = Math.max(1, nVal);
    }
    subjects.forEach((s, idx) => {
      const split: SplitName = idx < nTest ? 'test' : idx < nTest + nVal ? 'val' : 'train';
      for (const i of bySubject.get(s)!) out.set(i.imageId, split);
    });
  }
  return out;
}

export function summariseSplit(images: LabelledImage[], splits: Map<string, SplitName>, mode: SplitMode, seed: number): SplitSummary {
  const counts: Record<SplitName, number> = { train: 0, val: 0, test: 0 };
  const classCounts: Record<SplitName, Record<string, number>> = { train: {}, val: {}, test: {} };
  const subjects: Record<SplitName, Set<string>> = { train: new Set(), val: new Set(), test: new Set() };
  for (const i of images) {
    const s = splits.get(i.imageId)!;
    counts[s]++;
    classCounts[s][i.className] = (classCounts[s][i.className] ?? 0) + 1;
    subjects[s].add(i.subject);
  }
  return { mode, seed, counts, classCounts, subjects: { train: subjects.train.size, val: subjects.val.size, test: subjects.test.size } };
}
