import type { Core } from '../core/Core';
import type { Db } from '../db/types';
import { AppError } from '../../shared/ipc/envelope';
import type { LabelImageInfo } from '../../shared/domain/labels';
import { classNames, findSetRow, historyVersion, labelledImageIds, labelRowsOfImage, labelRowsOfSet, reviewRowsOfSet, undoRowsOfSet, type LabelSetRow } from './labelRepository';
import { computeImageState, computeSetState, type ImageState } from './labelState';
import { isImageInScope, labelImageInfos, scopeOf } from './labelImages';

/** How a set or class name is stored and compared: NFC, inner white space collapsed, trimmed. */
export function cleanName(name: string): string {
  return name.normalize('NFC').replace(/\s+/g, ' ').trim();
}

/**
 * What every labelling job reads before it acts: a set, an image the set covers, a class of
 * the set, and the computed state of a set's or an image's history. One per labels feature,
 * so the set states it caches are shared by every job.
 */
export class LabelStore {
  private readonly stateCache = new Map<string, { version: string; states: Map<string, ImageState> }>();

  constructor(private readonly core: Pick<Core, 'db' | 'clock'>) {}

  /** The feature's database handle. */
  get db(): Db {
    return this.core.db;
  }

  /** The clock's time as stored in rows. */
  now(): string {
    return this.core.clock.now().toISOString();
  }

  /**
   * Every image's state in a set, cached until the set's history changes (another feature's
   * rows included), so only the first read after a change recomputes it.
   */
  setState(labelSetId: string): Map<string, ImageState> {
    const version = historyVersion(this.db, labelSetId);
    const hit = this.stateCache.get(labelSetId);
    if (hit && hit.version === version) return hit.states;
    const states = computeSetState(labelRowsOfSet(this.db, labelSetId), undoRowsOfSet(this.db, labelSetId), reviewRowsOfSet(this.db, labelSetId));
    this.stateCache.set(labelSetId, { version, states });
    return states;
  }

  /** One image's state in a set, read fresh (writes decide on it inside their transaction). */
  imageState(labelSetId: string, imageId: string): ImageState {
    return computeImageState(imageId, labelRowsOfImage(this.db, labelSetId, imageId), undoRowsOfSet(this.db, labelSetId, imageId), reviewRowsOfSet(this.db, labelSetId, imageId));
  }

  /** A set by id or name; NOT_FOUND otherwise. */
  requireSet(idOrName: string): LabelSetRow {
    const row = findSetRow(this.db, idOrName);
    if (!row) throw new AppError('NOT_FOUND', `No label set "${idOrName}".`, { key: 'errors.labels.noLabelSet', params: { idOrName }, issues: [{ path: 'labelSet', message: 'Unknown label set', key: 'errors.issues.unknownLabelSet' }] });
    return row;
  }

  /** An image the set covers; NOT_FOUND for no such image, VALIDATION for one outside the set. */
  requireImage(set: LabelSetRow, imageId: string): LabelImageInfo {
    const image = labelImageInfos(this.db, [imageId]).get(imageId);
    if (!image) throw new AppError('NOT_FOUND', `No image with id ${imageId}.`, { key: 'errors.labels.noImageWithId', params: { imageId }, issues: [{ path: 'imageId', message: 'Unknown image', key: 'errors.issues.unknownImage' }] });
    if (!isImageInScope(this.db, set.id, image)) {
      throw new AppError('VALIDATION', `This image is not part of label set ${set.name} (it comes from an import the set does not cover).`, {
        key: 'errors.labels.imageNotPartLabel',
        params: { name: set.name },
        issues: [{ path: 'imageId', message: 'Not in this label set', key: 'errors.issues.notInLabelSet' }],
      });
    }
    return image;
  }

  /**
   * Images the set covers, checked all before anything is written (a batch is all or nothing):
   * NOT_FOUND for the first id that names no image, VALIDATION for the first outside the set.
   * The issue's path is the id's position in the list (`imageIds.3`).
   */
  requireImages(set: LabelSetRow, imageIds: readonly string[]): void {
    const images = labelImageInfos(this.db, imageIds);
    const scope = new Set(scopeOf(this.db, set.id));
    const labelled = scope.size > 0 ? new Set(labelledImageIds(this.db, set.id)) : null;
    imageIds.forEach((imageId, i) => {
      const image = images.get(imageId);
      if (!image) throw new AppError('NOT_FOUND', `No image with id ${imageId}.`, { key: 'errors.labels.noImageWithId', params: { imageId }, issues: [{ path: `imageIds.${i}`, message: 'Unknown image', key: 'errors.issues.unknownImage' }] });
      const inScope = scope.size === 0 || (image.importId !== null && scope.has(image.importId)) || labelled!.has(imageId);
      if (!inScope) {
        throw new AppError('VALIDATION', `This image is not part of label set ${set.name} (it comes from an import the set does not cover).`, {
          key: 'errors.labels.imageNotPartLabel',
          params: { name: set.name },
          issues: [{ path: `imageIds.${i}`, message: 'Not in this label set', key: 'errors.issues.notInLabelSet' }],
        });
      }
    });
  }

  /** A class of the set by its cleaned name; VALIDATION otherwise. */
  requireClass(set: LabelSetRow, className: string): string {
    const classes = classNames(this.db, set.id);
    const cls = cleanName(className);
    if (!classes.includes(cls)) {
      throw new AppError('VALIDATION', `"${className}" is not a class of ${set.name} (classes: ${classes.join(', ')}).`, { key: 'errors.labels.notClassClasses', params: { className, name: set.name, classes: classes.join(', ') }, issues: [{ path: 'className', message: 'Unknown class', key: 'errors.issues.unknownClass' }] });
    }
    return cls;
  }
}
