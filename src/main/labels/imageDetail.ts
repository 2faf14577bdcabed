import type { ImageLabelDetail } from '../../shared/domain/labels';
import { skippedBy } from './labelRepository';
import { toLabelEntry, toReviewEntry } from './labelState';
import type { LabelStore } from './LabelStore';
import type { ModelUncertainty } from './ModelUncertainty';

/**
 * An image's label in a set as the labelling view shows it: the current label with its
 * provenance, the full history (newest first), the reviews still standing, whether `me`
 * skipped it, the model's uncertainty, and whether `me` may undo the latest change.
 */
export async function imageLabelDetail(store: LabelStore, uncertainty: ModelUncertainty, idOrName: string, imageId: string, me: string): Promise<ImageLabelDetail> {
  const set = store.requireSet(idOrName);
  const image = store.requireImage(set, imageId);
  const state = store.imageState(set.id, imageId);
  const skipped = skippedBy(store.db, set.id, me).has(imageId);
  const { values } = await uncertainty.of(set.id, [imageId]);
  return {
    labelSetId: set.id,
    image,
    current: state.top ? toLabelEntry(state.top, state) : null,
    history: [...state.rows].reverse().map((r) => toLabelEntry(r, state)),
    review: state.review ? toReviewEntry(state.review, state.reviewStale) : null,
    reviews: [...state.reviews].reverse().filter((r) => r.standing).map((r) => toReviewEntry(r.row, r.row.id === state.review?.id ? state.reviewStale : true)),
    skipped,
    uncertainty: values.get(imageId) ?? null,
    canUndo: state.top !== null && state.top.author === me,
  };
}
