import type { Core } from '../core/Core';
import type {
  AgreementStats,
  CurrentLabel,
  ImageLabelDetail,
  LabelBatchResult,
  LabelExport,
  LabelFilter,
  LabelImportOption,
  LabelQueue,
  LabelSet,
  LabelSource,
} from '../../shared/domain/labels';
import { currentLabelsOfSet } from './ports';
import { LabelStore } from './LabelStore';
import { ModelUncertainty } from './ModelUncertainty';
import { LabelSetService, type LabelSetChanges, type LabelSetInput } from './LabelSetService';
import { LabellingQueue, type QueueOptions } from './LabellingQueue';
import { LabelWriter } from './LabelWriter';
import { LabelReview } from './LabelReview';
import { exportLabelsCsv } from './labelExport';
import { importLabels } from './labelImport';
import { imageLabelDetail } from './imageDetail';
import type { UncertaintySource } from './uncertainty';

export interface LabelServiceDeps {
  /** The model's uncertainty per image; defaults to "no model yet" (import order). */
  uncertainty?: UncertaintySource;
}

/**
 * Labelling, as the channels, the CLI and other features call it: one entry point over the
 * jobs it is made of (label sets, the queue, writes, review, export, bulk import), which
 * share one LabelStore and so one cache of each set's computed state.
 */
export class LabelService {
  private readonly store: LabelStore;
  private readonly uncertainty: ModelUncertainty;
  private readonly sets: LabelSetService;
  private readonly labelling: LabellingQueue;
  private readonly writer: LabelWriter;
  private readonly reviews: LabelReview;

  constructor(core: Pick<Core, 'db' | 'clock' | 'logger'>, deps: LabelServiceDeps = {}) {
    this.store = new LabelStore(core);
    this.uncertainty = new ModelUncertainty(core.logger, deps.uncertainty);
    this.sets = new LabelSetService(this.store);
    this.labelling = new LabellingQueue(this.store, this.uncertainty);
    this.writer = new LabelWriter(this.store, this.uncertainty);
    this.reviews = new LabelReview(this.store, this.uncertainty);
  }

  /** Every label set with its classes and progress counts. */
  listSets(): LabelSet[] {
    return this.sets.listSets();
  }

  /** One label set by id or name; NOT_FOUND otherwise. */
  getSet(idOrName: string): LabelSet {
    return this.sets.getSet(idOrName);
  }

  /** Creates a label set with its classes (at least two, unique names). */
  createSet(input: LabelSetInput, author: string): LabelSet {
    return this.sets.createSet(input, author);
  }

  /** Renames, describes, re-scopes or changes the classes of a set (see LabelSetService.updateSet). */
  updateSet(idOrName: string, changes: LabelSetChanges, author: string): LabelSet {
    return this.sets.updateSet(idOrName, changes, author);
  }

  /** Imports whose images a set can be scoped to. */
  importOptions(): LabelImportOption[] {
    return this.sets.importOptions();
  }

  /** The images of a set that pass a filter, in queue order (see LabellingQueue.queue). */
  queue(idOrName: string, filter: LabelFilter, me: string, options: QueueOptions = {}): Promise<LabelQueue> {
    return this.labelling.queue(idOrName, filter, me, options);
  }

  /** An image's label in a set: current label with provenance, full history, review, skip. */
  detail(idOrName: string, imageId: string, me: string): Promise<ImageLabelDetail> {
    return imageLabelDetail(this.store, this.uncertainty, idOrName, imageId, me);
  }

  /** Sets an image's label (by hand unless `source` says otherwise); repeating it adds nothing. */
  setLabel(idOrName: string, imageId: string, className: string, author: string, options: { source?: LabelSource; note?: string } = {}): Promise<ImageLabelDetail> {
    return this.writer.setLabel(idOrName, imageId, className, author, options);
  }

  /** Clears an image's label (a new row with no class; the history keeps the old one). */
  clearLabel(idOrName: string, imageId: string, author: string, note = ''): Promise<ImageLabelDetail> {
    return this.writer.clearLabel(idOrName, imageId, author, note);
  }

  /** Undoes the latest change still in force on an image; only its author can. */
  undo(idOrName: string, imageId: string, author: string): Promise<ImageLabelDetail> {
    return this.writer.undo(idOrName, imageId, author);
  }

  /** Labels many images with one class by hand, all or nothing (the grid; see LabelWriter.setMany). */
  setMany(idOrName: string, imageIds: readonly string[], className: string, author: string, note = ''): Promise<LabelBatchResult> {
    return this.writer.setMany(idOrName, imageIds, className, author, note);
  }

  /** Undoes a batch by the rows it wrote, all or nothing (see LabelWriter.undoMany). */
  undoMany(idOrName: string, labelIds: readonly number[], author: string): Promise<LabelBatchResult> {
    return this.writer.undoMany(idOrName, labelIds, author);
  }

  /** Sets an image aside for this clinician (or brings it back): "label next" passes over it. */
  skip(idOrName: string, imageId: string, author: string, skipped = true): Promise<ImageLabelDetail> {
    return this.labelling.skip(idOrName, imageId, author, skipped);
  }

  /** A second clinician confirms or corrects a label (see LabelReview.review). */
  review(idOrName: string, imageId: string, reviewer: string, className?: string, note = ''): Promise<ImageLabelDetail> {
    return this.reviews.review(idOrName, imageId, reviewer, className, note);
  }

  /** Agreement between labellers and reviewers: confirmed share, Cohen's kappa, confusion table. */
  agreement(idOrName: string): AgreementStats {
    return this.reviews.agreement(idOrName);
  }

  /** The set's labels as CSV: 'current' (one row per labelled image) or 'history' (every row). */
  exportCsv(idOrName: string, mode: 'current' | 'history' = 'current'): LabelExport {
    return exportLabelsCsv(this.store, idOrName, mode);
  }

  /** Every image's current label in a set (for training, reports): class, source, who, when. */
  currentLabels(idOrName: string): CurrentLabel[] {
    const set = this.store.requireSet(idOrName);
    return currentLabelsOfSet(this.store.db, set.id).map((l) => ({ imageId: l.imageId, className: l.className, source: l.source, author: l.author, createdAt: l.createdAt }));
  }

  /** Writes many labels in one checked transaction; images already carrying the class are left alone. */
  importLabels(idOrName: string, items: { imageId: string; className: string }[], author: string, source: LabelSource = 'imported', note = ''): { written: number; unchanged: number } {
    return importLabels(this.store, idOrName, items, author, source, note);
  }
}
