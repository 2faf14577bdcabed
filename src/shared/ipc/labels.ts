import { z } from 'zod';
import { channel, event } from './define';
import type { AgreementStats, ImageLabelDetail, LabelBatchResult, LabelExport, LabelImportOption, LabelQueue, LabelSet } from '../domain/labels';
import { LABEL_FILTERS } from '../domain/labels';

// The labels feature's channels ('labels:verb'). Label-set definitions carry no patient data
// (audit 'none'); anything that reads or writes an image's label is 'read' / 'change'.

/** A label set's id, or its name (the CLI and other features may use names). */
const labelSetId = z.string().trim().min(1, 'Choose a label set').max(200);
const imageId = z.string().min(1, 'Choose an image').max(64);
const className = z.string().trim().min(1, 'Choose a class').max(64, 'A class name is at most 64 characters');
const setName = z.string().trim().min(1, 'Name is required').max(120, 'A name is at most 120 characters');
const description = z.string().max(2000, 'A description is at most 2000 characters');
const importIds = z.array(z.string().min(1).max(64)).max(200);
const note = z.string().max(1000, 'A note is at most 1000 characters');
/** The most images one grid batch may label (a grid page holds at most 120). */
export const MAX_BATCH = 1000;

export const labelsChannels = {
  'labels:sets': channel<LabelSet[]>()({
    input: z.object({}).strict(),
    access: 'clinician',
    audit: 'none',
    doc: 'Every label set with its classes and progress counts.',
  }),
  'labels:getSet': channel<LabelSet>()({
    input: z.object({ labelSetId }).strict(),
    access: 'clinician',
    audit: 'none',
    doc: 'One label set (by id or name) with its classes and progress counts.',
  }),
  'labels:createSet': channel<LabelSet>()({
    input: z
      .object({
        name: setName,
        description: description.optional(),
        classes: z.array(className).min(2, 'A label set needs at least two classes').max(50, 'At most 50 classes'),
        scope: importIds.optional(),
      })
      .strict(),
    access: 'clinician',
    audit: 'change',
    doc: 'Creates a label set with its classes; `scope` limits it to some imports.',
  }),
  'labels:updateSet': channel<LabelSet>()({
    input: z
      .object({
        labelSetId,
        name: setName.optional(),
        description: description.optional(),
        classes: z
          .array(z.object({ name: className, was: className.optional() }).strict())
          .min(2, 'A label set needs at least two classes')
          .max(50, 'At most 50 classes')
          .optional(),
        moveLabels: z.record(className, className.nullable()).optional(),
        scope: importIds.optional(),
      })
      .strict(),
    access: 'clinician',
    audit: 'change',
    doc: 'Renames or describes a set, renames/adds/removes classes (a class in use is removed only with `moveLabels`), or changes its scope.',
  }),
  'labels:imports': channel<LabelImportOption[]>()({
    input: z.object({}).strict(),
    access: 'clinician',
    audit: 'read',
    doc: 'The imports in this data folder, for choosing a label set\'s scope.',
  }),
  'labels:queue': channel<LabelQueue>()({
    input: z
      .object({
        labelSetId,
        filter: z.enum(LABEL_FILTERS).default('all'),
        limit: z.number().int().min(1).max(5000).optional(),
        offset: z.number().int().min(0).optional(),
        threshold: z.number().min(0).max(1).optional(),
      })
      .strict(),
    access: 'clinician',
    audit: 'read',
    doc: 'The images of a set passing a filter, in labelling order ("next": unlabelled, most uncertain first when a model exists).',
  }),
  'labels:image': channel<ImageLabelDetail>()({
    input: z.object({ labelSetId, imageId }).strict(),
    access: 'clinician',
    audit: 'read',
    doc: 'One image\'s label in a set: current label with who/when/source, full history, review, skip.',
  }),
  'labels:set': channel<ImageLabelDetail>()({
    input: z.object({ labelSetId, imageId, className, note: note.optional() }).strict(),
    access: 'clinician',
    audit: 'change',
    doc: 'Labels an image by hand (a new history row; nothing is overwritten).',
  }),
  'labels:setMany': channel<LabelBatchResult>()({
    input: z
      .object({
        labelSetId,
        imageIds: z.array(imageId).min(1).max(MAX_BATCH),
        className,
        note: note.optional(),
      })
      .strict(),
    access: 'clinician',
    audit: 'change',
    doc: 'Labels many images with one class by hand (the grid), in one transaction: any unknown image, or one outside the set, refuses the whole batch.',
  }),
  'labels:undoMany': channel<LabelBatchResult>()({
    input: z.object({ labelSetId, labelIds: z.array(z.number().int().min(1)).min(1).max(MAX_BATCH) }).strict(),
    access: 'clinician',
    audit: 'change',
    doc: 'Undoes a batch by the label rows it wrote; refused as a whole when any of them is no longer the latest change on its image.',
  }),
  'labels:clear': channel<ImageLabelDetail>()({
    input: z.object({ labelSetId, imageId, note: note.optional() }).strict(),
    access: 'clinician',
    audit: 'change',
    doc: 'Clears an image\'s label (a new row with no class).',
  }),
  'labels:undo': channel<ImageLabelDetail>()({
    input: z.object({ labelSetId, imageId }).strict(),
    access: 'clinician',
    audit: 'change',
    doc: 'Undoes your latest change on an image with a new row restoring the state before it.',
  }),
  'labels:skip': channel<ImageLabelDetail>()({
    input: z.object({ labelSetId, imageId, skipped: z.boolean().default(true) }).strict(),
    access: 'clinician',
    audit: 'change',
    doc: 'Sets an image aside for you ("label next" passes over it), or brings it back.',
  }),
  'labels:review': channel<ImageLabelDetail>()({
    input: z.object({ labelSetId, imageId, className: className.optional(), note: note.optional() }).strict(),
    access: 'reviewer',
    audit: 'change',
    doc: 'A second clinician confirms (no class, or the same class) or corrects (another class) an image\'s label.',
  }),
  'labels:agreement': channel<AgreementStats>()({
    input: z.object({ labelSetId }).strict(),
    access: 'clinician',
    audit: 'read',
    doc: 'Agreement between labellers and reviewers: share confirmed, Cohen\'s kappa, and the class table.',
  }),
  'labels:export': channel<LabelExport>()({
    input: z.object({ labelSetId, mode: z.enum(['current', 'history']).default('current') }).strict(),
    access: 'clinician',
    audit: 'export',
    doc: 'The set\'s labels as CSV: current labels with provenance and review, or the full history.',
  }),
};

export const labelsEvents = {
  /** A label changed (so other open views, e.g. training counts, can refresh). */
  'labels:changed': event<{ labelSetId: string; imageId: string | null }>(),
};
