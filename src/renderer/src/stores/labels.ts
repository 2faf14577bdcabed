import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import type { AgreementStats, ImageLabelDetail, LabelBatchResult, LabelFilter, LabelImportOption, LabelQueue, LabelSet, QueueItem } from '../../../shared/domain/labels';
import { api, unwrapResult, errorMessage } from '../api';
import { i18n } from '../i18n';

export type LabelMode = 'label' | 'review';
/** One image at a time, or a grid of thumbnails labelled a selection at a time. */
export type LabelLayout = 'single' | 'grid';

/** One step the clinician can take back with Z: one image's change, or a whole grid batch (by the rows it wrote). */
type UndoStep = { kind: 'label' | 'review' | 'skip'; imageId: string } | { kind: 'batch'; labelIds: number[]; imageIds: string[] };

/** How many queue rows a view loads at once: the grid pages through thousands of small images. */
const QUEUE_LIMIT: Record<LabelLayout, number> = { single: 2000, grid: 5000 };

const CACHE_LIMIT = 64;

function message(err: unknown): string {
  return errorMessage(err);
}

/**
 * The labelling session: the chosen label set, its queue under a filter, the open image with
 * its label history, and the undo steps of this session. The next image's label detail is
 * fetched ahead (its pixels by the view's second viewer) so moving on is instant.
 */
