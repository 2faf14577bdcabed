import { z } from 'zod';
import { channel, event } from './define';
import { ARCHITECTURES, type Diagnosis, type ModelVersion, type Prediction, type ModelVersionSummary, type TrainingProgress, type TrainingRun } from '../domain/ml';

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
        /** Make the new version the active one when it finishes (the first version always is). */
        activate: z.boolean().optional(),
        /** Answer when training has finished instead of when it has started. */
        wait: z.boolean().optional(),
      })
      .strict(),
    access: 'clinician',
    audit: 'ml',
    doc: 'Trains a model on a label set in the ml worker; progress streams as ml:progress.',
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
    input: z.object({ id }).strict(),
    access: 'clinician',
    audit: 'ml',
    doc: 'Makes a model version the one diagnoses use.',
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
    doc: 'Confirms or overrides a diagnosis; the decision becomes a label (source model or override).',
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
  'ml:testImages': channel<{ imageId: string; className: string }[]>()({
    input: z.object({ modelVersionId: id.optional(), limit: z.number().int().min(1).max(500).optional() }).strict(),
    access: 'clinician',
    audit: 'read',
    doc: "Held-out test images of a model version (the active one by default), to try diagnosis on.",
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
