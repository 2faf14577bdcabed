import { z } from 'zod';
import { channel } from './define';
import type { Calibration, ImageMeasurements, Measurement } from '../domain/measurements';

const id = z.string().min(1).max(64);
const frame = z.number().int().min(0).max(100_000);
const coordinate = z.number().finite().min(-1_000_000).max(1_000_000);
const point = z.tuple([coordinate, coordinate]);

export const measurementsChannels = {
  'measurements:add': channel<Measurement>()({
    input: z
      .object({
        imageId: id,
        frame: frame.optional(),
        kind: z.enum(['probe', 'length', 'angle', 'rectangle', 'ellipse']),
        points: z.array(point).min(1).max(3),
      })
      .strict(),
    access: 'clinician',
    audit: 'change',
    doc: 'Measures on one frame (points in image pixel coordinates); the main process computes every value from the pixels and the header and stores it.',
  }),
  'measurements:list': channel<Measurement[]>()({
    input: z.object({ imageId: id, frame: frame.optional() }).strict(),
    access: 'clinician',
    audit: 'read',
    doc: "An image's measurements (one frame, or all frames when frame is absent), oldest first.",
  }),
  'measurements:listMany': channel<ImageMeasurements[]>()({
    input: z.object({ imageIds: z.array(id).min(1).max(2000) }).strict(),
    access: 'clinician',
    audit: 'read',
    doc: "The measurements of several images (a viewer's whole stack) in one call: each image's, every frame, oldest first. Unknown ids are refused.",
  }),
  'measurements:remove': channel<{ removed: true; imageId: string }>()({
    input: z.object({ id }).strict(),
    access: 'clinician',
    audit: 'change',
    doc: 'Removes a measurement (kept in the database as removed, with who removed it and when).',
  }),
  'measurements:calibration': channel<Calibration>()({
    input: z.object({ imageId: id }).strict(),
    access: 'clinician',
    audit: 'none',
    doc: "An image's pixel spacing in mm (Pixel Spacing, else Imager Pixel Spacing) or null when uncalibrated.",
  }),
} as const;
