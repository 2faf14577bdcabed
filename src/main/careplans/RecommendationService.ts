import type { Core } from '../core/Core';
import { AppError } from '../../shared/ipc/envelope';
import { type AlternativePlan, type CarePlan, type ConditionRef, type PlanAssignment, type RecommendMode, type RecommendationList, type WithheldPlan, type WithheldWhy } from '../../shared/domain/careplans';
import { allergiesOfPatients, allPatientDemographics, findPatient, patientsVersion } from '../patients/ports';
import type { Patient } from '../../shared/domain/patient';
import { buildRatingMatrix, CLINIC_WORDS, fitRecommender, recommend, tfidfRows, type EngineData, type EngineOptions, type Recommender, type Triple } from './engine';
import { DEFAULT_WEIGHTS, type HybridRecommender } from './engine/hybrid';
import * as repo from './carePlanRepository';
import type { CarePlanService } from './CarePlanService';
import { allergyConflict, type AllergyRef } from './allergySafety';
import { blendOf, clinicRecord, outcomeState, reasonFor, weightsInWords, withheldInWords, type FeatureFact, type OutcomeState, type ReasonFacts } from './reasons';

/** Age bands used in profiles, plans and contraindications ('age:0-17'). */
export function ageBand(birthDate: string | null, today: Date): string {
  if (!birthDate) return 'unknown';
  const b = new Date(birthDate + 'T00:00:00Z');
  let years = today.getUTCFullYear() - b.getUTCFullYear();
  const m = today.getUTCMonth() - b.getUTCMonth();
  if (m < 0 || (m === 0 && today.getUTCDate() < b.getUTCDate())) years--;
  return years < 18 ? '0-17' : years < 65 ? '18-64' : '65+';
}

/** Condition codes compare at the category level (J18.9 is a J18) and words without case. */
export function conditionMatches(planCond: ConditionRef, has: ConditionRef): boolean {
  const a = planCond.code.toUpperCase();
  const b = has.code.toUpperCase();
  return b.startsWith(a) || a.startsWith(b) || planCond.words.trim().toLowerCase() === has.words.trim().toLowerCase();
}

const category = (code: string) => code.toUpperCase().split('.')[0]!;

/**
 * Plans held back as alternatives to a plan under way: a candidate whose conditions (those the
 * patient has) are all covered by an accepted plan with no outcome yet is an alternative to that
 * plan, not a new suggestion. A candidate that also treats a condition nothing covers stays.
 * Returns the covering plan and the covered conditions, or null when the candidate is offered.
 */
export function alternativeTo(
  plan: CarePlan,
  conditions: readonly ConditionRef[],
  underWay: readonly CarePlan[],
): { accepted: CarePlan; conditions: ConditionRef[] } | null {
  const treats = conditions.filter((c) => plan.conditions.some((pc) => conditionMatches(pc, c)));
  if (treats.length === 0) return null;
  let first: CarePlan | null = null;
  for (const c of treats) {
    const cover = underWay.find((a) => a.id !== plan.id && a.conditions.some((ac) => conditionMatches(ac, c)));
    if (!cover) return null;
    first ??= cover;
  }
  return { accepted: first!, conditions: treats };
}

/** Outcome to engine value: the grade, else improved 5 / not improved 2, else 3 (chosen, outcome not yet known). */
function outcomeValue(grade: number | null, improved: number | null): number {
  if (grade !== null) return grade;
  if (improved !== null) return improved === 1 ? 5 : 2;
  return 3;
}

interface Fitted {
  key: string;
  data: EngineData;
  patientIndex: Map<string, number>;
  plans: CarePlan[];
  models: Map<RecommendMode, Recommender>;
  outcomes: number;
  facts: ReasonFacts;
}

/** Options for the clinic: content weighs fit over popularity (a plan new to the clinic still ranks). */
const CLINIC_OPTIONS: Partial<EngineOptions> = { contentPrior: 0.5, minHistory: 1 };

