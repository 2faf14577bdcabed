import type { Core } from '../core/Core';
import { actorName, type FeatureHandlers } from '../ipc/dispatch';
import { CarePlanService } from './CarePlanService';
import { RecommendationService } from './RecommendationService';

/**
 * Builds the careplans feature: its services and the handlers for its channels. A patient's
 * conditions are their problem list only; a reviewed diagnosis reaches it through the explicit
 * `careplans:addCondition` with `fromDiagnosisId`, never by itself.
 */
export function createCareplansFeature(core: Core) {
  const plans = new CarePlanService(core);
  const recommender = new RecommendationService(core, plans);
  const handlers: FeatureHandlers<'careplans'> = {
    'careplans:listPlans': (i) => plans.listPlans(i.includeRetired ?? false),
    'careplans:savePlan': (i, ctx) => plans.savePlan(i.id, i.fields, actorName(ctx)),
    'careplans:retirePlan': (i, ctx) => plans.retirePlan(i.id, i.retired, actorName(ctx)),
    'careplans:loadDemo': (_i, ctx) => plans.loadDemo(actorName(ctx)),
    'careplans:importPlans': (i, ctx) => plans.importPlans(i.csv, actorName(ctx)),
    'careplans:exportPlans': () => ({ csv: plans.exportPlans() }),
    'careplans:importAssignments': (i, ctx) => plans.importAssignments(i.csv, actorName(ctx)),
    'careplans:exportAssignments': () => ({ csv: plans.exportAssignments() }),
    'careplans:conditions': (i) => plans.conditions(i.patientId),
    'careplans:conditionFromDiagnosis': (i, ctx) => plans.conditionFromDiagnosis(i.diagnosisId, actorName(ctx)),
    'careplans:addCondition': (i, ctx) => plans.addCondition(i.patientId, i.condition, actorName(ctx), i.fromDiagnosisId),
    'careplans:removeCondition': (i, ctx) => plans.removeCondition(i.patientId, i.conditionId, actorName(ctx)),
    'careplans:recommend': (i) => recommender.recommend(i.patientId, i.mode ?? 'hybrid', i.k ?? 5),
    'careplans:decide': (i, ctx) => plans.decide(i, actorName(ctx)),
    'careplans:assignments': (i) => plans.assignments(i.patientId),
    'careplans:recordOutcome': (i) => plans.recordOutcome(i.assignmentId, i),
  };
  return { handlers, plans, recommender };
}
