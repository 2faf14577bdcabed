/** Machine-learning domain types shared by the main process, the renderer and the CLI. */

export const ARCHITECTURES = ['default', 'seed-cnn'] as const;
export type Architecture = (typeof ARCHITECTURES)[number];
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
}

/** The largest training shift (pixels per axis) of a version, recorded or, before it was, implied. */
export function trainingShift(arch: Architecture, augment: HyperParameters['augment']): number {
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
}

export interface ModelVersion {
  id: string;
  version: number;
  labelSetId: string;
  labelSetName: string;
  architecture: Architecture;
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
}

export interface Diagnosis extends Prediction {
  id: string;
  imageId: string;
  /** Grad-CAM map, row-major, values 0..1. */
  heatmap: { width: number; height: number; values: number[] };
  createdAt: string;
  createdBy: string;
  review: null | { decision: 'confirmed' | 'overridden'; className: string; reason: string; by: string; at: string };
}
