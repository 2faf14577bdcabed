/**
 * What a finished training run is worth, measured on its held-out splits: the temperature
 * fitted on validation, the test split's metrics after scaling, and the same per subgroup
 * (sex, age band, modality, manufacturer) with gaps against the whole test split flagged.
 */
import type { MlMessage, ModelMetrics, SubgroupMetrics } from '../../shared/domain/ml';
import type { LabelledImage } from './dataset';
import { fitTemperature, splitMetrics } from './metrics';
import type { TrainResult } from './trainer';

/** The version's metrics from the worker's validation and test logits (test split only). */
export function evaluateTraining(result: TrainResult, images: LabelledImage[], classes: string[]): ModelMetrics {
  const temperature = fitTemperature(result.val.logits, result.val.labels);
  const test = splitMetrics(result.test.logits, result.test.labels, classes, temperature);
  const byId = new Map(images.map((i) => [i.imageId, i]));
  const { subgroups, missingAttributes } = subgroupMetrics(result.test.ids.map((id) => byId.get(id)!), result.test.logits, result.test.labels, classes, temperature, test.accuracy);
  return { test, temperature, subgroups, missingAttributes, history: result.history, bestEpoch: result.bestEpoch };
}

const ATTRIBUTES = ['sex', 'ageBand', 'modality', 'manufacturer'] as const;
const MIN_GROUP = 20;
const GAP_FLAG = 0.05;

/** The test metrics per subgroup, with gaps against the whole test split flagged. */
export function subgroupMetrics(
  images: LabelledImage[],
  logits: number[][],
  labels: number[],
  classes: string[],
  temperature: number,
  overallAccuracy: number,
): { subgroups: SubgroupMetrics[]; missingAttributes: string[] } {
  const subgroups: SubgroupMetrics[] = [];
  const missingAttributes: string[] = [];
  for (const attr of ATTRIBUTES) {
    const groups = new Map<string, number[]>();
    images.forEach((img, i) => {
      const v = img[attr];
      if (v) groups.set(v, [...(groups.get(v) ?? []), i]);
    });
    if (groups.size === 0) {
      missingAttributes.push(attr);
      continue;
    }
    for (const [value, idx] of [...groups].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
      const m = splitMetrics(idx.map((i) => logits[i]!), idx.map((i) => labels[i]!), classes, temperature);
      const gap = m.accuracy - overallAccuracy;
      // English for the CLI and reports; the same flags as keys (ml.card.<key>) for the renderer.
      const flags: string[] = [];
      const flagNotes: MlMessage[] = [];
      if (idx.length < MIN_GROUP) {
        flags.push(`only ${idx.length} test image(s): too few to trust`);
        flagNotes.push({ key: 'flagFew', params: { n: idx.length } });
      }
      if (gap <= -GAP_FLAG) {
        flags.push(`accuracy ${Math.round(-gap * 100)} points below the whole test split`);
        flagNotes.push({ key: 'flagGap', params: { n: Math.round(-gap * 100) } });
      }
      subgroups.push({ attribute: attr, value, n: idx.length, accuracy: m.accuracy, rocAuc: m.rocAuc, ece: m.ece, gap, flag: flags.length ? flags.join('; ') : null, ...(flagNotes.length ? { flagNotes } : {}) });
    }
  }
  return { subgroups, missingAttributes };
}
