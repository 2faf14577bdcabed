import type { ImageLabelDetail, LabelFilter, LabelQueue, QueueItem } from '../../shared/domain/labels';
import { insertSkipRow, skippedBy } from './labelRepository';
import { imageIdsInScope } from './labelImages';
import { imageLabelDetail } from './imageDetail';
import { toQueueItem, type ImageState } from './labelState';
import type { LabelStore } from './LabelStore';
import type { ModelUncertainty } from './ModelUncertainty';

export interface QueueOptions {
  limit?: number;
  offset?: number;
  /** For 'unsure': the uncertainty (0..1) from which an image counts as unsure. */
  threshold?: number;
}

/** The uncertainty from which an image counts as unsure when the caller does not say. */
const DEFAULT_UNSURE_THRESHOLD = 0.5;

/** Whether an image in a set passes a queue filter, for the clinician `me`. */
function passes(filter: LabelFilter, s: ImageState | undefined, skipped: boolean, me: string): boolean {
  const cls = s?.className ?? null;
  switch (filter) {
    case 'all':
    case 'unsure':
      return true;
    case 'unlabeled':
      return cls === null;
    case 'next':
      return cls === null && !skipped;
    case 'mine':
      return cls !== null && s!.top!.author === me;
    case 'disagreements':
      return Boolean(s?.review && s.review.verdict === 'correct');
    case 'skipped':
      return skipped;
    case 'unreviewed': {
      if (cls === null) return false;
      if (s!.review && !s!.reviewStale) return false;
      return s!.top!.author !== me;
    }
    case 'reviewed':
      return Boolean(s?.review && !s.reviewStale);
  }
}

/**
 * The labelling queue: which images of a set pass a filter and in what order ("label next"
 * most uncertain first when a model gives values), and a clinician's skips, which "label
 * next" passes over for that clinician only.
 */
export class LabellingQueue {
  constructor(
    private readonly store: LabelStore,
    private readonly uncertainty: ModelUncertainty,
  ) {}

  /**
   * The images of a set that pass a filter, in order: 'next' and 'unsure' by the model's
   * uncertainty (most unsure first) when a model gives values, everything else by import order.
   */
  async queue(idOrName: string, filter: LabelFilter, me: string, options: QueueOptions = {}): Promise<LabelQueue> {
    const set = this.store.requireSet(idOrName);
    const limit = options.limit ?? 200;
    const offset = options.offset ?? 0;
    const ids = imageIdsInScope(this.store.db, set.id);
    const states = this.store.setState(set.id);
    const skipped = skippedBy(this.store.db, set.id, me);
    let selected = ids.filter((id) => passes(filter, states.get(id), skipped.has(id), me));
    let ordering: LabelQueue['ordering'] = 'import';
    let modelNote: string | null = null;
    let uncertainty = new Map<string, number>();
    if (filter === 'next' || filter === 'unsure') {
      const got = await this.uncertainty.of(set.id, selected);
      uncertainty = got.values;
      modelNote = got.note;
      if (uncertainty.size > 0) {
        ordering = 'uncertainty';
        selected = byUncertainty(selected, uncertainty);
      }
      if (filter === 'unsure') {
        const threshold = options.threshold ?? DEFAULT_UNSURE_THRESHOLD;
        selected = selected.filter((id) => (uncertainty.get(id) ?? -1) >= threshold);
      }
    }
    const page = selected.slice(offset, offset + limit);
    if (filter !== 'next' && filter !== 'unsure' && page.length > 0) {
      const got = await this.uncertainty.of(set.id, page);
      uncertainty = got.values;
      modelNote = got.note;
    }
    const items: QueueItem[] = page.map((id) => toQueueItem(id, states.get(id), skipped.has(id), uncertainty.get(id) ?? null));
    return { labelSetId: set.id, filter, items, total: selected.length, ordering, modelNote };
  }

  /** Sets an image aside for this clinician (or brings it back): "label next" passes over it. */
  async skip(idOrName: string, imageId: string, author: string, skipped = true): Promise<ImageLabelDetail> {
    const set = this.store.requireSet(idOrName);
    this.store.requireImage(set, imageId);
    insertSkipRow(this.store.db, set.id, imageId, author, skipped, this.store.now());
    return imageLabelDetail(this.store, this.uncertainty, set.id, imageId, author);
  }
}

/** Most unsure first; images without a value after those with one; ties keep import order. */
function byUncertainty(ids: string[], uncertainty: Map<string, number>): string[] {
  const position = new Map(ids.map((id, i) => [id, i]));
  return [...ids].sort((a, b) => {
    const ua = uncertainty.get(a);
    const ub = uncertainty.get(b);
    if (ua !== undefined && ub !== undefined && ua !== ub) return ub - ua;
    if (ua !== undefined && ub === undefined) return -1;
    if (ua === undefined && ub !== undefined) return 1;
    return position.get(a)! - position.get(b)!;
  });
}
