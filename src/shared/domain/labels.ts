/**
 * Labelling: label sets (a task with its classes), the append-only label history of each
 * image in a set, skips, reviews by a second clinician and their agreement.
 * Pure TypeScript, shared by main, renderer and CLI.
 */

/** Where a label came from. */
export type LabelSource = 'hand' | 'imported' | 'model' | 'review' | 'override';
export const LABEL_SOURCES: readonly LabelSource[] = ['hand', 'imported', 'model', 'review', 'override'];

/** Which images a labelling queue shows. */
export const LABEL_FILTERS = ['all', 'unlabeled', 'next', 'mine', 'disagreements', 'unsure', 'skipped', 'unreviewed', 'reviewed'] as const;
export type LabelFilter = (typeof LABEL_FILTERS)[number];

export interface LabelClass {
  /** 0-based position; keys 1-9 pick classes 0-8. */
  idx: number;
  name: string;
  /** Images whose current label in this set is this class. */
  count: number;
}

export interface LabelSet {
  id: string;
  name: string;
  description: string;
  classes: LabelClass[];
  /** Import ids whose images this set covers; empty means every image in the data folder. */
  scope: string[];
  createdAt: string;
  createdBy: string;
  /** Images in scope. */
  images: number;
  /** Images with a current (non-cleared) label. */
  labeled: number;
  /** Images with a review that still stands. */
  reviewed: number;
}

/** One row of an image's label history (rows are only ever added). */
export interface LabelEntry {
  id: number;
  imageId: string;
  labelSetId: string;
  /** null: the label was cleared. */
  className: string | null;
  source: LabelSource;
  author: string;
  createdAt: string;
  note: string;
  /** This row was later undone (by the row with this id). */
  undoneBy: number | null;
  /** This row is an undo of the row with this id. */
  undoes: number | null;
}

export interface ReviewEntry {
  id: number;
  verdict: 'confirm' | 'correct';
  /** The label the reviewer looked at, and who set it. */
  reviewedClass: string;
  reviewedAuthor: string;
  /** The reviewer's class (equal to reviewedClass for a confirmation). */
  reviewClass: string;
  reviewer: string;
  createdAt: string;
  /** The image's label changed after this review: it needs reviewing again. */
  stale: boolean;
}

/** The image facts the labelling view shows beside the picture. */
export interface LabelImageInfo {
  id: string;
  patientId: string | null;
  format: string;
  rows: number | null;
  columns: number | null;
  frames: number;
  modality: string;
  originalPath: string;
  importId: string | null;
  predefinedSplit: string | null;
  createdAt: string;
}

export interface QueueItem {
  imageId: string;
  /** The current label, or null (never labelled, or cleared). */
  className: string | null;
  source: LabelSource | null;
  author: string | null;
  labeledAt: string | null;
  /** The model's uncertainty in [0, 1] (1 = most unsure), when a model gave one. */
  uncertainty: number | null;
  skipped: boolean;
  review: Pick<ReviewEntry, 'verdict' | 'reviewClass' | 'reviewer' | 'stale'> | null;
}

export interface LabelQueue {
  labelSetId: string;
  filter: LabelFilter;
  items: QueueItem[];
  total: number;
  /** How the items are ordered: by the model's uncertainty, or by import order. */
  ordering: 'uncertainty' | 'import';
  /** Why there are no uncertainty values (no model yet), or null. */
  modelNote: string | null;
}

/** What a grid batch (label many images, or undo that) did. */
export interface LabelBatchResult {
  labelSetId: string;
  /** Every image of the call, as its queue row now stands, in the order asked. */
  items: QueueItem[];
  /**
   * The history rows this call added, one per image it changed (an image already carrying
   * that class from the same person gets none). Undoing the batch names these rows.
   */
  written: { imageId: string; labelId: number }[];
}

export interface ImageLabelDetail {
  labelSetId: string;
  image: LabelImageInfo;
  current: LabelEntry | null;
  /** Newest first. */
  history: LabelEntry[];
  review: ReviewEntry | null;
  /** All reviews of this image in this set, newest first. */
  reviews: ReviewEntry[];
  skipped: boolean;
  uncertainty: number | null;
  /** The class whose label can be undone now, if any. */
  canUndo: boolean;
}

export interface AgreementStats {
  labelSetId: string;
  /** Images with a standing review. */
  reviewed: number;
  agreed: number;
  /** agreed / reviewed, or null before any review. */
  rate: number | null;
  /** Cohen's kappa between labeller and reviewer, or null when undefined (no reviews, or one class only). */
  kappa: number | null;
  /** Rows: the labeller's class; columns: the reviewer's class (in class order). */
  classes: string[];
  confusion: number[][];
}

export interface LabelImportOption {
  importId: string;
  images: number;
  firstAt: string;
  /** The folder the images came from (their common parent), when known. */
  folder: string;
}

export interface LabelExport {
  labelSetId: string;
  rows: number;
  csv: string;
}

/** One image's current label, for training and reports. */
export interface CurrentLabel {
  imageId: string;
  className: string;
  source: LabelSource;
  author: string;
  createdAt: string;
}