export const useLabelsStore = defineStore('labels', () => {
  const sets = ref<LabelSet[]>([]);
  const setId = ref<string | null>(null);
  const filter = ref<LabelFilter>('next');
  /** "Model unsure": an image counts as unsure from this normalised entropy (0..1) up. */
  const unsureThreshold = ref(0.5);
  const mode = ref<LabelMode>('label');
  const layout = ref<LabelLayout>('single');
  const queue = ref<LabelQueue | null>(null);
  const items = ref<QueueItem[]>([]);
  const index = ref(0);
  const detail = ref<ImageLabelDetail | null>(null);
  const agreement = ref<AgreementStats | null>(null);
  const imports = ref<LabelImportOption[]>([]);
  const error = ref<string | null>(null);
  const notice = ref<string | null>(null);
  const busy = ref(false);
  const undoSteps = ref<UndoStep[]>([]);
  /** Milliseconds from moving to an image to its pixels being on screen (the last one). */
  const lastOpenMs = ref<number | null>(null);
  /** When the open image was asked for (performance.now()), for lastOpenMs. */
  const openedAt = ref(0);

  // Key presses run one after another, so "1 2 3" typed fast labels three successive images.
  let chain: Promise<unknown> = Promise.resolve();
  function serial<A extends unknown[], T>(fn: (...args: A) => Promise<T>): (...args: A) => Promise<T> {
    return (...args: A) => {
      const run = chain.then(
        () => fn(...args),
        () => fn(...args),
      );
      chain = run.catch(() => undefined);
      return run;
    };
  }
  const details = new Map<string, Promise<ImageLabelDetail>>();

  const set = computed(() => sets.value.find((s) => s.id === setId.value) ?? null);
  const current = computed(() => items.value[index.value] ?? null);

  function remember<T>(cache: Map<string, Promise<T>>, key: string, load: () => Promise<T>): Promise<T> {
    let p = cache.get(key);
    if (!p) {
      p = load();
      cache.set(key, p);
      p.catch(() => cache.delete(key));
      if (cache.size > CACHE_LIMIT) cache.delete(cache.keys().next().value as string);
    }
    return p;
  }

  const loadDetail = (imageId: string) => remember(details, `${setId.value}|${imageId}`, async () => unwrapResult(await api().labels.image({ labelSetId: setId.value!, imageId })));

  async function loadSets() {
    try {
      sets.value = unwrapResult(await api().labels.sets({}));
      if (!sets.value.some((s) => s.id === setId.value)) setId.value = sets.value[0]?.id ?? null;
      error.value = null;
    } catch (err) {
      error.value = message(err);
    }
  }

  async function loadImports() {
    try {
      imports.value = unwrapResult(await api().labels.imports({}));
    } catch (err) {
      error.value = message(err);
    }
  }

  async function refreshAgreement() {
    if (!setId.value) return;
    try {
      agreement.value = unwrapResult(await api().labels.agreement({ labelSetId: setId.value }));
    } catch (err) {
      error.value = message(err);
    }
  }

  /** Loads the queue for the chosen set and filter, and opens its first image. */
  async function loadQueue() {
    details.clear();
    if (!setId.value) {
      queue.value = null;
      items.value = [];
      detail.value = null;
      return;
    }
    busy.value = true;
    try {
      const q = unwrapResult(
        await api().labels.queue({ labelSetId: setId.value, filter: filter.value, limit: QUEUE_LIMIT[layout.value], ...(filter.value === 'unsure' ? { threshold: unsureThreshold.value } : {}) }),
      );
      queue.value = q;
      items.value = q.items;
      index.value = 0;
      error.value = null;
      void refreshAgreement();
      await open(0);
    } catch (err) {
      error.value = message(err);
    } finally {
      busy.value = false;
    }
  }

  async function selectSet(id: string | null) {
    setId.value = id;
    undoSteps.value = [];
    await loadQueue();
  }

  async function setFilter(next: LabelFilter) {
    filter.value = next;
    await loadQueue();
  }

  /** Changes the "model unsure" threshold (clamped to 0..1) and reloads that filter's queue. */
  async function setUnsureThreshold(next: number) {
    if (!Number.isFinite(next)) return;
    unsureThreshold.value = Math.min(1, Math.max(0, next));
    if (filter.value === 'unsure') await loadQueue();
  }

  async function setMode(next: LabelMode) {
    mode.value = next;
    // Review is one image at a time: a reviewer looks at each label.
    if (next === 'review') layout.value = 'single';
    // Review works through labels not yet reviewed; labelling through what needs a label.
    filter.value = next === 'review' ? 'unreviewed' : 'next';
    await loadQueue();
  }

  /**
   * Switches between one image and the grid. Into the grid the queue is reloaded (the grid
   * holds more rows); back to one image, it opens `imageId` (the grid's cursor) when given.
   */
  async function setLayout(next: LabelLayout, imageId?: string) {
    if (next === layout.value) return;
    if (next === 'grid' && mode.value === 'review') return;
    layout.value = next;
    if (next === 'grid') return loadQueue();
    const at = imageId ? items.value.findIndex((i) => i.imageId === imageId) : -1;
    await open(at >= 0 ? at : index.value);
  }

  /** Puts a batch's rows into the queue in place (the list stays put) and forgets their cached details. */
  function applyItems(changed: QueueItem[]) {
    const byId = new Map(changed.map((i) => [i.imageId, i]));
    items.value = items.value.map((i) => byId.get(i.imageId) ?? i);
    for (const id of byId.keys()) details.delete(`${setId.value}|${id}`);
  }

  /**
   * Labels the grid's selection with one class in one call (all or nothing); the batch is one
   * undo step. Returns what the call did, or null when it was refused (the error is shown).
   */
  async function labelManyNow(imageIds: string[], className: string): Promise<LabelBatchResult | null> {
    if (!setId.value || imageIds.length === 0) return null;
    error.value = null;
    notice.value = null;
    try {
      const r = unwrapResult(await api().labels.setMany({ labelSetId: setId.value, imageIds, className }));
      applyItems(r.items);
      if (r.written.length) undoSteps.value.push({ kind: 'batch', labelIds: r.written.map((w) => w.labelId), imageIds: r.written.map((w) => w.imageId) });
      notice.value = r.written.length
        ? i18n.global.t('labelGrid.notice.labelled', { n: r.written.length, name: className }, r.written.length)
        : i18n.global.t('labelGrid.notice.unchanged', { name: className }, imageIds.length);
      void loadSets();
      return r;
    } catch (err) {
      error.value = message(err);
      return null;
    }
  }

  /**
   * Opens the image at position i of the queue. The view keeps a second image viewer loading
   * the next image out of sight, and the next label detail is fetched here, so moving on is instant.
   */
  async function open(i: number) {
    if (items.value.length === 0) {
      detail.value = null;
      return;
    }
    index.value = Math.max(0, Math.min(items.value.length - 1, i));
    const item = items.value[index.value]!;
    openedAt.value = performance.now();
    try {
      const d = await loadDetail(item.imageId);
      if (current.value?.imageId === item.imageId) detail.value = d;
    } catch (err) {
      error.value = message(err);
    }
    const next = items.value[index.value + 1];
    if (next) void loadDetail(next.imageId).catch(() => undefined);
  }

  /** The view reports when the open image's pixels are on screen. */
  function shown(imageId: string) {
    if (current.value?.imageId === imageId) lastOpenMs.value = Math.round(performance.now() - openedAt.value);
  }

  function nextNow() {
    if (index.value < items.value.length - 1) return open(index.value + 1);
    notice.value = i18n.global.t('labels.notice.end');
    return Promise.resolve();
  }

  function previousNow() {
    if (index.value > 0) return open(index.value - 1);
    return Promise.resolve();
  }

  /** Applies a changed label to the open image and its queue row (the list itself stays put). */
  function applyDetail(d: ImageLabelDetail) {
    details.set(`${d.labelSetId}|${d.image.id}`, Promise.resolve(d));
    if (detail.value?.image.id === d.image.id) detail.value = d;
    const at = items.value.findIndex((i) => i.imageId === d.image.id);
    if (at >= 0) {
      const top = d.current;
      items.value[at] = {
        ...items.value[at]!,
        className: top?.className ?? null,
        source: top?.className != null ? top.source : null,
        author: top?.author ?? null,
        labeledAt: top?.createdAt ?? null,
        skipped: d.skipped,
        review: d.review ? { verdict: d.review.verdict, reviewClass: d.review.reviewClass, reviewer: d.review.reviewer, stale: d.review.stale } : null,
      };
    }
  }

  async function act(run: () => Promise<ImageLabelDetail>, step: UndoStep | null, advance: boolean) {
    error.value = null;
    notice.value = null;
    try {
      const d = await run();
      applyDetail(d);
      if (step) undoSteps.value.push(step);
      void loadSets();
      if (mode.value === 'review' || d.review) void refreshAgreement();
      if (advance) await nextNow();
      return d;
    } catch (err) {
      error.value = message(err);
      return null;
    }
  }

  /** Labels the open image with a class by key or click, then moves on. */
  function labelNow(className: string) {
    const item = current.value;
    if (!item || !setId.value) return Promise.resolve(null);
    return act(async () => unwrapResult(await api().labels.set({ labelSetId: setId.value!, imageId: item.imageId, className })), { kind: 'label', imageId: item.imageId }, true);
  }

  /** Confirms the open image's label (no class) or corrects it (another class), then moves on. */
  function reviewNow(className?: string) {
    const item = current.value;
    if (!item || !setId.value) return Promise.resolve(null);
    return act(
      async () => unwrapResult(await api().labels.review({ labelSetId: setId.value!, imageId: item.imageId, ...(className ? { className } : {}) })),
      { kind: 'review', imageId: item.imageId },
      true,
    );
  }

  function skipNow() {
    const item = current.value;
    if (!item || !setId.value) return Promise.resolve(null);
    return act(async () => unwrapResult(await api().labels.skip({ labelSetId: setId.value!, imageId: item.imageId, skipped: true })), { kind: 'skip', imageId: item.imageId }, true);
  }

  function clearNow() {
    const item = current.value;
    if (!item || !setId.value) return Promise.resolve(null);
    return act(async () => unwrapResult(await api().labels.clear({ labelSetId: setId.value!, imageId: item.imageId })), { kind: 'label', imageId: item.imageId }, false);
  }

  /** Takes back this session's latest step (a new history row on the server), and goes to that image. */
  async function undoNow() {
    const step = undoSteps.value.pop();
    if (!step || !setId.value) {
      notice.value = i18n.global.t('labels.notice.nothingToUndo');
      return null;
    }
    const labelSetId = setId.value;
    if (step.kind === 'batch') {
      try {
        const r = unwrapResult(await api().labels.undoMany({ labelSetId, labelIds: step.labelIds }));
        applyItems(r.items);
        notice.value = i18n.global.t('labelGrid.notice.undone', { n: r.written.length }, r.written.length);
        void loadSets();
        return r;
      } catch (err) {
        undoSteps.value.push(step);
        error.value = message(err);
        return null;
      }
    }
    const d = await act(
      async () =>
        step.kind === 'skip'
          ? unwrapResult(await api().labels.skip({ labelSetId, imageId: step.imageId, skipped: false }))
          : unwrapResult(await api().labels.undo({ labelSetId, imageId: step.imageId })),
      null,
      false,
    );
    if (!d) undoSteps.value.push(step);
    const at = items.value.findIndex((i) => i.imageId === step.imageId);
    if (at >= 0 && at !== index.value) await open(at);
    if (d) notice.value = step.kind === 'skip' ? i18n.global.t('labels.notice.skipUndone') : d.current?.className ? i18n.global.t('labels.notice.undone', { name: d.current.className }) : i18n.global.t('labels.notice.undoneNone');
    return d;
  }

  async function createSet(input: { name: string; description?: string; classes: string[]; scope?: string[] }) {
    const created = unwrapResult(await api().labels.createSet(input));
    await loadSets();
    await selectSet(created.id);
    return created;
  }

  async function updateSet(input: Parameters<ReturnType<typeof api>['labels']['updateSet']>[0]) {
    const updated = unwrapResult(await api().labels.updateSet(input));
    await loadSets();
    await loadQueue();
    return updated;
  }

  return {
    sets,
    setId,
    set,
    filter,
    mode,
    layout,
    setLayout,
    queue,
    items,
    index,
    current,
    detail,
    agreement,
    imports,
    error,
    notice,
    busy,
    undoSteps,
    lastOpenMs,
    shown,
    loadSets,
    loadImports,
    loadQueue,
    selectSet,
    setFilter,
    unsureThreshold,
    setUnsureThreshold,
    setMode,
    open: serial(open),
    next: serial(nextNow),
    previous: serial(previousNow),
    label: serial(labelNow),
    review: serial(reviewNow),
    skip: serial(skipNow),
    clear: serial(clearNow),
    undo: serial(undoNow),
    labelMany: serial(labelManyNow),
    createSet,
    updateSet,
    refreshAgreement,
  };
});
