import { z } from 'zod';
import { channel, event } from './define';
import type { InputProposal } from '../domain/mlInput';
import { ARCHITECTURES, type ActivationCheck, type Diagnosis, type LabelFromDiagnosis, type ModelVersion, type Prediction, type ModelVersionSummary, type TrainingProgress, type TrainingRun } from '../domain/ml';

// The ml feature's channels ('ml:verb') and push events. Training, activating and running
// models is ML work ('ml'); model cards carry no patient data ('none'); diagnoses and their
// review read or change a patient's record.

const id = z.string().trim().min(1).max(64);
const labelSet = z.string().trim().min(1, 'Choose a label set').max(200);

export interface DisplayImage {
  width: number;
  height: number;
  /** 8-bit grey, row-major, base64. */
  gray8: string;
}

export interface FilePrediction extends Prediction {
  file: string;
}

/** What `ml:exportModel` wrote. */
export interface ExportedPackage {
  dir: string;
  modelVersionId: string;
  version: number;
  /** SHA-256 of the package's manifest.json (which holds every file's hash). */
  packageSha256: string;
  files: { path: string; sha256: string; bytes: number }[];
}

/** The version `ml:importModel` registered (inactive), with the package's hash and whether it had a CareLens card. */
export type ImportedPackage = ModelVersionSummary & { packageSha256: string; card: 'carelens' | 'none' };

