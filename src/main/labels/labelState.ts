import type { LabelEntry, QueueItem, ReviewEntry } from '../../shared/domain/labels';
import type { LabelRow, ReviewRow, UndoRow } from './labelRepository';

/**
 * The state of one image in one label set, computed from its append-only history.
 *
 * History is a stack: every row except an undo row pushes an action; an undo row pops the
 * action it names (label_undos) and restores the class beneath it. So pressing undo again
 * walks further back instead of redoing, and nothing is ever overwritten.
 */
export interface ImageState {
  imageId: string;
  /** Every row, oldest first. */
  rows: LabelRow[];
  /** The actions still in force, oldest first; its top set the current label. */
  stack: LabelRow[];
  /** The row that set the current state (top of the stack), or null. */
  top: LabelRow | null;
  /** The current class (null: never labelled or cleared). */
  className: string | null;
  /** Reviews of this image, oldest first, with whether each still stands. */
  reviews: { row: ReviewRow; standing: boolean }[];
  /** The newest review not withdrawn by an undo, or null. */
  review: ReviewRow | null;
  /** The label changed after that review. */
  reviewStale: boolean;
  undoneBy: Map<number, number>;
  undoes: Map<number, number>;
}

/** A set's undo links both ways: undo row -> row it undid, and undone row -> its undo. */
export interface UndoLinks {
  undoes: Map<number, number>;
  undoneBy: Map<number, number>;
}

/** Indexes undo rows both ways. */
export function undoLinks(undos: UndoRow[]): UndoLinks {
  const undoes = new Map<number, number>();
  const undoneBy = new Map<number, number>();
  for (const u of undos) {
    undoes.set(u.undo_label_id, u.undone_label_id);
    undoneBy.set(u.undone_label_id, u.undo_label_id);
  }
  return { undoes, undoneBy };
}

/** One image's state from its rows (oldest first), the undo links and its reviews. */
export function computeImageState(imageId: string, rows: LabelRow[], undos: UndoRow[] | UndoLinks, reviews: ReviewRow[]): ImageState {
  const { undoes, undoneBy } = Array.isArray(undos) ? undoLinks(undos) : undos;
  const stack: LabelRow[] = [];
  for (const row of rows) {
    const target = undoes.get(row.id);
    if (target !== undefined) {
      const at = stack.findIndex((r) => r.id === target);
      if (at >= 0) stack.splice(at, 1);
    } else {
      stack.push(row);
    }
  }
  const top = stack.length > 0 ? stack[stack.length - 1]! : null;
  const inStack = new Set(stack.map((r) => r.id));
  const reviewList = reviews.map((row) => ({ row, standing: inStack.has(row.label_id) }));
  let review: ReviewRow | null = null;
  for (const r of reviewList) if (r.standing) review = r.row;
  return {
    imageId,
    rows,
    stack,
    top,
    className: top?.class_name ?? null,
    reviews: reviewList,
    review,
    reviewStale: review !== null && top !== null && top.id !== review.label_id,
    undoneBy,
    undoes,
  };
}

/** Groups a set's rows by image and computes every image's state. */
export function computeSetState(rows: LabelRow[], undos: UndoRow[], reviews: ReviewRow[]): Map<string, ImageState> {
  const rowsByImage = new Map<string, LabelRow[]>();
  for (const r of rows) {
    const list = rowsByImage.get(r.image_id);
    if (list) list.push(r);
    else rowsByImage.set(r.image_id, [r]);
  }
  const reviewsByImage = new Map<string, ReviewRow[]>();
  for (const r of reviews) {
    const list = reviewsByImage.get(r.image_id);
    if (list) list.push(r);
    else reviewsByImage.set(r.image_id, [r]);
  }
  const out = new Map<string, ImageState>();
  // One set of undo maps for the whole set: each image only looks up its own row ids in it.
  const links = undoLinks(undos);
  for (const [imageId, list] of rowsByImage) out.set(imageId, computeImageState(imageId, list, links, reviewsByImage.get(imageId) ?? []));
  return out;
}

/** A history row as the contract shows it, with its undo links. */
export function toLabelEntry(row: LabelRow, state: Pick<ImageState, 'undoneBy' | 'undoes'>): LabelEntry {
  return {
    id: row.id,
    imageId: row.image_id,
    labelSetId: row.label_set_id,
    className: row.class_name,
    source: row.source,
    author: row.author,
    createdAt: row.created_at,
    note: row.note,
    undoneBy: state.undoneBy.get(row.id) ?? null,
    undoes: state.undoes.get(row.id) ?? null,
  };
}

/** An image's row in a labelling queue: its current label with provenance, review, skip and uncertainty. */
export function toQueueItem(imageId: string, s: ImageState | undefined, skipped: boolean, uncertainty: number | null): QueueItem {
  const top = s?.top ?? null;
  return {
    imageId,
    className: s?.className ?? null,
    source: top?.class_name != null ? top.source : null,
    author: top?.author ?? null,
    labeledAt: top?.created_at ?? null,
    uncertainty,
    skipped,
    review: s?.review ? { verdict: s.review.verdict, reviewClass: s.review.review_class, reviewer: s.review.reviewer, stale: s.reviewStale } : null,
  };
}

/** A review row as the contract shows it. */
export function toReviewEntry(row: ReviewRow, stale: boolean): ReviewEntry {
  return {
    id: row.id,
    verdict: row.verdict,
    reviewedClass: row.reviewed_class,
    reviewedAuthor: row.reviewed_author,
    reviewClass: row.review_class,
    reviewer: row.reviewer,
    createdAt: row.created_at,
    stale,
  };
}

/**
 * Cohen's kappa for two raters over paired categorical ratings: (po - pe) / (1 - pe).
 * null when it is undefined (no pairs, or both raters used one and the same class only).
 */
export function cohensKappa(pairs: [string, string][], categories: string[]): number | null {
  const n = pairs.length;
  if (n === 0) return null;
  const cats = [...new Set([...categories, ...pairs.flat()])];
  const a = new Map<string, number>();
  const b = new Map<string, number>();
  let agree = 0;
  for (const [x, y] of pairs) {
    a.set(x, (a.get(x) ?? 0) + 1);
    b.set(y, (b.get(y) ?? 0) + 1);
    if (x === y) agree++;
  }
  const po = agree / n;
  let pe = 0;
  for (const c of cats) pe += ((a.get(c) ?? 0) / n) * ((b.get(c) ?? 0) / n);
  if (pe >= 1 - 1e-12) return null;
  return (po - pe) / (1 - pe);
}
