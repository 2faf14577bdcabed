import type { Core } from '../core/Core';
import { actorName, type FeatureHandlers } from '../ipc/dispatch';
import { CarePlanService, type ConfirmedFindings } from './CarePlanService';
import { RecommendationService } from './RecommendationService';

export interface CareplansDeps {
  /** Confirmed diagnoses of a patient as conditions (code + words); the ML feature provides them. None by default. */
  confirmedFindings?: ConfirmedFindings;
}

/** Builds the careplans feature: its services and the handlers for its channels. */
export function createCareplansFeature(core: Core, deps: CareplansDeps = {}) {
  const plans = new CarePlanService(core, deps.confirmedFindings);
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
    'careplans:addCondition': (i, ctx) => plans.addCondition(i.patientId, i.condition, actorName(ctx)),
    'careplans:removeCondition': (i, ctx) => plans.removeCondition(i.patientId, i.conditionId, actorName(ctx)),
    'careplans:recommend': (i) => recommender.recommend(i.patientId, i.mode ?? 'hybrid', i.k ?? 5),
    'careplans:decide': (i, ctx) => plans.decide(i, actorName(ctx)),
    'careplans:assignments': (i) => plans.assignments(i.patientId),
    'careplans:recordOutcome': (i) => plans.recordOutcome(i.assignmentId, i),
  };
  return { handlers, plans, recommender };
}
