import type { Core } from '../core/Core';
import { entropyUncertainty } from '../../shared/probabilities';
import { imageFacts } from '../imaging/ports';
import { locateStored } from '../imaging/store';
import { storeKeysOf } from '../imaging/storeKeys';
import { labelSetByIdOrName } from './dataset';
import type { ModelVersions } from './ModelVersions';
import { calibrate, type Predictor } from './Predictor';

/**
 * How unsure the model is about each image, for the labels feature's "label next" ordering.
 * Values are cached per version and image: a version's answer for an image never changes.
 */
export class ImageUncertainty {
  private readonly cache = new Map<string, number>();

  constructor(
    private readonly core: Pick<Core, 'db' | 'paths'>,
    private readonly versions: ModelVersions,
    private readonly predictor: Predictor,
  ) {}

  /**
   * 0 (sure) .. 1 (uniform): the normalised entropy of the calibrated probabilities. Uses the
   * active version when it was trained on this label set (id or exact name), else the set's
   * newest version; an empty map when there is none. Images without a stored file are left out.
   */
  async of(labelSet: string, imageIds: string[]): Promise<Map<string, number>> {
    const set = labelSetByIdOrName(this.core.db, labelSet);
    const out = new Map<string, number>();
    if (!set || imageIds.length === 0) return out;
    const v = this.versions.forLabelSet(set.id);
    if (!v) return out;
    const uncached = imageIds.filter((id) => {
      const cached = this.cache.get(`${v.id}:${id}`);
      if (cached !== undefined) out.set(id, cached);
      return cached === undefined;
    });
    const sha = new Map(imageFacts(this.core.db, uncached).map((f) => [f.id, f.sha256]));
    const keys = storeKeysOf(this.core.db);
    const todo = uncached.flatMap((id) => {
      const file = sha.has(id) ? locateStored(this.core.paths.store, sha.get(id)!, keys) : null;
      return file ? [{ id, file }] : [];
    });
    const results = await this.predictor.predict(v, todo.map((t) => t.file), false, keys?.root.toString('hex') ?? null);
    results.forEach((r, k) => {
      const u = entropyUncertainty(calibrate(v, r.logits).probabilities);
      this.cache.set(`${v.id}:${todo[k]!.id}`, u);
      out.set(todo[k]!.id, u);
    });
    return out;
  }

  /** Forgets cached values (a different version may answer now). */
  clear(): void {
    this.cache.clear();
  }
}
