import { AppError } from '../../shared/ipc/envelope';
import type { AgreementStats, ImageLabelDetail } from '../../shared/domain/labels';
import { classNames, insertReviewRow } from './labelRepository';
import { cohensKappa } from './labelState';
import { appendLabel } from './ports';
import { imageLabelDetail } from './imageDetail';
import type { LabelStore } from './LabelStore';
import type { ModelUncertainty } from './ModelUncertainty';

/** A second clinician's review of labels, and the agreement between labellers and reviewers. */
export class LabelReview {
  constructor(
    private readonly store: LabelStore,
    private readonly uncertainty: ModelUncertainty,
  ) {}

  /**
   * A second clinician's review: the same class (or none given) confirms the label, another
   * class corrects it and becomes the current label. The labeller cannot review their own label.
   */
  async review(idOrName: string, imageId: string, reviewer: string, className?: string, note = ''): Promise<ImageLabelDetail> {
    const { store } = this;
    const set = store.requireSet(idOrName);
    store.db.transaction(() => {
      store.requireImage(set, imageId);
      const state = store.imageState(set.id, imageId);
      const top = state.top;
      if (!top || state.className === null) throw new AppError('CONFLICT', 'This image has no label to review yet.', { key: 'errors.labels.imageHasNoLabel2' });
      // A label standing after a review is the original label under review, not the review itself.
      const underReview =
        state.review && !state.reviewStale
          ? { id: state.review.reviewed_label_id, cls: state.review.reviewed_class, author: state.review.reviewed_author }
          : { id: top.id, cls: state.className, author: top.author };
      if (underReview.author === reviewer) {
        throw new AppError('CONFLICT', 'You set this label, so a second clinician has to review it.', { key: 'errors.labels.ownLabelNeedsSecondReviewer' });
      }
      const reviewClass = className === undefined ? underReview.cls : store.requireClass(set, className);
      const verdict = reviewClass === underReview.cls ? 'confirm' : 'correct';
      const now = store.now();
      const labelId = appendLabel(store.db, {
        imageId,
        labelSetId: set.id,
        className: reviewClass,
        source: 'review',
        author: reviewer,
        createdAt: now,
        note: note || (verdict === 'confirm' ? `confirmed the label by ${underReview.author}` : `corrected "${underReview.cls}" (by ${underReview.author})`),
      });
      insertReviewRow(store.db, {
        label_set_id: set.id,
        image_id: imageId,
        label_id: labelId,
        reviewed_label_id: underReview.id,
        reviewed_class: underReview.cls,
        reviewed_author: underReview.author,
        review_class: reviewClass,
        verdict,
        reviewer,
        created_at: now,
      });
    })();
    return imageLabelDetail(store, this.uncertainty, set.id, imageId, reviewer);
  }

  /**
   * Agreement between labellers and reviewers over every image with a review in force:
   * the share the review confirmed, Cohen's kappa, and the labeller-by-reviewer table.
   */
  agreement(idOrName: string): AgreementStats {
    const set = this.store.requireSet(idOrName);
    const states = this.store.setState(set.id);
    const pairs: [string, string][] = [];
    for (const s of states.values()) if (s.review) pairs.push([s.review.reviewed_class, s.review.review_class]);
    const classes = [...classNames(this.store.db, set.id)];
    for (const [a, b] of pairs) for (const c of [a, b]) if (!classes.includes(c)) classes.push(c);
    const confusion = classes.map(() => classes.map(() => 0));
    let agreed = 0;
    for (const [a, b] of pairs) {
      confusion[classes.indexOf(a)]![classes.indexOf(b)]! += 1;
      if (a === b) agreed++;
    }
    return {
      labelSetId: set.id,
      reviewed: pairs.length,
      agreed,
      rate: pairs.length > 0 ? agreed / pairs.length : null,
      kappa: cohensKappa(pairs, classes),
      classes,
      confusion,
    };
  }
}
