import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import type { ExportFile, ExportFormat, ExportJob, ExportProgress, ReportPreview, ReportSettings } from '../../../shared/domain/reports';
import { api, unwrapResult, errorMessage } from '../api';
import { currentLocale, i18n, type Locale } from '../i18n';

/** The Reports section: which patients, which format, the running export and its history. */
export const useReportsStore = defineStore('reports', () => {
  const selected = ref<string[]>([]);
  const format = ref<ExportFormat>('pdf');
  const deidentify = ref(false);
  const includeDicom = ref(false);
  /** The report's language (PDF headings and statement, FHIR text, CSV headers); null: the user's interface language. */
  const language = ref<Locale | null>(null);
  /** Studies chosen for a one-patient report; empty means all of them. */
  const studyIds = ref<string[]>([]);
  const job = ref<ExportJob | null>(null);
  const progress = ref<ExportProgress | null>(null);
  const history = ref<ExportJob[]>([]);
  const preview = ref<ReportPreview | null>(null);
  const settings = ref<ReportSettings | null>(null);
  const error = ref<string | null>(null);
  const starting = ref(false);
  /** Names of the patients in the export, by CareLens id: progress events carry only the id. */
  const names = ref(new Map<string, string>());
  /** The patient just exported, in words (looked up by the id the event carries). */
  const currentName = computed(() => {
    const id = progress.value?.current;
    return id ? (names.value.get(id) ?? null) : null;
  });
  let unsubscribe: (() => void) | null = null;

  const running = computed(() => job.value?.state === 'running');
  const percent = computed(() => {
    const p = progress.value;
    if (!p || p.total === 0) return 0;
    return Math.round((100 * p.done) / p.total);
  });

  /** Listens for progress (once); a finished job is fetched again for its files. */
  function listen() {
    if (unsubscribe) return;
    unsubscribe = api().on('reports:progress', (p) => {
      if (!job.value || p.jobId !== job.value.id) return;
      progress.value = p;
      if (p.state !== 'running') void refreshJob();
    });
  }

  function stopListening() {
    unsubscribe?.();
    unsubscribe = null;
  }

  async function refreshJob() {
    if (!job.value) return;
    try {
      job.value = unwrapResult(await api().reports.job({ jobId: job.value.id }));
      if (job.value.state !== 'running') await loadHistory();
    } catch (err) {
      error.value = (err as Error).message;
    }
  }

  async function loadHistory() {
    try {
      history.value = unwrapResult(await api().reports.jobs({ limit: 10 }));
    } catch (err) {
      error.value = (err as Error).message;
    }
  }

  async function loadPreview(patient: string | null) {
    preview.value = null;
    studyIds.value = [];
    if (!patient) return;
    try {
      preview.value = unwrapResult(await api().reports.preview({ patient }));
    } catch (err) {
      error.value = (err as Error).message;
    }
  }

  async function start() {
    error.value = null;
    if (selected.value.length === 0) {
      error.value = i18n.global.t('reports.chooseOne');
      return;
    }
    starting.value = true;
    listen();
    try {
      const started = unwrapResult(
        await api().reports.export({
          patients: [...selected.value],
          format: format.value,
          deidentify: deidentify.value,
          includeDicom: includeDicom.value,
          language: language.value ?? currentLocale(),
          ...(selected.value.length === 1 && studyIds.value.length > 0 ? { studyIds: [...studyIds.value] } : {}),
        }),
      );
      job.value = started;
      void loadNames(selected.value);
      progress.value = { jobId: started.id, state: 'running', done: started.done, total: started.total, current: null };
      // The job may have finished before we listened for its events.
      await refreshJob();
      if (job.value?.state !== 'running') progress.value = { jobId: started.id, state: job.value!.state, done: job.value!.done, total: job.value!.total, current: null };
    } catch (err) {
      error.value = errorMessage(err);
    } finally {
      starting.value = false;
    }
  }

  async function loadNames(ids: string[]) {
    try {
      const found = new Map<string, string>();
      for (let i = 0; i < ids.length; i += 200) {
        for (const s of unwrapResult(await api().patients.summaries({ ids: ids.slice(i, i + 200) }))) found.set(s.patient.id, s.patient.name);
      }
      names.value = found;
    } catch {
      // The bar then shows counts only.
    }
  }

  async function cancel() {
    if (!job.value) return;
    try {
      unwrapResult(await api().reports.cancel({ jobId: job.value.id }));
    } catch (err) {
      error.value = (err as Error).message;
    }
  }

  /** Saves one output file through the browser's download (Electron shows a save dialog). */
  async function save(jobId: string, file: ExportFile) {
    try {
      const got = unwrapResult(await api().reports.file({ jobId, fileName: file.fileName }));
      const bytes = Uint8Array.from(atob(got.base64), (c) => c.charCodeAt(0));
      const url = URL.createObjectURL(new Blob([bytes], { type: got.mime }));
      const a = document.createElement('a');
      a.href = url;
      a.download = got.fileName;
      document.body.appendChild(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 30_000);
    } catch (err) {
      error.value = (err as Error).message;
    }
  }

  async function loadSettings() {
    try {
      settings.value = unwrapResult(await api().reports.settings({}));
    } catch (err) {
      error.value = (err as Error).message;
    }
  }

  /** Saves the clinic name and logo; throws ApiError for the form. */
  async function saveSettings(changes: { clinicName?: string; clinicLogo?: string | null }) {
    settings.value = unwrapResult(await api().reports.setSettings(changes));
  }

  return {
    currentName,
    selected,
    format,
    deidentify,
    includeDicom,
    language,
    studyIds,
    job,
    progress,
    history,
    preview,
    settings,
    error,
    starting,
    running,
    percent,
    listen,
    stopListening,
    refreshJob,
    loadHistory,
    loadPreview,
    start,
    cancel,
    save,
    loadSettings,
    saveSettings,
  };
});
