import { AppError } from '../../shared/ipc/envelope';
import type { ImageLabelDetail, LabelBatchResult, LabelSource, QueueItem } from '../../shared/domain/labels';
import { classNames, insertUndoLink, labelRowsByIds, skippedBy, type LabelRow, type LabelSetRow } from './labelRepository';
import { toQueueItem, type ImageState } from './labelState';
import { appendLabel } from './ports';
import { imageLabelDetail } from './imageDetail';
import type { LabelStore } from './LabelStore';
import type { ModelUncertainty } from './ModelUncertainty';

/**
 * A clinician's changes to one image's label: set, clear and undo, and the grid's batches of
 * them (setMany, undoMany). Each is a new row added
 * with appendLabel (nothing is overwritten), decided on the image's state read inside the
 * same transaction, and answered with the image's detail as it now stands.
 */
export class LabelWriter {
  constructor(
    private readonly store: LabelStore,
    private readonly uncertainty: ModelUncertainty,
  ) {}

  /**
   * Sets an image's label (by hand unless `source` says otherwise). Setting the class the
   * same person already set is a no-op, so a repeated key press adds no history.
   */
  async setLabel(idOrName: string, imageId: string, className: string, author: string, options: { source?: LabelSource; note?: string } = {}): Promise<ImageLabelDetail> {
    const { store } = this;
    const set = store.requireSet(idOrName);
    store.db.transaction(() => {
      store.requireImage(set, imageId);
      const cls = store.requireClass(set, className);
      const state = store.imageState(set.id, imageId);
      const source = options.source ?? 'hand';
      if (state.className === cls && state.top?.author === author && state.top.source === source && !options.note) return;
      appendLabel(store.db, { imageId, labelSetId: set.id, className: cls, source, author, createdAt: store.now(), note: options.note ?? '' });
    })();
    return imageLabelDetail(store, this.uncertainty, set.id, imageId, author);
  }

  /** Clears an image's label (a new row with no class; the history keeps the old one). */
  async clearLabel(idOrName: string, imageId: string, author: string, note = ''): Promise<ImageLabelDetail> {
    const { store } = this;
    const set = store.requireSet(idOrName);
    store.db.transaction(() => {
      store.requireImage(set, imageId);
      const state = store.imageState(set.id, imageId);
      if (state.className === null) throw new AppError('CONFLICT', 'This image has no label to clear.', { key: 'errors.labels.imageHasNoLabel' });
      appendLabel(store.db, { imageId, labelSetId: set.id, className: null, source: 'hand', author, createdAt: store.now(), note });
    })();
    return imageLabelDetail(store, this.uncertainty, set.id, imageId, author);
  }

  /**
   * Undoes the latest change still in force on an image: a new row restores the state
   * before it (undoing again walks further back). Only its author can undo a change.
   */
  async undo(idOrName: string, imageId: string, author: string): Promise<ImageLabelDetail> {
    const { store } = this;
    const set = store.requireSet(idOrName);
    store.db.transaction(() => {
      store.requireImage(set, imageId);
      this.undoTop(set, imageId, author, store.now());
    })();
    return imageLabelDetail(store, this.uncertainty, set.id, imageId, author);
  }

  /**
   * Labels many images with one class in one transaction (the grid's class key). Every image
   * is checked first and any bad one refuses the whole batch, changing nothing. Each image gets
   * the same row a single label would (source hand, the caller as author, the same time), and
   * an image the same person already gave that class gets none, as with a repeated key press.
   */
  async setMany(idOrName: string, imageIds: readonly string[], className: string, author: string, note = ''): Promise<LabelBatchResult> {
    const { store } = this;
    const set = store.requireSet(idOrName);
    const ids = [...new Set(imageIds)];
    const written = store.db.transaction(() => {
      store.requireImages(set, ids);
      const cls = store.requireClass(set, className);
      const createdAt = store.now();
      // The set's state, read inside the transaction (cached until its history changes).
      const states = store.setState(set.id);
      const out: LabelBatchResult['written'] = [];
      for (const imageId of ids) {
        const state = states.get(imageId);
        if (state && state.className === cls && state.top?.author === author && state.top.source === 'hand' && !note) continue;
        out.push({ imageId, labelId: appendLabel(store.db, { imageId, labelSetId: set.id, className: cls, source: 'hand', author, createdAt, note }) });
      }
      return out;
    })();
    return { labelSetId: set.id, items: await this.items(set.id, ids, author), written };
  }

