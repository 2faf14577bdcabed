/**
 * Everything decided before a training run starts: the label set, the hyper-parameters, the
 * labelled images and their split. Refuses (with what to do) when the set cannot train a model.
 */
import type { Core } from '../core/Core';
import { AppError } from '../../shared/ipc/envelope';
import type { Architecture, HyperParameters, SplitMode, SplitName, SplitSummary } from '../../shared/domain/ml';
import type { LabelSetRef } from '../labels/ports';
import { locateStored } from '../imaging/store';
import { storeKeysOf } from '../imaging/storeKeys';
import { labelledImages, requireLabelSet, type LabelledImage } from './dataset';
import { assignSplits, carveValidation, summariseSplit } from './splits';
import { defaultHyper } from './trainer';
import type { FineTuneStart } from './fineTune';
import { imagesByIds } from '../imaging/ports';
import type { Db } from '../db/types';
import type { InputProposal } from '../../shared/domain/mlInput';
import { proposeInput } from './inputProposal';

/** What the caller asks of a training run (ml:train, `carelens train`). */
export interface TrainOptions {
  labelSet: string;
  architecture?: Architecture;
  epochs?: number;
  split?: SplitMode;
  batchSize?: number;
  inputSize?: number;
  channels?: 1 | 3;
  learningRate?: number;
  seed?: number;
  patience?: number;
  wait?: boolean;
  /** Fine-tuning: start from this model version (id) or CareLens package folder (modelPackage.ts `withStartingPoint`). */
  from?: string;
  /** Fine-tuning: epochs that train only the head before the whole model (default 2 when the head is replaced, else 0). */
  freezeEpochs?: number;
}

/** A run decided and checked, ready for the worker. */
export interface TrainingPlan {
  set: LabelSetRef;
  arch: Architecture;
  hyper: HyperParameters;
  images: LabelledImage[];
  splits: Map<string, SplitName>;
  summary: SplitSummary;
  /** Fine-tuning: the model it starts from and how (absent when trained from scratch). */
  start?: FineTuneStart;
}

/** The input proposed from these images' records in the imaging index (nothing is decoded). */
export function proposalFor(db: Db, images: LabelledImage[], arch: Architecture): InputProposal {
  const records = imagesByIds(db, images.map((i) => i.imageId));
  return proposeInput(
    images.flatMap((i) => {
      const r = records.get(i.imageId);
      return r ? [{ rows: r.rows, columns: r.columns, samplesPerPixel: r.samplesPerPixel, photometric: r.photometric, modality: i.modality ?? (r.modality || null), format: r.format, windowCenter: r.windowCenter, windowWidth: r.windowWidth }] : [];
    }),
    arch,
  );
}

/** What `ml:inputProposal` answers: the proposal for a label set's labelled images. */
export function proposeForLabelSet(core: Pick<Core, 'db' | 'clock'>, input: { labelSet: string; architecture?: Architecture }): InputProposal {
  const set = requireLabelSet(core.db, input.labelSet);
  return proposalFor(core.db, labelledImages(core.db, set.id, core.clock.now()), input.architecture ?? 'default');
}

/**
 * The architecture's defaults with the caller's overrides. Input size and channels: the
 * caller's when given (they win), else the proposal's; either way recorded with the proposal
 * and letterbox resizing.
 */
function hyperParameters(arch: Architecture, input: TrainOptions, proposal: InputProposal): HyperParameters {
  const chosen = input.inputSize !== undefined || input.channels !== undefined;
  return defaultHyper(arch, {
    inputSize: proposal.inputSize,
    channels: proposal.channels,
    input: { resize: 'letterbox', proposal, source: chosen ? 'chosen' : 'proposed', normalisation: 'voi-window-else-min-max' },
    ...(input.epochs !== undefined ? { epochs: input.epochs } : {}),
    ...(input.batchSize !== undefined ? { batchSize: input.batchSize } : {}),
    ...(input.inputSize !== undefined ? { inputSize: input.inputSize } : {}),
    ...(input.channels !== undefined ? { channels: input.channels } : {}),
    ...(input.learningRate !== undefined ? { learningRate: input.learningRate } : {}),
    ...(input.seed !== undefined ? { seed: input.seed } : {}),
    ...(input.patience !== undefined ? { earlyStoppingPatience: input.patience } : {}),
  });
}

/** Resolves the set, reads its labelled images and splits them; NOT_FOUND / VALIDATION when it cannot train. */
export function planTraining(core: Pick<Core, 'db' | 'clock' | 'paths'>, input: TrainOptions): TrainingPlan {
  const set = requireLabelSet(core.db, input.labelSet);
  const arch: Architecture = input.architecture ?? 'default';
  const mode: SplitMode = input.split ?? 'patient';
  const images = labelledImages(core.db, set.id, core.clock.now());
  const hyper = hyperParameters(arch, input, proposalFor(core.db, images, arch));
  const present = new Set(images.map((i) => i.className));
  if (images.length < 10 || present.size < 2) {
    throw new AppError('VALIDATION', `"${set.name}" has ${images.length} labelled image(s) in ${present.size} class(es); training needs at least 10 images in at least 2 classes.`, { key: 'errors.ml.tooFewLabelledImages', params: { name: set.name, imagesCount: images.length, size: present.size } });
  }
  const splits = assignSplits(images, mode, hyper.seed);
  // A predefined split with train and test but no validation: validation comes from train (stored, said on the card).
  const carve = mode === 'predefined' ? carveValidation(images, splits, hyper.seed) : null;
  const summary = summariseSplit(images, splits, mode, hyper.seed, carve);
  for (const s of ['train', 'val', 'test'] as const) {
    if (summary.counts[s] === 0) throw new AppError('VALIDATION', `The ${mode} split leaves no images for ${s === 'val' ? 'validation' : s}; label more images (or more patients).`, { key: 'errors.ml.splitLeavesNoImages', params: { modeKey: `errors.ml.splitMode.${mode}`, partKey: `errors.ml.splitPart.${s}` } });
  }
  const keys = storeKeysOf(core.db);
  const missing = images.filter((i) => !locateStored(core.paths.store, i.sha256, keys));
  if (missing.length) throw new AppError('NOT_FOUND', `${missing.length} labelled image file(s) are missing from the data folder's store (first: image ${missing[0]!.imageId}).`, { key: 'errors.ml.labelledFilesMissing', params: { missingCount: missing.length, imageId: missing[0]!.imageId } });
  return { set, arch, hyper, images, splits, summary };
}
