import type { Applicability, ModelVersion, OodScore } from '../../shared/domain/ml';
import { applicabilityNotRecorded, assessApplicability } from './applicability';
import { oodScoreOf } from './ood';
import { intendedUseUnknown } from './modelPackage';
import type { RawPrediction } from './protocol';

/** What every prediction carries beside its probabilities: is the image in the model's scope, and does it look like its training data. */
export function predictionChecks(v: ModelVersion, r: Pick<RawPrediction, 'traits' | 'oodScore'>): { applicability: Applicability; ood: OodScore } {
  return {
    // A model imported without a CareLens card has no recorded intended use: out of scope until a clinician records one (modelPackage.ts).
    applicability: v.intendedUse ? assessApplicability(v.intendedUse, r.traits) : v.provenance?.imported?.card === 'none' ? intendedUseUnknown() : applicabilityNotRecorded(v.version),
    ood: oodScoreOf(v.ood, r.oodScore),
  };
}
