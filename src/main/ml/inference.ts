/**
 * One prediction pass of a loaded model over files, as the ml worker runs it (and the ood
 * benchmark): decode with traits, logits and Grad-CAM, and the OOD score when the model has
 * statistics.
 */
import type * as TfNs from '@tensorflow/tfjs';
import { Codecs } from '../imaging/codecs';
import type { ImageTraits } from './imageTraits';
import type { ResizeMode } from '../../shared/domain/mlInput';
import { oodScores } from './oodFeatures';
import type { OodStats } from './ood';
import type { RawPrediction } from './protocol';
import { loadPixels, predictPixels } from './trainer';

type Tf = typeof TfNs;

export async function predictFiles(tf: Tf, model: TfNs.LayersModel, stats: OodStats | null, files: string[], size: number, ch: number, heatmap: boolean, storeKey: string | null = null, resizeMode: ResizeMode = 'stretch'): Promise<RawPrediction[]> {
  const traits: ImageTraits[] = [];
  // The version's own preprocessing (letterbox or, for versions saved before it, stretch): as in training.
  const pixels = await loadPixels(files, size, ch, new Codecs(), traits, storeKey, resizeMode);
  const scores = oodScores(tf, model, stats, pixels, files.length, size, ch);
  return predictPixels(tf, model, pixels, files.length, size, ch, heatmap).map((p, i) => ({ ...p, traits: traits[i]!, oodScore: scores[i]! }));
}
