import { AppError } from '../../shared/ipc/envelope';
import type { ImageLabelDetail, LabelSource } from '../../shared/domain/labels';
import { classNames, insertUndoLink, type LabelRow } from './labelRepository';
import { appendLabel } from './ports';
import { imageLabelDetail } from './imageDetail';
import type { LabelStore } from './LabelStore';
import type { ModelUncertainty } from './ModelUncertainty';

/**
 * A clinician's changes to one image's label: set, clear and undo. Each is a new row added
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
      const state = store.imageState(set.id, imageId);
      const top = state.top;
      if (!top) throw new AppError('CONFLICT', 'There is nothing to undo on this image.', { key: 'errors.labels.thereNothingUndoImage' });
      if (top.author !== author) {
        throw new AppError('CONFLICT', `The latest label on this image was set by ${top.author}; only they can undo it. Set a new label instead.`, { key: 'errors.labels.latestLabelImageWas', params: { author: top.author } });
      }
      const below: LabelRow | null = state.stack.length > 1 ? state.stack[state.stack.length - 2]! : null;
      const restored = below?.class_name ?? null;
      if (restored !== null && !classNames(store.db, set.id).includes(restored)) {
        throw new AppError('CONFLICT', `Undo would bring back "${restored}", which is no longer a class of ${set.name}. Set a label instead.`, { key: 'errors.labels.undoWouldBringBack', params: { restored, name: set.name } });
      }
      const id = appendLabel(store.db, {
        imageId,
        labelSetId: set.id,
        className: restored,
        source: below?.source ?? 'hand',
        author,
        createdAt: store.now(),
        note: below ? `undo of #${top.id}: back to the label set by ${below.author}` : `undo of #${top.id}`,
      });
      insertUndoLink(store.db, id, top.id);
    })();
    return imageLabelDetail(store, this.uncertainty, set.id, imageId, author);
  }
}
