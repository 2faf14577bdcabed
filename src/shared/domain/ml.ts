/** Machine-learning domain types shared by the main process, the renderer and the CLI. */

import type { InputPreprocessing, ValidationCarve } from './mlInput';

export const ARCHITECTURES = ['default', 'seed-cnn'] as const;
export type Architecture = (typeof ARCHITECTURES)[number];
/** A version's architecture: one CareLens builds, or 'imported' (a plain TF.js LayersModel from elsewhere: its layers are its own and never built here). */
export type ModelArchitecture = Architecture | 'imported';
export type SplitMode = 'patient' | 'predefined';
export type SplitName = 'train' | 'val' | 'test';

export interface HyperParameters {
  epochs: number;
  batchSize: number;
  learningRate: number;
  optimizer: 'sgd' | 'adam';
  momentum?: number;
  inputSize: number;
  channels: number;
  /**
   * Training-time augmentation: random left-right flips, and random shifts of up to
   * `maxShift` pixels per axis (zero fill). `maxShift` is absent on versions saved before it
   * was recorded; those shifted 2 px exactly when they were `default` with flips on.
   */
  augment: { horizontalFlip: boolean; maxShift?: number };
  earlyStoppingPatience: number;
  seed: number;
  /** Input size and channels from the data, resizing and normalisation (mlInput.ts); absent on versions saved before: they stretched. */
  input?: InputPreprocessing;
}

/** The largest training shift (pixels per axis) of a version, recorded or, before it was, implied. */
export function trainingShift(arch: ModelArchitecture, augment: HyperParameters['augment']): number {
  return augment.maxShift ?? (arch === 'default' && augment.horizontalFlip ? 2 : 0);
}

export interface ClassMetrics {
  className: string;
  precision: number;
  recall: number;
  f1: number;
  support: number;
}

export interface ReliabilityBin {
  lower: number;
  upper: number;
  count: number;
  confidence: number;
  accuracy: number;
}

/** One point of a ROC curve: at scores >= threshold, the false and true positive rates. */
export interface RocPoint {
  fpr: number;
  tpr: number;
  threshold: number;
}

/** A class's one-vs-rest ROC curve on a split (the positive class's probability as the score). */
export interface RocCurve {
  className: string;
  auc: number | null;
  /** From (0, 0) to (1, 1); thinned to at most ROC_MAX_POINTS by dropping collinear and near points. */
  points: RocPoint[];
}

export interface SplitMetrics {
  n: number;
  accuracy: number;
  perClass: ClassMetrics[];
  /** rows: true class, columns: predicted class, in class order. */
  confusion: number[][];
  /** One-vs-rest macro average for more than two classes; null when a class is missing. */
  rocAuc: number | null;
  /** After temperature scaling fitted on validation. */
  ece: number;
  eceBeforeScaling: number;
  reliability: ReliabilityBin[];
  /** ROC curves: the positive class's for two classes, one per class (one-vs-rest) for more. Absent on versions trained before curves were stored. */
  roc?: RocCurve[];
}

export interface SubgroupMetrics {
  attribute: 'sex' | 'ageBand' | 'modality' | 'manufacturer';
  value: string;
  n: number;
  accuracy: number;
  rocAuc: number | null;
  ece: number;
  /** Accuracy minus the whole test split's accuracy. */
  gap: number;
  /** Set when the gap or the group size deserves a look. */
  flag: string | null;
  /** The flag's parts as keys (`ml.card.<key>`); absent on versions trained before them. */
  flagNotes?: MlMessage[];
}

export interface ModelMetrics {
  test: SplitMetrics;
  temperature: number;
  subgroups: SubgroupMetrics[];
  /** Attributes the test images do not carry (so no subgroup can be shown). */
  missingAttributes: string[];
  history: EpochRecord[];
  bestEpoch: number;
}

export interface EpochRecord {
  epoch: number;
  loss: number;
  acc: number;
  valLoss: number;
  valAcc: number;
  imagesPerSecond: number;
  seconds: number;
}

export interface SplitSummary {
  mode: SplitMode;
  seed: number;
  counts: Record<SplitName, number>;
  /** images per class per split */
  classCounts: Record<SplitName, Record<string, number>>;
  subjects: Record<SplitName, number>;
  /** Validation carved from train (predefined split without validation images); absent otherwise. */
  valFromTrain?: ValidationCarve;
}