/**
 * Recommends care plans: fits the engine on the clinic's patients, plans and outcomes
 * (refitted when any of them changes), scores, then applies the safety filters:
 * plans for conditions the patient does not have are never offered, contraindicated
 * plans and plans whose medication or contraindications match a recorded allergy are
 * removed with the reason shown, and while an accepted plan for a condition is under way
 * the other plans for it wait as alternatives. Reasons are worded for clinicians (`reasons.ts`).
 */
export class RecommendationService {
  private fitted: Fitted | null = null;

  constructor(
    private readonly core: Pick<Core, 'db' | 'clock'>,
    private readonly plans: CarePlanService,
  ) {}

  private patientOrThrow(idOrMrn: string): Patient {
    const p = findPatient(this.core.db, idOrMrn);
    if (!p) throw new AppError('NOT_FOUND', `No patient with id or MRN "${idOrMrn}".`, { key: 'errors.careplans.noPatientWithId', params: { idOrMrn } });
    return p;
  }

  /** The patient's conditions: the problem list, and nothing else (diagnoses reach it only when a clinician adds one). */
  private conditionsOf(patientId: string): ConditionRef[] {
    return this.plans.conditions(patientId).map((c) => ({ code: c.code, words: c.words }));
  }

  private fit(): Fitted {
    const key = `${this.plans.version}|${patientsVersion(this.core.db)}|${repo.dataVersion(this.core.db)}`;
    if (this.fitted?.key === key) return this.fitted;
    const db = this.core.db;
    const today = this.core.clock.now();
    const patients = allPatientDemographics(db);
    const patientIndex = new Map(patients.map((p, i) => [p.id, i]));
    const plans = repo.listPlans(db, false);
    const planIndex = new Map(plans.map((p, i) => [p.id, i]));

    const vocab = new Map<string, number>();
    const labels: string[] = [];
    // What each feature is, for reasons in the clinic's words.
    const features: FeatureFact[] = [];
    const fid = (token: string, label: string, fact: FeatureFact) => {
      let f = vocab.get(token);
      if (f === undefined) {
        f = vocab.size;
        vocab.set(token, f);
        labels.push(label);
        features.push(fact);
      }
      return f;
    };
    const planRows = plans.map((p) => [
      ...p.conditions.map((c) => fid(`cond:${category(c.code)}`, c.words, { kind: 'condition', value: category(c.code), words: c.words })),
      ...p.ageBands.map((b) => fid(`age:${b}`, `age ${b}`, { kind: 'age', value: b, words: b })),
      fid(`setting:${p.setting.toLowerCase()}`, `${p.setting} setting`, { kind: 'setting', value: p.setting, words: p.setting }),
      fid(`intensity:${p.intensity}`, `${p.intensity} intensity`, { kind: 'intensity', value: p.intensity, words: p.intensity }),
      ...p.medicationClasses.map((m) => fid(`med:${m.toLowerCase()}`, m, { kind: 'medication', value: m, words: m })),
    ]);
    const itemFeatures = tfidfRows(planRows, vocab.size);

    const condByPatient = new Map<string, ConditionRef[]>();
    for (const c of repo.allConditions(db)) {
      const l = condByPatient.get(c.patient_id) ?? [];
      l.push({ code: c.code, words: c.words });
      condByPatient.set(c.patient_id, l);
    }

    const profileVocab = new Map<string, number>();
    const pid = (t: string) => profileVocab.get(t) ?? (profileVocab.set(t, profileVocab.size), profileVocab.size - 1);
    const contentRows: number[][] = [];
    const profileRows: number[][] = [];
    for (const p of patients) {
      const band = ageBand(p.birthDate, today);
      const conds = condByPatient.get(p.id) ?? [];
      const tokens = [...conds.map((c) => `cond:${category(c.code)}`), `age:${band}`];
      contentRows.push(tokens.map((t) => vocab.get(t) ?? -1).filter((f) => f >= 0));
      profileRows.push([...tokens, `sex:${p.sex}`].map(pid));
    }
    const triples: Triple[] = [];
    // The newest assignment of a plan to a patient is the one that counts (as in the engine).
    const outcomes = new Map<number, OutcomeState>();
    for (const o of repo.allOutcomes(db)) {
      const u = patientIndex.get(o.patient_id);
      const i = planIndex.get(o.plan_id);
      if (u === undefined || i === undefined) continue;
      triples.push({ user: u, item: i, value: outcomeValue(o.outcome_grade, o.improved) });
      outcomes.set(u * plans.length + i, outcomeState(o.outcome_grade, o.improved));
    }
    const records = plans.map(() => ({ patients: 0, recorded: 0, improved: 0 }));
    for (const [key, state] of outcomes) {
      const r = records[key % plans.length]!;
      r.patients++;
      if (state !== 'pending') r.recorded++;
      if (state === 'improved') r.improved++;
    }
    const data: EngineData = {
      ratings: buildRatingMatrix(patients.length, plans.length, triples),
      scale: { min: 1, max: 5 },
      goodThreshold: 4,
      itemFeatures,
      userContent: tfidfRows(contentRows, vocab.size, itemFeatures.idf),
      userProfiles: tfidfRows(profileRows, profileVocab.size),
      itemLabel: (i) => plans[i]?.name ?? `plan ${i}`,
      featureLabel: (f) => labels[f] ?? `feature ${f}`,
      words: CLINIC_WORDS,
    };
    this.fitted = { key, data, patientIndex, plans, models: new Map(), outcomes: triples.length, facts: { plans, outcomes, records, features } };
    return this.fitted;
  }

