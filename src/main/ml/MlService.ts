import type { Core } from '../core/Core';
import type { BackendInfo } from '../../shared/ipc/system';
import type { DisplayImage, FilePrediction } from '../../shared/ipc/ml';
import type { Diagnosis, ModelVersion, ModelVersionSummary, TrainingRun } from '../../shared/domain/ml';
import { Diagnoses, type DiagnosisTarget } from './Diagnoses';
import { ImageUncertainty } from './ImageUncertainty';
import { ModelVersions } from './ModelVersions';
import { Predictor } from './Predictor';
import type { BackendPreference } from './protocol';
import { referThreshold, setReferThreshold } from './thresholds';
import { TrainingRuns } from './TrainingRuns';
import type { TrainOptions } from './trainingPlan';

export interface MlServiceOptions {
  /** Told which tfjs backend the worker chose (the status bar shows it). */
  onBackend?: (info: BackendInfo) => void;
  /** Force a backend (tests, benchmarks). */
  prefer?: BackendPreference;
}

/**
 * The ml feature's main-thread service, as its channels and the other features see it:
 * training runs, the model registry, diagnosis and review, the referral threshold and
 * uncertainty for "label next". Each job lives in its own module; this one wires them.
 */
export class MlService {
  private readonly registry: ModelVersions;
  private readonly training: TrainingRuns;
  private readonly predictor: Predictor;
  private readonly diagnosis: Diagnoses;
  private readonly unsure: ImageUncertainty;

  constructor(
    private readonly core: Core,
    options: MlServiceOptions = {},
  ) {
    this.registry = new ModelVersions(core);
    this.training = new TrainingRuns(core, this.registry, options);
    this.predictor = new Predictor((v) => this.registry.modelDir(v), options);
    this.diagnosis = new Diagnoses(core, this.registry, this.predictor);
    this.unsure = new ImageUncertainty(core, this.registry, this.predictor);
  }

  /** Starts training on a label set in a worker thread; with `wait`, answers when it has finished. */
  train(input: TrainOptions, who: string): Promise<TrainingRun> {
    return this.training.train(input, who);
  }

  /** Cancels the running training; resolves once the worker has stopped (within about a second). */
  cancel(runId: string): Promise<TrainingRun> {
    return this.training.cancel(runId);
  }

  /** This session's training runs, newest first. */
  runsList(): TrainingRun[] {
    return this.training.list();
  }

  /** Saved model versions, newest first (of one label set when given). */
  versions(labelSet?: string): ModelVersionSummary[] {
    return this.registry.list(labelSet);
  }

  /** One model version with its metrics. */
  version(id: string): ModelVersion {
    return this.registry.get(id);
  }

  /** Makes a version the active one. */
  activate(id: string): ModelVersionSummary {
    const summary = this.registry.activate(id);
    this.unsure.clear();
    return summary;
  }

  /** The referral threshold in force. */
  threshold(): { threshold: number } {
    return referThreshold(this.core.settings);
  }

  /** Sets the referral threshold. */
  setThreshold(threshold: number): { threshold: number } {
    return setReferThreshold(this.core.settings, threshold);
  }

  /** Diagnoses every image of the target with the active model and stores each result. */
  diagnose(target: DiagnosisTarget, who: string): Promise<Diagnosis[]> {
    return this.diagnosis.diagnose(target, who);
  }

  /** Stored diagnoses, newest first (of one image when given). */
  diagnoses(imageId: string | undefined, limit = 50): Diagnosis[] {
    return this.diagnosis.list(imageId, limit);
  }

  /** Confirms or overrides a diagnosis; the decision is written to the label history. */
  review(input: { diagnosisId: string; decision: 'confirm' | 'override'; className?: string; reason: string }, who: string): Diagnosis {
    return this.diagnosis.review(input, who);
  }

  /** The image as the diagnosis view shows it: 8-bit grey, at most `maxSize` on its long side. */
  displayImage(imageId: string, maxSize = 512): Promise<DisplayImage> {
    return this.diagnosis.displayImage(imageId, maxSize);
  }

  /** Held-out test images of a version (the active one by default). */
  testImages(versionId?: string, limit = 50): { imageId: string; className: string }[] {
    return this.registry.testImages(versionId, limit);
  }

  /** The active model on a file outside the store (the CLI's `predict <file>`); nothing is stored. */
  predictFile(file: string): Promise<FilePrediction> {
    return this.diagnosis.predictFile(file);
  }

  /**
   * How unsure the model is about each image, 0 (sure) .. 1 (uniform), for the labels
   * feature's "label next" ordering; an empty map when no version fits the set.
   */
  uncertainty(labelSetId: string, imageIds: string[]): Promise<Map<string, number>> {
    return this.unsure.of(labelSetId, imageIds);
  }

  /** Ends the training and prediction workers. */
  async dispose(): Promise<void> {
    await this.training.dispose();
    await this.predictor.dispose();
  }
}