export interface ModelVersion {
  id: string;
  version: number;
  labelSetId: string;
  labelSetName: string;
  architecture: ModelArchitecture;
  classes: string[];
  hyperParameters: HyperParameters;
  split: SplitSummary;
  backend: string;
  durationSeconds: number;
  createdAt: string;
  createdBy: string;
  active: boolean;
  status: 'complete' | 'cancelled';
  metrics: ModelMetrics;
  /** What the version was trained on, from its training images; null for versions saved before it was recorded. */
  intendedUse: IntendedUse | null;
  /** How its out-of-distribution score works and its threshold; null for versions saved before OOD scoring. */
  ood: OodCalibration | null;
  /** Where it came from when not trained here from scratch: imported from a package, fine-tuned from another model (modelPackage.ts, fineTune.ts); absent or null otherwise. */
  provenance?: ModelProvenance | null;
}

/**
 * What a model version is for, computed from its training images when it was trained.
 * Lists hold the distinct values seen (sorted); an image without the fact adds nothing, and
 * `imagesWithout*` counts those images so "none recorded" is stated, not implied.
 */
export interface IntendedUse {
  /** Training images the facts were taken from. */
  images: number;
  /** DICOM Modality (CR, DX, CT, MR, US, ...) of the training images that have one. */
  modalities: string[];
  /** Training images without a modality (PNG/JPEG files carry none). */
  imagesWithoutModality: number;
  /** DICOM BodyPartExamined where known. */
  bodyParts: string[];
  imagesWithoutBodyPart: number;
  /** DICOM PhotometricInterpretation (MONOCHROME1/2, RGB, ...) where known. */
  photometric: string[];
  /** 'grey' and/or 'colour', from the decoded pixels' channel count. */
  colour: ('grey' | 'colour')[];
  /** Source formats ('dicom', 'png', 'jpeg', ...). */
  formats: string[];
  /** Smallest and largest original width and height, in pixels. */
  size: { minWidth: number; maxWidth: number; minHeight: number; maxHeight: number };
  labelSetId: string;
  labelSetName: string;
  classes: string[];
  /** Set when a clinician recorded it by hand for a model imported without a CareLens card (no training images were seen: `images` is 0). */
  declared?: { by: string; at: string; reason: string };
}

/**
 * A version's intended use in words, for its model card and report (no final full stop):
 * "Trained on 4708 images of label set "x" (a, b). Modality: none recorded (PNG). ..."
 */
export function intendedUseText(u: IntendedUse | null): string {
  if (!u) return 'not recorded: this model version was trained before CareLens recorded what a model was trained on';
  if (u.declared) return `Declared by ${u.declared.by} on ${u.declared.at.slice(0, 10)} for a model imported without a CareLens card (${u.declared.reason}). Modality: ${[u.modalities.join(', '), u.imagesWithoutModality ? 'none (PNG/JPEG)' : ''].filter(Boolean).join(' and ')}. Body part: ${u.bodyParts.join(', ') || 'any'}. Colour: ${u.colour.join(', ')}; format: ${u.formats.map((f) => f.toUpperCase()).join(', ')}. Size ${u.size.minWidth}-${u.size.maxWidth} x ${u.size.minHeight}-${u.size.maxHeight} pixels`;
  const noModality = u.formats.filter((f) => f !== 'dicom').map((f) => f.toUpperCase()).join(', ') || 'DICOM';
  const modality = [u.modalities.join(', '), u.imagesWithoutModality ? `none recorded (${noModality})` : ''].filter(Boolean).join(' and ');
  const range = (a: number, b: number) => (a === b ? `${a}` : `${a}-${b}`);
  return [
    `Trained on ${u.images} images of label set "${u.labelSetName}" (${u.classes.join(', ')})`,
    `Modality: ${modality}`,
    `Body part: ${u.bodyParts.length ? u.bodyParts.join(', ') : 'none recorded'}${u.bodyParts.length && u.imagesWithoutBodyPart ? ` (${u.imagesWithoutBodyPart} images without)` : ''}`,
    `Colour: ${u.colour.join(', ')}; format: ${u.formats.map((f) => f.toUpperCase()).join(', ')}${u.photometric.length ? `; photometric: ${u.photometric.join(', ')}` : ''}`,
    `Original size ${range(u.size.minWidth, u.size.maxWidth)} x ${range(u.size.minHeight, u.size.maxHeight)} pixels`,
    "Not for images of another modality, body part or colour: predictions on them are marked outside this model's training",
  ].join('. ');
}