export const mlChannels = {
  'ml:train': channel<TrainingRun>()({
    input: z
      .object({
        labelSet,
        architecture: z.enum(ARCHITECTURES).optional(),
        epochs: z.number().int().min(1, 'At least one epoch').max(200, 'At most 200 epochs').optional(),
        split: z.enum(['patient', 'predefined']).optional(),
        batchSize: z.number().int().min(1).max(512).optional(),
        inputSize: z.number().int().min(8, 'Input size is at least 8 pixels').max(256, 'Input size is at most 256 pixels').optional(),
        channels: z.union([z.literal(1), z.literal(3)]).optional(),
        learningRate: z.number().positive().max(1).optional(),
        seed: z.number().int().min(0).max(2 ** 31).optional(),
        patience: z.number().int().min(1).max(50).optional(),
        /** Fine-tuning: start from this model version (id) or CareLens model package folder. */
        from: z.string().trim().min(1).max(4096).optional(),
        /** Fine-tuning: epochs that train only the classifier head first. */
        freezeEpochs: z.number().int().min(0).max(200).optional(),
        /** Answer when training has finished instead of when it has started. */
        wait: z.boolean().optional(),
      })
      .strict(),
    access: 'clinician',
    audit: 'ml',
    doc: 'Trains a model on a label set in the ml worker; progress streams as ml:progress. The new version is never made active here: activation is its own decision (ml:activate).',
  }),
  'ml:inputProposal': channel<InputProposal>()({
    input: z.object({ labelSet, architecture: z.enum(ARCHITECTURES).optional() }).strict(),
    access: 'clinician',
    audit: 'none',
    doc: "The input size and channels proposed from a label set's images (sizes, colour and modality from the imaging index; nothing decoded), with the reason; ml:train uses it unless inputSize / channels are given.",
  }),
  'ml:cancel': channel<TrainingRun>()({
    input: z.object({ runId: id }).strict(),
    access: 'clinician',
    audit: 'ml',
    doc: 'Cancels a training run (within a second); nothing is saved.',
  }),
  'ml:runs': channel<TrainingRun[]>()({
    input: z.object({}).strict(),
    access: 'clinician',
    audit: 'none',
    doc: 'Training runs of this session, newest first.',
  }),
  'ml:versions': channel<ModelVersionSummary[]>()({
    input: z.object({ labelSet: labelSet.optional() }).strict(),
    access: 'clinician',
    audit: 'none',
    doc: 'Saved model versions with their headline test metrics, newest first.',
  }),
  'ml:version': channel<ModelVersion>()({
    input: z.object({ id }).strict(),
    access: 'clinician',
    audit: 'none',
    doc: 'One model version: its model card (hyper-parameters, split, test and subgroup metrics).',
  }),
  'ml:activate': channel<ModelVersionSummary>()({
    input: z.object({ id, reason: z.string().trim().max(1000, 'A reason is at most 1000 characters').optional() }).strict(),
    access: 'reviewer',
    audit: 'change',
    doc: "Makes a model version the one diagnoses use (a reviewer's or an admin's decision); a version below the clinic's minimum recall for any class needs a written reason, kept in the audit trail.",
  }),
  'ml:exportModel': channel<ExportedPackage>()({
    input: z.object({ id, outDir: z.string().trim().min(1).max(4096) }).strict(),
    access: 'clinician',
    audit: 'export',
    doc: 'Writes a model version as a package (TF.js model, model card, intended use, prediction settings, OOD statistics, manifest with SHA-256 of every file) into a new or empty folder.',
  }),
  'ml:importModel': channel<ImportedPackage>()({
    input: z
      .object({
        dir: z.string().trim().min(1).max(4096),
        labelSet: labelSet.optional(),
        classes: z.array(z.string().trim().min(1).max(64)).min(2).max(100).optional(),
        inputSize: z.number().int().min(8).max(512).optional(),
        channels: z.union([z.literal(1), z.literal(3)]).optional(),
      })
      .strict(),
    access: 'reviewer',
    audit: 'change',
    doc: 'Imports a model package (every hash and the package format checked; a tampered package is refused naming the file) or a plain TF.js LayersModel (classes, input size and channels given; intended use unknown), registered as an inactive version.',
  }),
  'ml:declareIntendedUse': channel<ModelVersion>()({
    input: z
      .object({
        id,
        modalities: z.array(z.string().trim().min(1).max(16)).max(20),
        withoutModality: z.boolean(),
        bodyParts: z.array(z.string().trim().min(1).max(64)).max(20),
        colour: z.array(z.enum(['grey', 'colour'])).min(1),
        formats: z.array(z.enum(['png', 'jpeg', 'dicom'])).min(1),
        minSize: z.number().int().min(1).max(100_000),
        maxSize: z.number().int().min(1).max(100_000),
        reason: z.string().trim().min(10).max(1000),
      })
      .strict(),
    access: 'clinician',
    audit: 'change',
    doc: 'Records, once, the intended use of a model imported without a CareLens card (what images it is for, and how the clinician knows); until then every prediction it makes is out of scope.',
  }),
  'ml:activationCheck': channel<ActivationCheck>()({
    input: z.object({ id }).strict(),
    access: 'clinician',
    audit: 'none',
    doc: "What activating a version means: its test metrics and each class's recall against the clinic's minimum, and whether a reason is needed.",
  }),
  'ml:minRecall': channel<{ minClassRecall: number }>()({
    input: z.object({}).strict(),
    access: 'clinician',
    audit: 'none',
    doc: 'The clinic\'s minimum test recall for every class of a model to be activated without a written reason.',
  }),
  'ml:setMinRecall': channel<{ minClassRecall: number }>()({
    input: z.object({ minClassRecall: z.number().min(0, 'The minimum is at least 0').max(1, 'The minimum is at most 1') }).strict(),
    access: 'admin',
    audit: 'change',
    doc: "Sets the clinic's minimum per-class recall for activation.",
  }),
  'ml:diagnose': channel<Diagnosis[]>()({
    input: z
      .object({ imageId: id.optional(), seriesId: id.optional(), patientId: id.optional(), importId: id.optional() })
      .strict()
      .refine((v) => [v.imageId, v.seriesId, v.patientId, v.importId].filter(Boolean).length === 1, 'Choose exactly one image, series, patient or import'),
    access: 'clinician',
    audit: 'ml',
    doc: 'Runs the active model on an image, a series, a patient or an import; stores each diagnosis with its heatmap.',
  }),
  'ml:diagnoses': channel<Diagnosis[]>()({
    input: z.object({ imageId: id.optional(), limit: z.number().int().min(1).max(500).optional() }).strict(),
    access: 'clinician',
    audit: 'read',
    doc: 'Stored diagnoses, newest first (of one image, or all).',
  }),
  'ml:review': channel<Diagnosis>()({
    input: z
      .object({
        diagnosisId: id,
        decision: z.enum(['confirm', 'override']),
        className: z.string().trim().min(1).max(64).optional(),
        reason: z.string().trim().max(1000, 'A reason is at most 1000 characters'),
      })
      .strict()
      .refine((v) => v.decision === 'confirm' || (v.className && v.reason.length >= 3), 'An override needs the correct class and a reason'),
    access: 'clinician',
    audit: 'change',
    doc: "Confirms or overrides a diagnosis; records the review on the diagnosis and nothing else. Output outside the model's training cannot be confirmed, only overridden with a reason.",
  }),
  'ml:labelPreview': channel<LabelFromDiagnosis>()({
    input: z.object({ diagnosisId: id, labelSet: labelSet.optional(), className: z.string().trim().min(1).max(64).optional() }).strict(),
    access: 'clinician',
    audit: 'read',
    doc: "Exactly the label row adding a reviewed diagnosis's image to a label set would write (the model's set and the reviewed class by default).",
  }),
  'ml:addToLabelSet': channel<LabelFromDiagnosis & { labelId: number }>()({
    input: z.object({ diagnosisId: id, labelSet, className: z.string().trim().min(1).max(64) }).strict(),
    access: 'clinician',
    audit: 'change',
    doc: 'Adds a reviewed diagnosis\'s image to a label set: one label row (source review or override) whose note names the diagnosis. Refused for unreviewed output and output outside the model\'s training.',
  }),
  'ml:threshold': channel<{ threshold: number }>()({
    input: z.object({}).strict(),
    access: 'clinician',
    audit: 'none',
    doc: 'The calibrated confidence under which a diagnosis is flagged "uncertain — refer for review".',
  }),
  'ml:setThreshold': channel<{ threshold: number }>()({
    input: z.object({ threshold: z.number().min(0.5, 'The threshold is at least 0.5').max(0.999, 'The threshold is below 1') }).strict(),
    access: 'clinician',
    audit: 'change',
    doc: 'Sets the referral threshold.',
  }),
  'ml:image': channel<DisplayImage>()({
    input: z.object({ imageId: id, maxSize: z.number().int().min(16).max(1024).optional() }).strict(),
    access: 'clinician',
    audit: 'read',
    doc: 'An image as 8-bit grey for the diagnosis view (windowed like the viewer).',
  }),
  'ml:predictFile': channel<FilePrediction>()({
    input: z.object({ path: z.string().min(1).max(4096) }).strict(),
    access: 'clinician',
    audit: 'ml',
    doc: 'Runs the active model on an image file that was not imported (nothing is stored).',
  }),
};

export const mlEvents = {
  'ml:progress': event<TrainingProgress>(),
};