  private model(f: Fitted, mode: RecommendMode): Recommender {
    let m = f.models.get(mode);
    if (!m) {
      m = fitRecommender(mode, f.data, CLINIC_OPTIONS);
      f.models.set(mode, m);
    }
    return m;
  }

  /** Why a plan may not be offered to this patient, or null when it may. Allergies come first: they name a drug. */
  static safetyCheck(plan: CarePlan, conditions: ConditionRef[], band: string, sex: string, allergies: readonly AllergyRef[] = []): WithheldWhy | null {
    const allergic = allergyConflict(plan, allergies);
    if (allergic) return allergic;
    for (const entry of plan.contraindications) {
      const e = entry.trim();
      const lower = e.toLowerCase();
      if (lower.startsWith('age:')) {
        if (lower.slice(4) === band) return { key: 'age', params: { band } };
        continue;
      }
      if (lower.startsWith('sex:')) {
        if (lower.slice(4).toUpperCase() === sex) return { key: 'sex', params: { sex } };
        continue;
      }
      const hit = conditions.find((c) => c.code.toUpperCase().startsWith(e.toUpperCase()) || c.words.trim().toLowerCase() === lower);
      if (hit) return { key: 'condition', params: { words: hit.words, code: hit.code } };
    }
    if (plan.ageBands.length && band !== 'unknown' && !plan.ageBands.includes(band)) {
      return { key: 'ageBands', params: { bands: [...plan.ageBands], band } };
    }
    return null;
  }

