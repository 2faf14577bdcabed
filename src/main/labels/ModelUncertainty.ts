import type { Logger } from '../core/logger';
import { noModelYet, type UncertaintySource } from './uncertainty';

/** A model's uncertainty for some images, and what to tell the clinician when there is none. */
export interface UncertaintyScores {
  /** 0..1 per image the model scored. */
  values: Map<string, number>;
  /** Why the images are in import order, or null when the model scored them. */
  note: string | null;
}

/**
 * The model's uncertainty as the labelling queue and the image view use it: clamped to 0..1,
 * and never an error, because a failing model must not stop labelling.
 */
export class ModelUncertainty {
  constructor(
    private readonly logger: Logger,
    private readonly source: UncertaintySource = noModelYet,
  ) {}

  /** The scores of these images in a set; empty with a note when no model gives any or it fails. */
  async of(labelSetId: string, imageIds: string[]): Promise<UncertaintyScores> {
    if (imageIds.length === 0) return { values: new Map(), note: null };
    try {
      const raw = await this.source(labelSetId, imageIds);
      const values = new Map<string, number>();
      for (const [id, u] of raw) if (Number.isFinite(u)) values.set(id, Math.min(1, Math.max(0, u)));
      return { values, note: values.size > 0 ? null : 'No model has scored these images yet, so they are in import order.' };
    } catch (err) {
      // Fall back to import order and say so, rather than leave the clinician with no queue.
      this.logger.error('label queue: model uncertainty failed', err);
      return { values: new Map(), note: `The model's uncertainty could not be computed (${(err as Error).message ?? 'error'}), so images are in import order.` };
    }
  }
}