/** A version's out-of-distribution score settings (statistics the score needs live with the model files). */
export interface OodCalibration {
  method: string;
  /** Scores above it are flagged; fitted on the validation split (its `percentile`-th percentile). */
  threshold: number;
  percentile: number;
  /** Validation images the threshold was fitted on. */
  validationImages: number;
  /** Share of the version's own held-out test images above the threshold (expected near 1 - percentile/100). */
  testFlaggedRate: number | null;
}

/**
 * A message for people as a key (under the renderer's `ml.` catalogue area) with parameters,
 * sent beside the English text (which the CLI and logs keep); the renderer words it in the
 * user's language. `lists` are parameters that are lists (modalities, colours), joined there.
 */
export interface MlMessage {
  key: string;
  params?: Record<string, string | number>;
  lists?: Record<string, string[]>;
}

/** Whether an image is of the kind the model was trained on (modality, body part, colour, format, size). */
export interface Applicability {
  /** False when a mismatch means the model's answer does not apply to this image. */
  inScope: boolean;
  /** Plain-language mismatches and notes, out-of-scope reasons first. */
  reasons: string[];
  /** The same reasons, one for one, as keys (`ml.applicability.<key>`); absent on rows stored before them. */
  notes?: MlMessage[];
}

/** How unlike the model's training data an image looks, from the model's own features. */
export interface OodScore {
  /** Higher means less like the training data. */
  score: number;
  threshold: number;
  /** Score above the threshold: treat the prediction as outside the model's training. */
  flagged: boolean;
  method: string;
}

export type ModelVersionSummary = Omit<ModelVersion, 'metrics'> & { testAccuracy: number; testRocAuc: number | null; testEce: number };

export interface TrainingProgress {
  runId: string;
  phase: 'loading' | 'training' | 'evaluating' | 'saving' | 'done' | 'cancelled' | 'failed';
  epoch: number;
  epochs: number;
  batch: number;
  batches: number;
  loss: number | null;
  acc: number | null;
  valLoss: number | null;
  valAcc: number | null;
  imagesPerSecond: number | null;
  etaSeconds: number | null;
  /** 'batch' events stream during an epoch, 'epoch' events close one. */
  kind: 'batch' | 'epoch' | 'status';
  message?: string;
  /** `message` as a key (`ml.progress.<key>`) for the renderer to word. */
  note?: MlMessage;
  modelVersionId?: string;
}

export interface TrainingRun {
  runId: string;
  labelSetName: string;
  architecture: Architecture;
  state: 'running' | 'done' | 'cancelled' | 'failed';
  startedAt: string;
  modelVersionId: string | null;
  error: string | null;
  history: EpochRecord[];
}

/** What one model version said about one image: calibrated probabilities and the referral flag. */
export interface Prediction {
  modelVersionId: string;
  modelVersion: number;
  classes: string[];
  probabilities: number[];
  predictedClass: string;
  /** Calibrated (temperature-scaled) probability of the predicted class. */
  confidence: number;
  threshold: number;
  uncertain: boolean;
  /** The image compared with the version's intended use; not in scope hides one-click confirmation. */
  applicability: Applicability;
  /** Out-of-distribution score; flagged hides one-click confirmation. */
  ood: OodScore;
}

export interface Diagnosis extends Prediction {
  id: string;
  imageId: string;
  /** Grad-CAM map, row-major, values 0..1. */
  heatmap: { width: number; height: number; values: number[] };
  createdAt: string;
  createdBy: string;
  /**
   * The clinician's review. Reviewing records only this; `labelId` is the label row the
   * separate "add image to label set" action wrote from it (null until then).
   */
  review: null | { decision: 'confirmed' | 'overridden'; className: string; reason: string; by: string; at: string; labelId?: number | null };
}

/**
 * Why a prediction is outside its model's training — out of the version's intended use, or
 * flagged out of distribution — as plain-language reasons; an empty list when it is neither.
 * Such output is not for clinical use: it cannot be confirmed with one click, nor go to the
 * problem list or a label set (the server checks; the UI hides the controls).
 */