  /** Top plans for a patient with their reasons, after the safety filters. */
  recommend(patientIdOrMrn: string, mode: RecommendMode = 'hybrid', k = 5): RecommendationList {
    const patient = this.patientOrThrow(patientIdOrMrn);
    const catalog = repo.listPlans(this.core.db, false);
    if (catalog.length === 0) {
      throw new AppError('NOT_FOUND', 'The care-plan catalog is empty: an admin can add plans, import a CSV, or load the demo catalog.', { key: 'errors.careplans.carePlanCatalogEmpty' });
    }
    const conditions = this.conditionsOf(patient.id);
    const band = ageBand(patient.birthDate, this.core.clock.now());
    // Safety filter 2's allergies: the standing ones the patients feature has on record.
    const allergies = allergiesOfPatients(this.core.db, [patient.id]).get(patient.id)!.allergies;
    const f = this.fit();
    const u = f.patientIndex.get(patient.id)!;
    const declined = new Set(repo.declinedPlans(this.core.db, patient.id));
    // Plans under way: accepted (or recorded) with no outcome yet, oldest first.
    const underWayAssignments: PlanAssignment[] = repo
      .listAssignments(this.core.db, patient.id)
      .filter((a) => a.outcomeAt === null)
      .reverse();
    const active = new Set(underWayAssignments.map((a) => a.planId));
    const planById = new Map(f.plans.map((p) => [p.id, p]));
    const underWay = underWayAssignments.map((a) => planById.get(a.planId)).filter((p): p is CarePlan => !!p);
    // Safety filter 1 (before ranking, so it never uses a slot): only plans for a condition the patient has.
    const candidates: number[] = [];
    const withheld: WithheldPlan[] = [];
    const alternatives: AlternativePlan[] = [];
    f.plans.forEach((plan, i) => {
      if (declined.has(plan.id) || active.has(plan.id)) return;
      if (!plan.conditions.some((pc) => conditions.some((c) => conditionMatches(pc, c)))) return;
      const why = RecommendationService.safetyCheck(plan, conditions, band, patient.sex, allergies);
      if (why) {
        withheld.push({ planId: plan.id, name: plan.name, reason: withheldInWords(why), why });
        return;
      }
      // One plan at a time per condition: the others wait as alternatives until its outcome is recorded.
      const alt = alternativeTo(plan, conditions, underWay);
      if (alt) alternatives.push({ planId: plan.id, name: plan.name, acceptedPlanId: alt.accepted.id, acceptedPlan: alt.accepted.name, conditions: alt.conditions });
      else candidates.push(i);
    });
    const model = this.model(f, mode);
    // includeHad: a plan this patient had before (and finished) may be right again.
    const recs = recommend(model, f.data, u, k, { candidates, includeHad: true });
    const best = recs[0]?.score ?? 0;
    const weights = mode === 'hybrid' ? (model as HybridRecommender).weights : null;
    const history = f.data.ratings.userPtr[u + 1]! - f.data.ratings.userPtr[u]!;
    const reasonPatient = { index: u, conditions: new Map(conditions.map((c) => [category(c.code), c.words])), band, history };
    return {
      patientId: patient.id,
      mode,
      items: recs.map((r) => {
        const plan = f.plans[r.item]!;
        const forWords = conditions.filter((c) => plan.conditions.some((pc) => conditionMatches(pc, c))).map((c) => c.words);
        const { reason, reasonParts, shares } = reasonFor(mode, r.explanation, r.item, reasonPatient, f.facts, forWords);
        return {
          planId: plan.id,
          name: plan.name,
          summary: plan.summary,
          evidenceNote: plan.evidenceNote,
          demo: plan.demo,
          conditions: plan.conditions,
          mode,
          score: Math.round(r.score * 1000) / 1000,
          strength: best > 0 ? Math.round((r.score / best) * 100) / 100 : 0,
          reason,
          reasonParts,
          numbers: r.explanation.numbers,
          clinicOutcomes: clinicRecord(f.facts, r.item),
          shares,
        };
      }),
      withheld,
      basis: { ageBand: band, sex: patient.sex, conditions, outcomes: history },
      declined: f.plans.filter((p) => declined.has(p.id)).map((p) => p.name),
      alternatives,
      model: {
        patients: f.data.ratings.nUsers,
        plans: f.plans.length,
        outcomes: f.outcomes,
        weights: weights
          ? `${Object.entries(weights.rank)
              .map(([k2, v]) => `${k2} ${v}`)
              .join(', ')} (${weights.source})`
          : null,
        weightsInWords: weights ? weightsInWords(weights.rank, weights.source === DEFAULT_WEIGHTS.source) : null,
        blend: weights ? blendOf(weights.rank, weights.source === DEFAULT_WEIGHTS.source) : null,
      },
    };
  }
}
