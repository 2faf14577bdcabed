import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import type { ActivationCheck, Architecture, Diagnosis, LabelFromDiagnosis, ModelVersion, ModelVersionSummary, SplitMode, TrainingProgress, TrainingRun } from '../../../shared/domain/ml';
import type { DisplayImage } from '../../../shared/ipc/ml';
import { api, unwrapResult } from '../api';

/** One point of the live chart: x counts batches since the run started. */
export interface ChartPoint {
  x: number;
  loss: number;
  valLoss: number | null;
  acc: number;
  valAcc: number | null;
  epochEnd: boolean;
}

/** Training runs, model versions and diagnoses for the Train and Diagnose views. */
export const useMlStore = defineStore('ml', () => {
  const versions = ref<ModelVersionSummary[]>([]);
  const selected = ref<ModelVersion | null>(null);
  const run = ref<TrainingRun | null>(null);
  const progress = ref<TrainingProgress | null>(null);
  const points = ref<ChartPoint[]>([]);
  const error = ref<string | null>(null);
  const threshold = ref(0.8);
  /** The clinic's minimum per-class recall for activating a model without a reason. */
  const minClassRecall = ref(0.8);
  let unsubscribe: (() => void) | null = null;

  const running = computed(() => run.value?.state === 'running');
  const active = computed(() => versions.value.find((v) => v.active) ?? null);

  function listen() {
    if (unsubscribe) return;
    unsubscribe = api().on('ml:progress', (p) => {
      if (!run.value || p.runId !== run.value.runId) return;
      // Status events (loading, done...) carry no batch counts: keep the last ones for the bar and chart.
      progress.value = p.kind === 'status' && progress.value ? { ...progress.value, phase: p.phase, message: p.message ?? progress.value.message ?? '', note: p.message ? p.note : progress.value.note } : p;
      if ((p.kind === 'batch' || p.kind === 'epoch') && p.loss !== null) {
        points.value = [...points.value, { x: (p.epoch - 1) * p.batches + p.batch, loss: p.loss, valLoss: p.kind === 'epoch' ? p.valLoss : null, acc: p.acc ?? 0, valAcc: p.kind === 'epoch' ? p.valAcc : null, epochEnd: p.kind === 'epoch' }];
      }
      if (p.phase === 'done' || p.phase === 'cancelled' || p.phase === 'failed') {
        run.value = { ...run.value, state: p.phase === 'done' ? 'done' : p.phase === 'cancelled' ? 'cancelled' : 'failed', error: p.phase === 'failed' ? (p.message ?? 'failed') : null, modelVersionId: p.modelVersionId ?? null };
        void loadVersions().then(() => (p.modelVersionId ? openVersion(p.modelVersionId) : undefined));
      }
    });
  }

  function stopListening() {
    unsubscribe?.();
    unsubscribe = null;
  }

  async function loadVersions() {
    try {
      versions.value = unwrapResult(await api().ml.versions({}));
      error.value = null;
    } catch (err) {
      error.value = (err as Error).message;
    }
  }

  async function openVersion(id: string) {
    selected.value = unwrapResult(await api().ml.version({ id }));
  }

  /** Starts a run; throws ApiError for the form to show. */
  async function train(input: { labelSet: string; architecture: Architecture; epochs: number; split: SplitMode; inputSize?: number; channels?: 1 | 3 }) {
    listen();
    points.value = [];
    progress.value = null;
    run.value = unwrapResult(await api().ml.train(input));
  }

  async function cancel() {
    if (!run.value) return;
    run.value = unwrapResult(await api().ml.cancel({ runId: run.value.runId }));
  }

  /** What activating a version means (test metrics, per-class recall against the minimum), for the confirmation. */
  async function activationCheck(id: string): Promise<ActivationCheck> {
    return unwrapResult(await api().ml.activationCheck({ id }));
  }

  /** Activates a version (a reviewer's or an admin's decision); throws ApiError (FORBIDDEN, VALIDATION on reason) for the dialog. */
  async function activate(id: string, reason?: string) {
    unwrapResult(await api().ml.activate({ id, ...(reason?.trim() ? { reason: reason.trim() } : {}) }));
    await loadVersions();
    await openVersion(id);
  }

  async function loadMinRecall() {
    minClassRecall.value = unwrapResult(await api().ml.minRecall({})).minClassRecall;
  }

  async function saveMinRecall(value: number) {
    minClassRecall.value = unwrapResult(await api().ml.setMinRecall({ minClassRecall: value })).minClassRecall;
  }

  async function loadThreshold() {
    threshold.value = unwrapResult(await api().ml.threshold({})).threshold;
  }

  async function saveThreshold(t: number) {
    threshold.value = unwrapResult(await api().ml.setThreshold({ threshold: t })).threshold;
  }

  async function diagnose(target: { imageId?: string; seriesId?: string; patientId?: string; importId?: string }): Promise<Diagnosis[]> {
    return unwrapResult(await api().ml.diagnose(target));
  }

  async function image(imageId: string): Promise<DisplayImage> {
    return unwrapResult(await api().ml.image({ imageId, maxSize: 512 }));
  }

  async function review(input: { diagnosisId: string; decision: 'confirm' | 'override'; className?: string; reason: string }): Promise<Diagnosis> {
    return unwrapResult(await api().ml.review(input));
  }

  /** Stored diagnoses of one image, newest first. */
  async function diagnosesOf(imageId: string): Promise<Diagnosis[]> {
    return unwrapResult(await api().ml.diagnoses({ imageId, limit: 20 }));
  }

  /** Exactly the label row adding a reviewed finding's image to a label set would write. */
  async function labelPreview(input: { diagnosisId: string; labelSet?: string; className?: string }): Promise<LabelFromDiagnosis> {
    return unwrapResult(await api().ml.labelPreview(input));
  }

  async function addToLabelSet(input: { diagnosisId: string; labelSet: string; className: string }): Promise<LabelFromDiagnosis & { labelId: number }> {
    return unwrapResult(await api().ml.addToLabelSet(input));
  }

  return {
    versions,
    selected,
    run,
    progress,
    points,
    error,
    threshold,
    minClassRecall,
    running,
    active,
    listen,
    stopListening,
    loadVersions,
    openVersion,
    train,
    cancel,
    activationCheck,
    activate,
    loadMinRecall,
    saveMinRecall,
    loadThreshold,
    saveThreshold,
    diagnose,
    image,
    review,
    diagnosesOf,
    labelPreview,
    addToLabelSet,
  };
});
