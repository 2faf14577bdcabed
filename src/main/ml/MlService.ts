import type { Core } from '../core/Core';
import type { BackendInfo } from '../../shared/ipc/system';
import type { DisplayImage, ExportedPackage, FilePrediction, ImportedPackage } from '../../shared/ipc/ml';
import { declareIntendedUse, exportPackage, importPackage, type DeclaredUse, type ImportOptions } from './modelPackage';
import type { ActivationCheck, Diagnosis, LabelFromDiagnosis, ModelVersion, ModelVersionSummary, TrainingRun } from '../../shared/domain/ml';
import { Diagnoses, type DiagnosisTarget } from './Diagnoses';
import { addToLabelSet, labelPreview } from './findingToLabelSet';
import { ImageUncertainty } from './ImageUncertainty';
import { ModelVersions } from './ModelVersions';
import { Predictor } from './Predictor';
import type { BackendPreference } from './protocol';
import { minClassRecall, referThreshold, setMinClassRecall, setReferThreshold } from './thresholds';
import { TrainingRuns } from './TrainingRuns';
import { proposeForLabelSet, type TrainOptions } from './trainingPlan';
import type { Architecture } from '../../shared/domain/ml';
import type { InputProposal } from '../../shared/domain/mlInput';

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

  /** The input size and channels proposed from a label set's images, with the reason (training uses it unless told otherwise). */
  inputProposal(input: { labelSet: string; architecture?: Architecture }): InputProposal {
    return proposeForLabelSet(this.core, input);
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

  /** Makes a version the active one; below the clinic's minimum recall for any class, only with a written reason. */
  activate(id: string, reason?: string): ModelVersionSummary {
    const summary = this.registry.activate(id, reason);
    this.unsure.clear();
    return summary;
  }

  /** Writes a version as a model package into a new or empty folder (modelPackage.ts). */
  exportModel(id: string, outDir: string, who: string): ExportedPackage {
    return exportPackage(this.core, this.registry, id, outDir, who);
  }

  /** Imports a model package (every hash checked) or a plain TF.js LayersModel as an inactive version. */
  importModel(input: ImportOptions, who: string): ImportedPackage {
    return importPackage(this.core, this.registry, input, who);
  }

  /** Records, once, the intended use of a model imported without a CareLens card. */
  declareIntendedUse(input: DeclaredUse, who: string): ModelVersion {
    return declareIntendedUse(this.core, this.registry, input, who);
  }

  /** A version's test metrics and per-class recall against the clinic's minimum, for the activation confirmation. */
  activationCheck(id: string): ActivationCheck {
    return this.registry.activationCheck(id);
  }

  /** The clinic's minimum per-class recall for activation without a reason. */
  minRecall(): { minClassRecall: number } {
    return minClassRecall(this.core.settings);
  }

  /** Sets the clinic's minimum per-class recall for activation. */
  setMinRecall(value: number): { minClassRecall: number } {
    return setMinClassRecall(this.core.settings, value);
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

  /** Confirms or overrides a diagnosis; records the review and nothing else. */
  review(input: { diagnosisId: string; decision: 'confirm' | 'override'; className?: string; reason: string }, who: string): Diagnosis {
    return this.diagnosis.review(input, who);
  }

  /** The image as the diagnosis view shows it: 8-bit grey, at most `maxSize` on its long side. */
  displayImage(imageId: string, maxSize = 512): Promise<DisplayImage> {
    return this.diagnosis.displayImage(imageId, maxSize);
  }

  /** Exactly the label row adding a reviewed diagnosis's image to a label set would write. */
  labelPreview(input: { diagnosisId: string; labelSet?: string; className?: string }, who: string): LabelFromDiagnosis {
    return labelPreview(this.core.db, input, who);
  }

  /** Adds a reviewed diagnosis's image to a label set (one label row naming the diagnosis). */
  addToLabelSet(input: { diagnosisId: string; labelSet: string; className: string }, who: string): LabelFromDiagnosis & { labelId: number } {
    return addToLabelSet(this.core, input, who);
  }

  /** The active model on a file outside the store (the CLI's `predict <file>`); nothing is stored. */
  predictFile(file: string, actor: string): Promise<FilePrediction> {
    return this.diagnosis.predictFile(file, actor);
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
