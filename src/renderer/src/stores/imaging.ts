import { defineStore } from 'pinia';
import { ref } from 'vue';
import type { ImageSummary, ImagingPatient, ImagingSeries, ImagingStudy, ImportFailure, ImportStatus, Thumbnail } from '../../../shared/domain/imaging';
import type { InputOf } from '../../../shared/ipc/contract';
import { api, unwrapResult } from '../api';
import { i18n } from '../i18n';

/** Images listed per series or source: SOURCE_PAGE_LIMIT of src/shared/ipc/imaging.ts, which is not imported (it would bring the zod contract into the page). */
const SOURCE_PAGE_LIMIT = 20_000;

/** What the grid shows: one series, or a patient's images without a series (PNG/JPEG). */
export type GridSource = { kind: 'series'; seriesId: string; label: string } | { kind: 'loose'; patientId: string | null; label: string };

export const useImagingStore = defineStore('imaging', () => {
  // ---------------------------------------------------------------- import
  const current = ref<ImportStatus | null>(null);
  const recent = ref<ImportStatus[]>([]);
  const failures = ref<ImportFailure[]>([]);
  const importError = ref<string | null>(null);
  let unsubscribe: (() => void) | null = null;

  /** Listens to import progress (idempotent); the view calls it on mount. */
  function listen() {
    if (unsubscribe) return;
    // Events carry counts only (no folders or errors): the folders and the error come from importStatus.
    unsubscribe = api().on('imaging:progress', (progress) => {
      if (current.value && current.value.importId === progress.importId) current.value = { ...current.value, ...progress };
      if (!current.value || progress.state !== 'running') void refreshStatus(progress.importId);
      if (progress.state !== 'running') {
        void loadReport(progress.importId);
        void loadRecent();
      }
    });
  }

  async function refreshStatus(importId: string) {
    try {
      const status = unwrapResult(await api().imaging.importStatus({ importId }));
      if (!current.value || current.value.importId === importId) current.value = status;
    } catch {
      // The next event or the recent list shows it.
    }
  }

  function stopListening() {
    unsubscribe?.();
    unsubscribe = null;
  }

  async function startImport(input: InputOf<'imaging:importStart'>) {
    importError.value = null;
    failures.value = [];
    try {
      current.value = unwrapResult(await api().imaging.importStart(input));
    } catch (err) {
      importError.value = (err as Error).message;
      throw err;
    }
  }

  async function cancelImport() {
    if (!current.value) return;
    current.value = unwrapResult(await api().imaging.importCancel({ importId: current.value.importId }));
  }

  async function loadRecent() {
    recent.value = unwrapResult(await api().imaging.imports({ limit: 10 }));
    // Pick up an import that is still running (e.g. after a reload).
    if (!current.value) {
      const running = recent.value.find((s) => s.state === 'running');
      if (running) current.value = running;
    }
  }

  async function loadReport(importId: string) {
    const report = unwrapResult(await api().imaging.importReport({ importId, limit: 2000 }));
    if (current.value?.importId === importId) current.value = report.status;
    failures.value = report.failures;
  }

  async function show(importId: string) {
    current.value = unwrapResult(await api().imaging.importStatus({ importId }));
    await loadReport(importId);
  }

  async function reportCsv(importId: string) {
    return unwrapResult(await api().imaging.importReportCsv({ importId }));
  }

  // ---------------------------------------------------------------- browse
  const patients = ref<ImagingPatient[]>([]);
  const studies = ref<ImagingStudy[]>([]);
  const series = ref<ImagingSeries[]>([]);
  const looseCount = ref(0);
  const images = ref<ImageSummary[]>([]);
  const totalImages = ref(0);
  const patient = ref<ImagingPatient | null>(null);
  const study = ref<ImagingStudy | null>(null);
  const source = ref<GridSource | null>(null);
  const browseError = ref<string | null>(null);
  const thumbs = new Map<string, string | null>();
  const thumbVersion = ref(0);

  async function loadPatients(query?: string) {
    try {
      patients.value = unwrapResult(await api().imaging.patients({ query: query || undefined }));
      browseError.value = null;
    } catch (err) {
      browseError.value = (err as Error).message;
    }
  }

  /** Whether the open patient's studies are still being fetched (so "no images" is not said too early). */
  const browseLoading = ref(false);
  // Answers for an earlier choice are dropped: one for the patient, one for the series shown.
  let patientSeq = 0;
  let sourceSeq = 0;

  /** Forgets the browsed patient at once (nothing of theirs stays on screen while another loads). */
  function clearBrowse() {
    patientSeq++;
    sourceSeq++;
    patient.value = null;
    study.value = null;
    studies.value = [];
    series.value = [];
    looseCount.value = 0;
    source.value = null;
    images.value = [];
    totalImages.value = 0;
    browseLoading.value = false;
  }

  /** Opens the patient with this CareLens id (null: the unassigned images), listed or not. */
  async function openPatient(patientId: string | null) {
    const listed = patients.value.find((p) => p.patientId === patientId);
    await selectPatient(listed ?? { patientId, mrn: '', name: patientId === null ? i18n.global.t('imaging.images.unassigned') : '', studies: 0, images: 0 });
  }

  /**
   * Shows a patient from one answer (`imaging:patientOverview`): their studies, the count of their
   * images without a series, and what the page opens at once (the only study and its only series,
   * or the images without a series when there is no study), so the viewer starts after one round trip.
   */
  async function selectPatient(p: ImagingPatient) {
    clearBrowse();
    const mine = patientSeq;
    const sourceMine = sourceSeq;
    patient.value = p;
    browseLoading.value = true;
    try {
      const overview = unwrapResult(await api().imaging.patientOverview({ patientId: p.patientId }));
      if (mine !== patientSeq) return;
      studies.value = overview.studies.map((s) => s.study);
      looseCount.value = overview.looseCount;
      const opened = overview.studies.find((s) => s.study.id === overview.openStudyId);
      if (opened) {
        study.value = opened.study;
        series.value = opened.series;
      }
      // Not over a series or study chosen meanwhile.
      if (!overview.opened || sourceMine !== sourceSeq) return;
      const shown = overview.opened;
      const only = shown.kind === 'series' ? opened?.series.find((se) => se.id === shown.seriesId) : undefined;
      source.value = shown.kind === 'series' ? { kind: 'series', seriesId: shown.seriesId, label: only ? seriesLabel(only) : '' } : { kind: 'loose', patientId: p.patientId, label: '' };
      images.value = shown.page.items;
      totalImages.value = shown.page.total;
    } finally {
      if (mine === patientSeq) browseLoading.value = false;
    }
  }

  async function selectStudy(s: ImagingStudy) {
    const mine = patientSeq;
    const sourceMine = ++sourceSeq;
    study.value = s;
    series.value = [];
    source.value = null;
    images.value = [];
    totalImages.value = 0;
    const found = unwrapResult(await api().imaging.series({ studyId: s.id }));
    if (mine !== patientSeq || sourceMine !== sourceSeq) return;
    series.value = found;
    if (series.value.length === 1) await selectSource({ kind: 'series', seriesId: series.value[0]!.id, label: seriesLabel(series.value[0]!) });
  }

  /** Loads every image of the source at once (ids and metadata are small; thumbnails come lazily). */
  async function selectSource(src: GridSource) {
    const mine = ++sourceSeq;
    source.value = src;
    images.value = [];
    totalImages.value = 0;
    const t0 = performance.now();
    const limit = SOURCE_PAGE_LIMIT;
    const input = src.kind === 'series' ? { seriesId: src.seriesId, limit } : src.patientId ? { patientId: src.patientId, noSeries: true, limit } : { unassigned: true, noSeries: true, limit };
    const page = unwrapResult(await api().imaging.images(input));
    if (mine !== sourceSeq) return performance.now() - t0;
    images.value = page.items;
    totalImages.value = page.total;
    return performance.now() - t0;
  }

  /** Thumbnails for the ids not yet fetched (the grid asks for what is visible). */
  async function fetchThumbnails(ids: string[]) {
    const missing = ids.filter((id) => !thumbs.has(id));
    for (let i = 0; i < missing.length; i += 100) {
      const part = missing.slice(i, i + 100);
      for (const id of part) thumbs.set(id, null);
      const got: Thumbnail[] = unwrapResult(await api().imaging.thumbnails({ ids: part }));
      for (const t of got) thumbs.set(t.imageId, t.dataUrl);
      thumbVersion.value++;
    }
  }

  function thumbnail(id: string): string | null {
    return thumbs.get(id) ?? null;
  }

  return {
    current,
    recent,
    failures,
    importError,
    listen,
    stopListening,
    startImport,
    cancelImport,
    loadRecent,
    loadReport,
    show,
    reportCsv,
    patients,
    studies,
    series,
    looseCount,
    images,
    totalImages,
    patient,
    study,
    source,
    browseError,
    browseLoading,
    thumbVersion,
    loadPatients,
    clearBrowse,
    openPatient,
    selectPatient,
    selectStudy,
    selectSource,
    fetchThumbnails,
    thumbnail,
  };
});

/** A series by its data (modality, number, description); "Series" in the interface language when it has none. */
export function seriesLabel(s: ImagingSeries): string {
  return [s.modality, s.seriesNumber !== null ? `#${s.seriesNumber}` : '', s.description || s.bodyPart].filter(Boolean).join(' ') || i18n.global.t('imaging.images.series');
}

/** The grid's title: a series by its label, the loose images in the interface language (worded when shown, so it follows the locale). */
export function sourceLabel(src: GridSource): string {
  return src.kind === 'loose' ? i18n.global.t('imaging.images.loose') : src.label;
}