  /**
   * Undoes a batch: each named row must be the latest change still in force on its image and
   * the caller's own, else nothing is undone (someone changed an image since, or it was undone
   * already). Each image gets the undo row a single undo would write.
   */
  async undoMany(idOrName: string, labelIds: readonly number[], author: string): Promise<LabelBatchResult> {
    const { store } = this;
    const set = store.requireSet(idOrName);
    const wanted = [...new Set(labelIds)];
    const result = store.db.transaction(() => {
      const rows = labelRowsByIds(store.db, set.id, wanted);
      const states = store.setState(set.id);
      const classes = classNames(store.db, set.id);
      const createdAt = store.now();
      const written: LabelBatchResult['written'] = [];
      wanted.forEach((labelId, i) => {
        const row = rows.get(labelId);
        if (!row) throw new AppError('NOT_FOUND', `No label #${labelId} in ${set.name}.`, { key: 'errors.labels.noLabelInSet', params: { labelId, name: set.name }, issues: [{ path: `labelIds.${i}`, message: 'Unknown label', key: 'errors.issues.unknownLabel' }] });
        const top = states.get(row.image_id)?.top;
        if (top?.id !== labelId) {
          throw new AppError('CONFLICT', 'An image of this batch was changed after it (or its change was undone already), so the batch cannot be undone as a whole. Nothing was undone; undo or relabel that image on its own.', { key: 'errors.labels.batchChangedSince' });
        }
        // The snapshot is this image's state: a batch touches each image once (a second row of it is no longer its top).
        written.push({ imageId: row.image_id, labelId: this.undoTop(set, row.image_id, author, createdAt, states.get(row.image_id), classes) });
      });
      return written;
    })();
    return { labelSetId: set.id, items: await this.items(set.id, result.map((w) => w.imageId), author), written: result };
  }

  /** These images' queue rows in a set as they now stand, for `me`. */
  private async items(labelSetId: string, imageIds: string[], me: string): Promise<QueueItem[]> {
    const states = this.store.setState(labelSetId);
    const skipped = skippedBy(this.store.db, labelSetId, me);
    const { values } = await this.uncertainty.of(labelSetId, imageIds);
    return imageIds.map((id) => toQueueItem(id, states.get(id), skipped.has(id), values.get(id) ?? null));
  }

  /**
   * Undoes the latest change still in force on an image (inside the caller's transaction): a
   * new row restores the state before it. Only its author can undo a change. Returns the row's id.
   * A batch passes the image's state and the set's classes it already read.
   */
  private undoTop(set: LabelSetRow, imageId: string, author: string, createdAt: string, known?: ImageState, classes?: string[]): number {
    const { store } = this;
    const state = known ?? store.imageState(set.id, imageId);
    const top = state.top;
    if (!top) throw new AppError('CONFLICT', 'There is nothing to undo on this image.', { key: 'errors.labels.thereNothingUndoImage' });
    if (top.author !== author) {
      throw new AppError('CONFLICT', `The latest label on this image was set by ${top.author}; only they can undo it. Set a new label instead.`, { key: 'errors.labels.latestLabelImageWas', params: { author: top.author } });
    }
    const below: LabelRow | null = state.stack.length > 1 ? state.stack[state.stack.length - 2]! : null;
    const restored = below?.class_name ?? null;
    if (restored !== null && !(classes ?? classNames(store.db, set.id)).includes(restored)) {
      throw new AppError('CONFLICT', `Undo would bring back "${restored}", which is no longer a class of ${set.name}. Set a label instead.`, { key: 'errors.labels.undoWouldBringBack', params: { restored, name: set.name } });
    }
    const id = appendLabel(store.db, {
      imageId,
      labelSetId: set.id,
      className: restored,
      source: below?.source ?? 'hand',
      author,
      createdAt,
      note: below ? `undo of #${top.id}: back to the label set by ${below.author}` : `undo of #${top.id}`,
    });
    insertUndoLink(store.db, id, top.id);
    return id;
  }
}
