import { AppError } from '../../shared/ipc/envelope';
import type { LabelSource } from '../../shared/domain/labels';
import { classNames } from './labelRepository';
import { labelImageInfos } from './labelImages';
import { appendLabel } from './ports';
import { cleanName, type LabelStore } from './LabelStore';

/**
 * Writes many labels at once (import from folders, a model's accepted labels), in one
 * transaction after checking every image and class first. Images already carrying that
 * class are left alone. Returns how many rows were written.
 */
export function importLabels(
  store: LabelStore,
  idOrName: string,
  items: { imageId: string; className: string }[],
  author: string,
  source: LabelSource = 'imported',
  note = '',
): { written: number; unchanged: number } {
  const set = store.requireSet(idOrName);
  const classes = classNames(store.db, set.id);
  const cleaned = items.map((item) => ({ imageId: item.imageId, className: cleanName(item.className) }));
  const images = labelImageInfos(store.db, cleaned.map((item) => item.imageId));
  cleaned.forEach((item, i) => {
    if (!classes.includes(item.className)) {
      throw new AppError('VALIDATION', `"${item.className}" is not a class of ${set.name} (classes: ${classes.join(', ')}).`, { key: 'errors.labels.notClassClasses', params: { className: item.className, name: set.name, classes: classes.join(', ') }, issues: [{ path: `items.${i}.className`, message: 'Unknown class' }] });
    }
    if (!images.has(item.imageId)) throw new AppError('NOT_FOUND', `No image with id ${item.imageId}.`, { key: 'errors.labels.noImageWithId', params: { imageId: item.imageId }, issues: [{ path: `items.${i}.imageId`, message: 'Unknown image' }] });
  });
  return store.db.transaction(() => {
    const states = store.setState(set.id);
    const createdAt = store.now();
    let written = 0;
    for (const item of cleaned) {
      if (states.get(item.imageId)?.className === item.className) continue;
      appendLabel(store.db, { imageId: item.imageId, labelSetId: set.id, className: item.className, source, author, createdAt, note });
      written++;
    }
    return { written, unchanged: cleaned.length - written };
  })();
}