export function outsideTraining(p: Pick<Prediction, 'applicability' | 'ood'>): string[] {
  const reasons: string[] = [];
  if (!p.applicability.inScope) reasons.push(...(p.applicability.reasons.length ? p.applicability.reasons : ['The image is not of the kind this model was trained on.']));
  if (p.ood.flagged) reasons.push(`The image looks unlike the model's training images (out-of-distribution score ${p.ood.score.toFixed(2)} above ${p.ood.threshold.toFixed(2)}, ${p.ood.method}).`);
  return reasons;
}

/** The heading shown over output outside its model's training. */
export const OUTSIDE_TRAINING = "Outside this model's training — not for clinical use";

/** One class's test recall against the clinic's minimum. */
export interface ClassRecallCheck {
  className: string;
  recall: number;
  /** Test images of the class. */
  support: number;
  belowMinimum: boolean;
}

/** What activating a version means, for the confirmation: its test metrics and per-class recall against the clinic's minimum. */
export interface ActivationCheck {
  modelVersionId: string;
  version: number;
  labelSetName: string;
  active: boolean;
  /** The clinic's minimum recall for every class (an admin sets it; 0.8 by default). */
  minClassRecall: number;
  test: { n: number; accuracy: number; rocAuc: number | null; ece: number };
  perClass: ClassRecallCheck[];
  /** Some class is below the minimum: activation needs a written reason. */
  reasonRequired: boolean;
}

/** Exactly the label row "add image to label set" would write from a reviewed diagnosis. */
export interface LabelFromDiagnosis {
  diagnosisId: string;
  imageId: string;
  labelSetId: string;
  labelSetName: string;
  /** The classes of the chosen set (to choose from). */
  classes: string[];
  className: string;
  source: 'review' | 'override';
  author: string;
  note: string;
}

/** Subgroup attributes in a clinician's words (the metrics keep the keys for systems). */
export const SUBGROUP_ATTRIBUTE_WORDS: Record<SubgroupMetrics['attribute'], string> = {
  sex: 'Sex',
  ageBand: 'Age group',
  modality: 'Modality',
  manufacturer: 'Scanner maker',
};

/** One attribute key in words; an unknown key is returned as it is. */
export function subgroupAttributeWords(attribute: string): string {
  return (SUBGROUP_ATTRIBUTE_WORDS as Record<string, string>)[attribute] ?? attribute;
}

/** A version imported from a model package or a plain TF.js LayersModel (`carelens models import`). */
export interface ImportedFrom {
  /** 'carelens': a CareLens package with its card; 'none': a plain LayersModel, intended use unknown. */
  card: 'carelens' | 'none';
  at: string;
  by: string;
  /** SHA-256 of the package's manifest.json (it holds every file's hash); of model.json for a plain LayersModel. */
  packageSha256: string;
  /** The package format version and the CareLens version that wrote it (null for a plain LayersModel). */
  packageFormat: number | null;
  carelensVersion: string | null;
  /** The version in the CareLens it was exported from: its id, number, label set, who trained it and when. */
  source: { versionId: string; version: number; labelSetName: string; createdAt: string; createdBy: string; exportedAt: string; exportedBy: string } | null;
  /** Changes made to the files on import, in words (e.g. a softmax output turned into logits). */
  changes: string[];
}

/** The model a fine-tuned version started from (`carelens train --from`). */
export interface StartedFrom {
  versionId: string;
  version: number;
  /** SHA-256 of the package's manifest.json when it started from a package folder; null for a version of this data folder. */
  packageSha256: string | null;
  architecture: ModelArchitecture;
  classes: string[];
  labelSetName: string;
  /** Training images of the source (from its intended use), null when not recorded. */
  trainingImages: number | null;
  /** The classifier head (last dense layer) was replaced by a fresh one because the classes differ. */
  headReplaced: boolean;
  /** Epochs during which only the head was trained (backbone frozen, batch norm in inference mode). */
  freezeEpochs: number;
}

export interface ModelProvenance {
  imported?: ImportedFrom;
  startedFrom?: StartedFrom;
}

/** Applicability of a model whose intended use nobody has recorded (a plain LayersModel imported without a CareLens card). */
export const NO_CARD_REASON = 'No CareLens card: intended use unknown. This model was imported without a record of what it was trained on; a clinician must record its intended use before its output can be used.';
