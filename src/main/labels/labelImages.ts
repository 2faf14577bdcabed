import type { Db } from '../db/types';
import type { LabelImageInfo, LabelImportOption } from '../../shared/domain/labels';
import { imageIdsInImportOrder, imagesByIds, importIdsOfLabelSet, importsWithImages } from '../imaging/ports';
import { hasLabelRow, labelledImageIds, ownScope } from './labelRepository';

/**
 * What the labels feature needs of imaging's images, asked through imaging's port: which
 * images a set covers (its scope), what is shown of an image beside its label, and the
 * imports a set can be scoped to.
 */

/** SQLite's BINARY collation (UTF-8 byte order), so an id list sorts as ORDER BY sorted it. */
function compareBinary(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/**
 * A set's import ids, sorted: the ones ticked for it plus any import that created the set
 * (`carelens import --labels-from-folders`), so such a set does not silently take in the
 * images of every later import.
 */
export function scopeOf(db: Db, labelSetId: string): string[] {
  return [...new Set([...ownScope(db, labelSetId), ...importIdsOfLabelSet(db, labelSetId)])].sort(compareBinary);
}

/**
 * The images a set covers, in import order: every image when the set has no scope, else
 * the images of its imports plus any image that already has a label in the set.
 */
export function imageIdsInScope(db: Db, labelSetId: string): string[] {
  const scope = scopeOf(db, labelSetId);
  if (scope.length === 0) return imageIdsInImportOrder(db);
  return imageIdsInImportOrder(db, { importIds: scope, imageIds: labelledImageIds(db, labelSetId) });
}

/** Whether a set covers an existing image, by the same rule as imageIdsInScope. */
export function isImageInScope(db: Db, labelSetId: string, image: Pick<LabelImageInfo, 'id' | 'importId'>): boolean {
  const scope = scopeOf(db, labelSetId);
  return scope.length === 0 || (image.importId !== null && scope.includes(image.importId)) || hasLabelRow(db, labelSetId, image.id);
}

/** What is shown of these images beside their labels, by id; ids that name no image are left out. */
export function labelImageInfos(db: Db, imageIds: readonly string[]): Map<string, LabelImageInfo> {
  const out = new Map<string, LabelImageInfo>();
  for (const [id, r] of imagesByIds(db, imageIds)) {
    out.set(id, {
      id: r.id,
      patientId: r.patientId,
      format: r.format,
      rows: r.rows,
      columns: r.columns,
      frames: r.frames,
      modality: r.modality,
      originalPath: r.originalPath,
      importId: r.importId,
      predefinedSplit: r.predefinedSplit,
      createdAt: r.createdAt,
    });
  }
  return out;
}

/** Imports holding images, in the order their first image arrived, for choosing a set's scope. */
export function importOptions(db: Db): LabelImportOption[] {
  return importsWithImages(db).map((r) => ({ importId: r.importId, images: r.images, firstAt: r.firstAt, folder: commonFolder(r.firstPath, r.lastPath) }));
}

/** The common parent folder of two paths (the lexicographic extremes bound every path between them). */
function commonFolder(a: string, b: string): string {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  const prefix = a.slice(0, i);
  const cut = Math.max(prefix.lastIndexOf('/'), prefix.lastIndexOf('\\'));
  return cut > 0 ? prefix.slice(0, cut) : prefix;
}
