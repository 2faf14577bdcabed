import type { Core } from '../core/Core';
import { newId } from '../core/ids';
import { AppError } from '../../shared/ipc/envelope';
import type {
  AgreementStats,
  CurrentLabel,
  ImageLabelDetail,
  LabelExport,
  LabelFilter,
  LabelImportOption,
  LabelQueue,
  LabelSet,
  LabelSource,
  QueueItem,
} from '../../shared/domain/labels';
import {
  classNames,
  findImage,
  findSetRow,
  imageIdsInScope,
  importOptions,
  insertLabelRow,
  insertReviewRow,
  insertSetRow,
  insertSkipRow,
  insertUndoLink,
  isImageInScope,
  labelRowsOfImage,
  labelRowsOfSet,
  listSetRows,
  replaceClasses,
  replaceScope,
  reviewRowsOfSet,
  scopeOf,
  skippedBy,
  undoRowsOfSet,
  updateSetRow,
  findImages,
  type LabelRow,
  type LabelSetRow,
} from './labelRepository';
import { cohensKappa, computeImageState, computeSetState, toLabelEntry, toReviewEntry, type ImageState } from './labelState';
import { noModelYet, type UncertaintySource } from './uncertainty';

export interface LabelSetInput {
  name: string;
  description?: string;
  classes: string[];
  /** Import ids the set covers; empty or absent: every image. */
  scope?: string[];
}

export interface LabelSetChanges {
  name?: string;
  description?: string;
  /**
   * The new class list, in key order. `was` names the class an entry renames; an entry
   * without `was` keeps the class of that name or adds a new one. Classes left out are removed.
   */
  classes?: { name: string; was?: string }[];
  /** For each removed class that is some image's current label: the class to move those labels to, or null to clear them. */
  moveLabels?: Record<string, string | null>;
  scope?: string[];
}

export interface QueueOptions {
  limit?: number;
  offset?: number;
  /** For 'unsure': the uncertainty (0..1) from which an image counts as unsure. */
  threshold?: number;
}

export interface LabelServiceDeps {
  /** The model's uncertainty per image; defaults to "no model yet" (import order). */
  uncertainty?: UncertaintySource;
}

const MAX_CLASSES = 50;
export const DEFAULT_UNSURE_THRESHOLD = 0.5;

function cleanName(name: string): string {
  return name.normalize('NFC').replace(/\s+/g, ' ').trim();
}

/** CSV cell: quoted when needed; a leading = + - @ is neutralised so spreadsheets do not run it. */
function csvCell(value: string | number | null | undefined): string {
  if (value === null || value === undefined) return '';
  let s = String(value);
  if (/^[=+\-@\t\r]/.test(s)) s = "'" + s;
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/**
 * Labelling: label sets and their classes, the append-only label history of each image,
 * skips, undo, review by a second clinician with agreement (Cohen's kappa), queues with
 * filters and "label next" ordered by the model's uncertainty, and CSV export.
 */
export class LabelService {
  private uncertainty: UncertaintySource;

  constructor(
    private readonly core: Pick<Core, 'db' | 'clock' | 'logger'>,
    deps: LabelServiceDeps = {},
  ) {
    this.uncertainty = deps.uncertainty ?? noModelYet;
  }

  /** Lets the ML feature plug in the active model's uncertainty once it exists. */
  setUncertaintySource(source: UncertaintySource | null): void {
    this.uncertainty = source ?? noModelYet;
  }

  private get db() {
    return this.core.db;
  }

  private now(): string {
    return this.core.clock.now().toISOString();
  }

  // ---------------------------------------------------------------- label sets

  /** Every label set with its classes and progress counts. */
  listSets(): LabelSet[] {
    return listSetRows(this.db).map((row) => this.toLabelSet(row));
  }

  /** One label set by id or name; NOT_FOUND otherwise. */
  getSet(idOrName: string): LabelSet {
    return this.toLabelSet(this.requireSet(idOrName));
  }

  /** Creates a label set with its classes (at least two, unique names). */
  createSet(input: LabelSetInput, author: string): LabelSet {
    const name = cleanName(input.name);
    const classes = this.checkClassList(input.classes.map((c) => ({ name: c })));
    if (!name) throw new AppError('VALIDATION', 'A label set needs a name.', [{ path: 'name', message: 'Name is required' }]);
    return this.db.transaction(() => {
      this.assertNameFree(name, null);
      const row: LabelSetRow = { id: newId(), name, description: (input.description ?? '').trim(), created_at: this.now(), created_by: author };
      insertSetRow(this.db, row);
      replaceClasses(this.db, row.id, classes.map((c) => c.name));
      if (input.scope?.length) replaceScope(this.db, row.id, input.scope);
      return this.toLabelSet(row);
    })();
  }

  /**
   * Renames, describes, re-scopes or changes the classes of a set. Renaming a class in use
   * adds a history row per labelled image (the old rows keep the old name). Removing a class
   * that is some image's current label is refused unless `moveLabels` says where those go.
   */
  updateSet(idOrName: string, changes: LabelSetChanges, author: string): LabelSet {
    return this.db.transaction(() => {
      const set = this.requireSet(idOrName);
      const name = changes.name !== undefined ? cleanName(changes.name) : set.name;
      if (!name) throw new AppError('VALIDATION', 'A label set needs a name.', [{ path: 'name', message: 'Name is required' }]);
      if (name !== set.name) this.assertNameFree(name, set.id);
      const description = changes.description !== undefined ? changes.description.trim() : set.description;
      updateSetRow(this.db, set.id, name, description);
      if (changes.scope) replaceScope(this.db, set.id, changes.scope);
      if (changes.classes) this.applyClassChanges(set, changes.classes, changes.moveLabels ?? {}, author);
      else if (changes.moveLabels && Object.keys(changes.moveLabels).length > 0) {
        throw new AppError('VALIDATION', 'Moving labels only applies when classes are removed.', [{ path: 'moveLabels', message: 'No class is being removed' }]);
      }
      return this.toLabelSet({ ...set, name, description });
    })();
  }

  private applyClassChanges(set: LabelSetRow, entries: { name: string; was?: string }[], moveLabels: Record<string, string | null>, author: string): void {
    const old = classNames(this.db, set.id);
    const next = this.checkClassList(entries);
    const claimed = new Map<string, string>(); // old name -> new name
    next.forEach((e, i) => {
      const from = e.was ?? (old.includes(e.name) ? e.name : undefined);
      if (from === undefined) return;
      if (!old.includes(from)) {
        throw new AppError('VALIDATION', `"${from}" is not a class of ${set.name}, so it cannot be renamed.`, [{ path: `classes.${i}.was`, message: 'Not a class of this set' }]);
      }
      if (claimed.has(from)) throw new AppError('VALIDATION', `Class "${from}" appears twice in the new list.`, [{ path: `classes.${i}`, message: 'Used twice' }]);
      claimed.set(from, e.name);
    });
    const nextNames = next.map((e) => e.name);
    const removed = old.filter((n) => !claimed.has(n));
    for (const [from, to] of Object.entries(moveLabels)) {
      if (!removed.includes(from)) {
        throw new AppError('VALIDATION', `"${from}" is not a class being removed.`, [{ path: `moveLabels.${from}`, message: 'Not a removed class' }]);
      }
      if (to !== null && !nextNames.includes(to)) {
        throw new AppError('VALIDATION', `Labels can only move to a class of the set; "${to}" is not one.`, [{ path: `moveLabels.${from}`, message: 'Unknown class' }]);
      }
    }
    const states = this.setState(set.id);
    const byClass = new Map<string, ImageState[]>();
    for (const s of states.values()) {
      if (s.className === null) continue;
      const list = byClass.get(s.className);
      if (list) list.push(s);
      else byClass.set(s.className, [s]);
    }
    const blocked = removed.filter((n) => (byClass.get(n)?.length ?? 0) > 0 && !(n in moveLabels));
    if (blocked.length > 0) {
      const what = blocked.map((n) => `"${n}" (${byClass.get(n)!.length} image${byClass.get(n)!.length === 1 ? '' : 's'})`).join(', ');
      throw new AppError(
        'CONFLICT',
        `Class ${what} is the current label of images in ${set.name}. Choose a class to move those labels to, or clear them; nothing was changed.`,
        blocked.map((n) => ({ path: `moveLabels.${n}`, message: 'In use: choose where its labels go' })),
      );
    }
    replaceClasses(this.db, set.id, nextNames);
    const now = this.now();
    for (const [from, to] of claimed) {
      if (from === to) continue;
      for (const s of byClass.get(from) ?? []) {
        insertLabelRow(this.db, { image_id: s.imageId, label_set_id: set.id, class_name: to, source: s.top!.source, author, created_at: now, note: `class "${from}" renamed to "${to}"` });
      }
    }
    for (const from of removed) {
      const to = moveLabels[from];
      for (const s of byClass.get(from) ?? []) {
        insertLabelRow(this.db, {
          image_id: s.imageId,
          label_set_id: set.id,
          class_name: to ?? null,
          source: to ? s.top!.source : 'hand',
          author,
          created_at: now,
          note: to ? `class "${from}" removed; label moved to "${to}"` : `class "${from}" removed; label cleared`,
        });
      }
    }
  }

  /** Imports whose images a set can be scoped to. */
  importOptions(): LabelImportOption[] {
    return importOptions(this.db);
  }

  // ---------------------------------------------------------------- queues

  /**
   * The images of a set that pass a filter, in order: 'next' and 'unsure' by the model's
   * uncertainty (most unsure first) when a model gives values, everything else by import order.
   */
  async queue(idOrName: string, filter: LabelFilter, me: string, options: QueueOptions = {}): Promise<LabelQueue> {
    const set = this.requireSet(idOrName);
    const limit = options.limit ?? 200;
    const offset = options.offset ?? 0;
    const ids = imageIdsInScope(this.db, set.id);
    const states = this.setState(set.id);
    const skipped = skippedBy(this.db, set.id, me);
    const stateOf = (id: string) => states.get(id);
    const pass = (id: string): boolean => {
      const s = stateOf(id);
      const cls = s?.className ?? null;
      switch (filter) {
        case 'all':
        case 'unsure':
          return true;
        case 'unlabeled':
          return cls === null;
        case 'next':
          return cls === null && !skipped.has(id);
        case 'mine':
          return cls !== null && s!.top!.author === me;
        case 'disagreements':
          return Boolean(s?.review && s.review.verdict === 'correct');
        case 'skipped':
          return skipped.has(id);
        case 'unreviewed': {
          if (cls === null) return false;
          if (s!.review && !s!.reviewStale) return false;
          return s!.top!.author !== me;
        }
        case 'reviewed':
          return Boolean(s?.review && !s.reviewStale);
      }
    };
    let selected = ids.filter(pass);
    let ordering: LabelQueue['ordering'] = 'import';
    let modelNote: string | null = null;
    let uncertainty = new Map<string, number>();
    if (filter === 'next' || filter === 'unsure') {
      const got = await this.fetchUncertainty(set.id, selected);
      uncertainty = got.values;
      modelNote = got.note;
      if (uncertainty.size > 0) {
        ordering = 'uncertainty';
        const position = new Map(selected.map((id, i) => [id, i]));
        selected = [...selected].sort((a, b) => {
          const ua = uncertainty.get(a);
          const ub = uncertainty.get(b);
          if (ua !== undefined && ub !== undefined && ua !== ub) return ub - ua;
          if (ua !== undefined && ub === undefined) return -1;
          if (ua === undefined && ub !== undefined) return 1;
          return position.get(a)! - position.get(b)!;
        });
      }
      if (filter === 'unsure') {
        const threshold = options.threshold ?? DEFAULT_UNSURE_THRESHOLD;
        selected = selected.filter((id) => (uncertainty.get(id) ?? -1) >= threshold);
      }
    }
    const page = selected.slice(offset, offset + limit);
    if (filter !== 'next' && filter !== 'unsure' && page.length > 0) {
      const got = await this.fetchUncertainty(set.id, page);
      uncertainty = got.values;
      modelNote = got.note;
    }
    const items: QueueItem[] = page.map((id) => {
      const s = stateOf(id);
      const top = s?.top ?? null;
      return {
        imageId: id,
        className: s?.className ?? null,
        source: top?.class_name != null ? top.source : null,
        author: top?.author ?? null,
        labeledAt: top?.created_at ?? null,
        uncertainty: uncertainty.get(id) ?? null,
        skipped: skipped.has(id),
        review: s?.review ? { verdict: s.review.verdict, reviewClass: s.review.review_class, reviewer: s.review.reviewer, stale: s.reviewStale } : null,
      };
    });
    return { labelSetId: set.id, filter, items, total: selected.length, ordering, modelNote };
  }

  private async fetchUncertainty(labelSetId: string, imageIds: string[]): Promise<{ values: Map<string, number>; note: string | null }> {
    if (imageIds.length === 0) return { values: new Map(), note: null };
    try {
      const raw = await this.uncertainty(labelSetId, imageIds);
      const values = new Map<string, number>();
      for (const [id, u] of raw) if (Number.isFinite(u)) values.set(id, Math.min(1, Math.max(0, u)));
      return { values, note: values.size > 0 ? null : 'No model has scored these images yet, so they are in import order.' };
    } catch (err) {
      // A failing model must not stop labelling: fall back to import order and say so.
      this.core.logger.error('label queue: model uncertainty failed', err);
      return { values: new Map(), note: `The model's uncertainty could not be computed (${(err as Error).message ?? 'error'}), so images are in import order.` };
    }
  }

  // ---------------------------------------------------------------- one image

  /** An image's label in a set: current label with provenance, full history, review, skip. */
  async detail(idOrName: string, imageId: string, me: string): Promise<ImageLabelDetail> {
    const set = this.requireSet(idOrName);
    const image = this.requireImage(set, imageId);
    const state = this.imageState(set.id, imageId);
    const skipped = skippedBy(this.db, set.id, me).has(imageId);
    const { values } = await this.fetchUncertainty(set.id, [imageId]);
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

  /**
   * Sets an image's label (by hand unless `source` says otherwise). Setting the class the
   * same person already set is a no-op, so a repeated key press adds no history.
   */
  async setLabel(idOrName: string, imageId: string, className: string, author: string, options: { source?: LabelSource; note?: string } = {}): Promise<ImageLabelDetail> {
    const set = this.requireSet(idOrName);
    this.db.transaction(() => {
      this.requireImage(set, imageId);
      const cls = this.requireClass(set, className);
      const state = this.imageState(set.id, imageId);
      const source = options.source ?? 'hand';
      if (state.className === cls && state.top?.author === author && state.top.source === source && !options.note) return;
      insertLabelRow(this.db, { image_id: imageId, label_set_id: set.id, class_name: cls, source, author, created_at: this.now(), note: options.note ?? '' });
    })();
    return this.detail(set.id, imageId, author);
  }

  /** Clears an image's label (a new row with no class; the history keeps the old one). */
  async clearLabel(idOrName: string, imageId: string, author: string, note = ''): Promise<ImageLabelDetail> {
    const set = this.requireSet(idOrName);
    this.db.transaction(() => {
      this.requireImage(set, imageId);
      const state = this.imageState(set.id, imageId);
      if (state.className === null) throw new AppError('CONFLICT', 'This image has no label to clear.');
      insertLabelRow(this.db, { image_id: imageId, label_set_id: set.id, class_name: null, source: 'hand', author, created_at: this.now(), note });
    })();
    return this.detail(set.id, imageId, author);
  }

  /**
   * Undoes the latest change still in force on an image: a new row restores the state
   * before it (undoing again walks further back). Only its author can undo a change.
   */
  async undo(idOrName: string, imageId: string, author: string): Promise<ImageLabelDetail> {
    const set = this.requireSet(idOrName);
    this.db.transaction(() => {
      this.requireImage(set, imageId);
      const state = this.imageState(set.id, imageId);
      const top = state.top;
      if (!top) throw new AppError('CONFLICT', 'There is nothing to undo on this image.');
      if (top.author !== author) {
        throw new AppError('CONFLICT', `The latest label on this image was set by ${top.author}; only they can undo it. Set a new label instead.`);
      }
      const below: LabelRow | null = state.stack.length > 1 ? state.stack[state.stack.length - 2]! : null;
      const restored = below?.class_name ?? null;
      if (restored !== null && !classNames(this.db, set.id).includes(restored)) {
        throw new AppError('CONFLICT', `Undo would bring back "${restored}", which is no longer a class of ${set.name}. Set a label instead.`);
      }
      const id = insertLabelRow(this.db, {
        image_id: imageId,
        label_set_id: set.id,
        class_name: restored,
        source: below?.source ?? 'hand',
        author,
        created_at: this.now(),
        note: below ? `undo of #${top.id}: back to the label set by ${below.author}` : `undo of #${top.id}`,
      });
      insertUndoLink(this.db, id, top.id);
    })();
    return this.detail(set.id, imageId, author);
  }

  /** Sets an image aside for this clinician (or brings it back): "label next" passes over it. */
  async skip(idOrName: string, imageId: string, author: string, skipped = true): Promise<ImageLabelDetail> {
    const set = this.requireSet(idOrName);
    this.requireImage(set, imageId);
    insertSkipRow(this.db, set.id, imageId, author, skipped, this.now());
    return this.detail(set.id, imageId, author);
  }

  /**
   * A second clinician's review: the same class (or none given) confirms the label, another
   * class corrects it and becomes the current label. The labeller cannot review their own label.
   */
  async review(idOrName: string, imageId: string, reviewer: string, className?: string, note = ''): Promise<ImageLabelDetail> {
    const set = this.requireSet(idOrName);
    this.db.transaction(() => {
      this.requireImage(set, imageId);
      const state = this.imageState(set.id, imageId);
      const top = state.top;
      if (!top || state.className === null) throw new AppError('CONFLICT', 'This image has no label to review yet.');
      // A label standing after a review is the original label under review, not the review itself.
      const underReview =
        state.review && !state.reviewStale
          ? { id: state.review.reviewed_label_id, cls: state.review.reviewed_class, author: state.review.reviewed_author }
          : { id: top.id, cls: state.className, author: top.author };
      if (underReview.author === reviewer) {
        throw new AppError('CONFLICT', 'You set this label, so a second clinician has to review it.');
      }
      const reviewClass = className === undefined ? underReview.cls : this.requireClass(set, className);
      const verdict = reviewClass === underReview.cls ? 'confirm' : 'correct';
      const now = this.now();
      const labelId = insertLabelRow(this.db, {
        image_id: imageId,
        label_set_id: set.id,
        class_name: reviewClass,
        source: 'review',
        author: reviewer,
        created_at: now,
        note: note || (verdict === 'confirm' ? `confirmed the label by ${underReview.author}` : `corrected "${underReview.cls}" (by ${underReview.author})`),
      });
      insertReviewRow(this.db, {
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
    return this.detail(set.id, imageId, reviewer);
  }

  /**
   * Agreement between labellers and reviewers over every image with a review in force:
   * the share the review confirmed, Cohen's kappa, and the labeller-by-reviewer table.
   */
  agreement(idOrName: string): AgreementStats {
    const set = this.requireSet(idOrName);
    const states = this.setState(set.id);
    const pairs: [string, string][] = [];
    for (const s of states.values()) if (s.review) pairs.push([s.review.reviewed_class, s.review.review_class]);
    const classes = [...classNames(this.db, set.id)];
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

  // ---------------------------------------------------------------- export and other features

  /**
   * The set's labels as CSV: 'current' (one row per labelled image, with its provenance and
   * review) or 'history' (every row ever written, undo links included).
   */
  exportCsv(idOrName: string, mode: 'current' | 'history' = 'current'): LabelExport {
    const set = this.requireSet(idOrName);
    const states = this.setState(set.id);
    const lines: string[] = [];
    if (mode === 'history') {
      const rows = labelRowsOfSet(this.db, set.id);
      const images = findImages(this.db, [...new Set(rows.map((r) => r.image_id))]);
      lines.push('label_id,image_id,original_path,class_name,source,author,created_at,note,undoes,undone_by');
      for (const r of rows) {
        const s = states.get(r.image_id)!;
        lines.push(
          [r.id, r.image_id, images.get(r.image_id)?.originalPath ?? '', r.class_name, r.source, r.author, r.created_at, r.note, s.undoes.get(r.id) ?? '', s.undoneBy.get(r.id) ?? '']
            .map(csvCell)
            .join(','),
        );
      }
      return { labelSetId: set.id, rows: rows.length, csv: lines.join('\n') + '\n' };
    }
    const ids = imageIdsInScope(this.db, set.id).filter((id) => states.get(id)?.className != null);
    const images = findImages(this.db, ids);
    lines.push('image_id,original_path,patient_id,predefined_split,class_name,source,author,labeled_at,review_verdict,review_class,reviewer,reviewed_at,review_stale');
    for (const id of ids) {
      const s = states.get(id)!;
      const img = images.get(id);
      const rv = s.review;
      lines.push(
        [
          id,
          img?.originalPath ?? '',
          img?.patientId ?? '',
          img?.predefinedSplit ?? '',
          s.className,
          s.top!.source,
          s.top!.author,
          s.top!.created_at,
          rv?.verdict ?? '',
          rv?.review_class ?? '',
          rv?.reviewer ?? '',
          rv?.created_at ?? '',
          rv ? (s.reviewStale ? 'yes' : 'no') : '',
        ]
          .map(csvCell)
          .join(','),
      );
    }
    return { labelSetId: set.id, rows: ids.length, csv: lines.join('\n') + '\n' };
  }

  /** Every image's current label in a set (for training, reports): class, source, who, when. */
  currentLabels(idOrName: string): CurrentLabel[] {
    const set = this.requireSet(idOrName);
    const out: CurrentLabel[] = [];
    const states = this.setState(set.id);
    for (const s of states.values()) {
      if (s.className === null || !s.top) continue;
      out.push({ imageId: s.imageId, className: s.className, source: s.top.source, author: s.top.author, createdAt: s.top.created_at });
    }
    return out;
  }

  /**
   * Writes many labels at once (import from folders, a model's accepted labels), in one
   * transaction after checking every image and class first. Images already carrying that
   * class are left alone. Returns how many rows were written.
   */
  importLabels(idOrName: string, items: { imageId: string; className: string }[], author: string, source: LabelSource = 'imported', note = ''): { written: number; unchanged: number } {
    const set = this.requireSet(idOrName);
    const classes = classNames(this.db, set.id);
    items = items.map((item) => ({ imageId: item.imageId, className: cleanName(item.className) }));
    items.forEach((item, i) => {
      if (!classes.includes(item.className)) {
        throw new AppError('VALIDATION', `"${item.className}" is not a class of ${set.name} (classes: ${classes.join(', ')}).`, [{ path: `items.${i}.className`, message: 'Unknown class' }]);
      }
      if (!findImage(this.db, item.imageId)) throw new AppError('NOT_FOUND', `No image with id ${item.imageId}.`, [{ path: `items.${i}.imageId`, message: 'Unknown image' }]);
    });
    return this.db.transaction(() => {
      const states = this.setState(set.id);
      const now = this.now();
      let written = 0;
      for (const item of items) {
        if (states.get(item.imageId)?.className === item.className) continue;
        insertLabelRow(this.db, { image_id: item.imageId, label_set_id: set.id, class_name: item.className, source, author, created_at: now, note });
        written++;
      }
      return { written, unchanged: items.length - written };
    })();
  }

  // ---------------------------------------------------------------- helpers

  /**
   * Every image's state in a set, cached until the set gets a new label row. Undo links and
   * reviews are always written with a labels row, so the newest row id and the row count
   * (which also catches rows another feature added) identify the history's version.
   */
  private setState(labelSetId: string): Map<string, ImageState> {
    const v = this.db.prepare('SELECT MAX(id) AS last, COUNT(*) AS n FROM labels WHERE label_set_id = ?').get(labelSetId) as { last: number | null; n: number };
    const version = `${v.last ?? 0}:${v.n}`;
    const hit = this.stateCache.get(labelSetId);
    if (hit && hit.version === version) return hit.states;
    const states = computeSetState(labelRowsOfSet(this.db, labelSetId), undoRowsOfSet(this.db, labelSetId), reviewRowsOfSet(this.db, labelSetId));
    this.stateCache.set(labelSetId, { version, states });
    return states;
  }

  private readonly stateCache = new Map<string, { version: string; states: Map<string, ImageState> }>();

  private imageState(labelSetId: string, imageId: string): ImageState {
    return computeImageState(imageId, labelRowsOfImage(this.db, labelSetId, imageId), undoRowsOfSet(this.db, labelSetId, imageId), reviewRowsOfSet(this.db, labelSetId, imageId));
  }

  private requireSet(idOrName: string): LabelSetRow {
    const row = findSetRow(this.db, idOrName);
    if (!row) throw new AppError('NOT_FOUND', `No label set "${idOrName}".`, [{ path: 'labelSet', message: 'Unknown label set' }]);
    return row;
  }

  private requireImage(set: LabelSetRow, imageId: string) {
    const image = findImage(this.db, imageId);
    if (!image) throw new AppError('NOT_FOUND', `No image with id ${imageId}.`, [{ path: 'imageId', message: 'Unknown image' }]);
    if (!isImageInScope(this.db, set.id, imageId)) {
      throw new AppError('VALIDATION', `This image is not part of label set ${set.name} (it comes from an import the set does not cover).`, [
        { path: 'imageId', message: 'Not in this label set' },
      ]);
    }
    return image;
  }

  private requireClass(set: LabelSetRow, className: string): string {
    const classes = classNames(this.db, set.id);
    const cls = cleanName(className);
    if (!classes.includes(cls)) {
      throw new AppError('VALIDATION', `"${className}" is not a class of ${set.name} (classes: ${classes.join(', ')}).`, [{ path: 'className', message: 'Unknown class' }]);
    }
    return cls;
  }

  private checkClassList(entries: { name: string; was?: string }[]): { name: string; was?: string }[] {
    const out = entries.map((e) => ({ name: cleanName(e.name), ...(e.was !== undefined ? { was: cleanName(e.was) } : {}) }));
    if (out.length < 2) throw new AppError('VALIDATION', 'A label set needs at least two classes.', [{ path: 'classes', message: 'At least two classes' }]);
    if (out.length > MAX_CLASSES) throw new AppError('VALIDATION', `A label set has at most ${MAX_CLASSES} classes.`, [{ path: 'classes', message: 'Too many classes' }]);
    const seen = new Set<string>();
    out.forEach((e, i) => {
      if (!e.name) throw new AppError('VALIDATION', 'Every class needs a name.', [{ path: `classes.${i}`, message: 'Name is required' }]);
      const key = e.name.toLowerCase();
      if (seen.has(key)) throw new AppError('VALIDATION', `Class "${e.name}" is listed twice.`, [{ path: `classes.${i}`, message: 'Duplicate class' }]);
      seen.add(key);
    });
    return out;
  }

  private assertNameFree(name: string, ownId: string | null): void {
    const holder = findSetRow(this.db, name);
    if (holder && holder.id !== ownId) {
      throw new AppError('CONFLICT', `There is already a label set called ${holder.name}. Nothing was changed.`, [{ path: 'name', message: 'Name already in use' }]);
    }
  }

  private toLabelSet(row: LabelSetRow): LabelSet {
    const names = classNames(this.db, row.id);
    const states = this.setState(row.id);
    const counts = new Map<string, number>();
    let labeled = 0;
    let reviewed = 0;
    for (const s of states.values()) {
      if (s.className === null) continue;
      labeled++;
      counts.set(s.className, (counts.get(s.className) ?? 0) + 1);
      if (s.review && !s.reviewStale) reviewed++;
    }
    return {
      id: row.id,
      name: row.name,
      description: row.description,
      classes: names.map((name, idx) => ({ idx, name, count: counts.get(name) ?? 0 })),
      scope: scopeOf(this.db, row.id),
      createdAt: row.created_at,
      createdBy: row.created_by,
      images: imageIdsInScope(this.db, row.id).length,
      labeled,
      reviewed,
    };
  }
}
