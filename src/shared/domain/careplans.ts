/** Care plans, a patient's problem list, assignments with outcomes, and recommendations. */

export type RecommendMode = 'user' | 'item' | 'content' | 'hybrid';
export const RECOMMEND_MODES: readonly RecommendMode[] = ['hybrid', 'user', 'item', 'content'];

/** The methods in the clinic's words: a button's name and what the method does (its tooltip). */
export const RECOMMEND_MODE_WORDS: Record<RecommendMode, { name: string; help: string }> = {
  hybrid: {
    name: 'All methods',
    help: 'Combines the three methods and how often each plan was chosen in this clinic, mixed by what best foretold recorded outcomes here (a default mix while there is too little history).',
  },
  user: { name: 'Similar patients', help: 'Plans that patients like this one (age, sex, conditions, earlier plans) had, and how they did.' },
  item: { name: 'Similar plans', help: 'Plans often given to the same patients as the plans this patient has had, and how those went.' },
  content: { name: 'Plan attributes', help: "Plans whose condition, age group, setting and medication classes fit this patient's problem list and the plans that helped them before." },
};

/** An age band ('0-17', '18-64', '65+') in words: "65 years or older". */
export function ageBandInWords(band: string): string {
  if (band === '65+') return '65 years or older';
  if (band === '0-17') return 'under 18 years';
  const m = /^(\d+)-(\d+)$/.exec(band);
  if (m) return `${m[1]} to ${m[2]} years`;
  const plus = /^(\d+)\+$/.exec(band);
  if (plus) return `${plus[1]} years or older`;
  return band === 'unknown' || !band ? 'age unknown' : band;
}

/** A condition a plan is for, or a patient has: a code (ICD-10 style) and the words for it. */
export interface ConditionRef {
  code: string;
  words: string;
}

export interface CarePlan {
  id: string;
  name: string;
  summary: string;
  conditions: ConditionRef[];
  interventions: string[];
  setting: string;
  intensity: 'low' | 'moderate' | 'high';
  durationWeeks: number | null;
  medicationClasses: string[];
  /** Age bands the plan is meant for (empty: any), e.g. '65+'. */
  ageBands: string[];
  /** Condition codes or words (or 'age:<band>', 'sex:F') that rule the plan out. */
  contraindications: string[];
  evidenceNote: string;
  /** Shipped demo content: not medical advice. */
  demo: boolean;
  retired: boolean;
  createdAt: string;
  updatedAt: string;
  updatedBy: string;
}

export interface PatientCondition extends ConditionRef {
  id: string;
  patientId: string;
  /**
   * 'hand' (typed onto the problem list) or 'diagnosis' (added by a clinician's explicit
   * "add to problem list" from a reviewed diagnosis; `fromDiagnosis` says which).
   * Diagnoses never become conditions on their own.
   */
  source: 'hand' | 'diagnosis';
  notedAt: string;
  notedBy: string;
  /** Where the entry came from when it was added from a reviewed diagnosis; null otherwise. */
  fromDiagnosis?: ConditionProvenance | null;
}

/** A problem-list entry's origin in a reviewed diagnosis: which one, and who reviewed it when. */
export interface ConditionProvenance {
  diagnosisId: string;
  decision: 'confirmed' | 'overridden';
  /** The class the clinician settled on. */
  className: string;
  reviewedBy: string;
  reviewedAt: string;
}

/** Exactly the problem-list row "add to problem list" would write from a reviewed diagnosis. */
export interface ConditionFromDiagnosis {
  patientId: string;
  patientName: string;
  mrn: string;
  condition: ConditionRef;
  source: 'diagnosis';
  notedBy: string;
  fromDiagnosis: ConditionProvenance;
  /** The code is already on the patient's problem list (adding it again is refused). */
  alreadyOnList: boolean;
}

export interface PlanAssignment {
  id: string;
  patientId: string;
  planId: string;
  planName: string;
  assignedAt: string;
  assignedBy: string;
  /** 1 (much worse) to 5 (resolved), when recorded. */
  outcomeGrade: number | null;
  improved: boolean | null;
  outcomeNote: string;
  outcomeAt: string | null;
  source: 'accepted' | 'imported' | 'manual';
  /** The mode and reason that led to it, when it came from a recommendation. */
  mode: string | null;
  reason: string;
}

export interface PlanRecommendation {
  planId: string;
  name: string;
  summary: string;
  evidenceNote: string;
  demo: boolean;
  conditions: ConditionRef[];
  mode: RecommendMode;
  /** The ranking score: an ordering, not a chance of success. */
  score: number;
  /** 0-1, relative to the best plan in this list: an ordering, never shown as a chance of success. */
  strength: number;
  /** Why it is suggested for this patient, in the clinic's words (no method names, no raw weights); English, for the CLI and the record. */
  reason: string;
  /** The same reason as message keys and parameters, in order: the interface words them in its language. */
  reasonParts: ReasonPart[];
  /** The engine's numbers behind the reason, by its own names (for reports and tests; not for display). */
  numbers: Record<string, number>;
  /** What the clinic has on record for this plan: the evidence to show, rather than a score. */
  clinicOutcomes: PlanOutcomeRecord;
  /** With all methods: each method's share of this plan's ranking in words (not a chance of success); empty otherwise. */
  shares: ReasonShare[];
}

/** How a plan went in this clinic, over every patient's newest assignment of it. */
export interface PlanOutcomeRecord {
  /** Patients who have had the plan or have it now. */
  patients: number;
  /** Of those, with an outcome recorded. */
  recorded: number;
  /** Of those, improved (marked improved; graded 4 or 5 when improvement was not marked). */
  improved: number;
  /** In words: "In this clinic: 6 of 7 patients improved" or "No recorded outcomes yet in this clinic". */
  text: string;
}

/** One method's share of a plan's ranking: "similar patients", 60 (`source` in English; `method` for the interface's words). */
export interface ReasonShare {
  source: string;
  method: ReasonMethod;
  percent: number;
}

/** The methods behind "all methods", by the engine's names. */
export type ReasonMethod = 'user' | 'item' | 'content' | 'popular';

/** How one assignment went: improved, did not, or no outcome recorded yet. */
export type ReasonOutcome = 'improved' | 'not improved' | 'pending';

/**
 * One sentence of a care-plan reason as a message key and its parameters (data: names and
 * condition words as recorded). `src/main/careplans/reasons.ts` words them in English for the
 * CLI; the renderer words them in the interface language (`careplans.reason.<key>`).
 */
export type ReasonPart =
  /** `patients` similar patients (by profile: of similar age, sex and conditions) had the plan, and how they did. */
  | { key: 'similarPatients'; params: { patients: number; byProfile: boolean; improved: number; notImproved: number; pending: number } }
  /** Plans this patient had (the first two named, with how each went; `more` others), which go with this one. */
  | { key: 'similarPlans'; params: { plans: { name: string; outcome: ReasonOutcome }[]; more: number } }
  /** The plan fits: the patient's conditions it is for, the age band it is meant for, and what it shares with plans the patient had. */
  | { key: 'attributes'; params: { conditions: string[]; ageBand: string | null; like: { kind: 'condition' | 'setting' | 'intensity' | 'medication'; value: string }[] } }
  /** Chosen for `patients` patients in this clinic before. */
  | { key: 'chosen'; params: { patients: number } }
  /** This patient had this plan before, and how it went. */
  | { key: 'ownHistory'; params: { outcome: ReasonOutcome } }
  /** Listed because it is for these conditions (none: a condition on the problem list), after why nothing else points to it. */
  | { key: 'listed'; params: { conditions: string[]; lead: 'nothingPoints' | 'noSimilarPatient' | 'notLinked' | null } }
  /** The patient has few plans on record (`plans`), so the ranking rests on similar patients and fit, or on fit alone. */
  | { key: 'thinHistory'; params: { plans: number; usesPatients: boolean } };

/** Why a plan is withheld by the safety filters, as a message key and its parameters. */
export type WithheldWhy =
  | { key: 'allergyMedication'; params: { substance: string; medication: string } }
  | { key: 'allergyContraindication'; params: { substance: string; entry: string } }
  | { key: 'age'; params: { band: string } }
  | { key: 'sex'; params: { sex: string } }
  | { key: 'condition'; params: { words: string; code: string } }
  | { key: 'ageBands'; params: { bands: string[]; band: string } };

export interface WithheldPlan {
  planId: string;
  name: string;
  /** In English, for the CLI. */
  reason: string;
  /** The same, structured, for the interface's words. */
  why: WithheldWhy;
}

/**
 * A plan not offered because the patient already has an accepted plan under way (no outcome
 * yet) for every condition it is for: an alternative to that plan, not a new suggestion.
 */
export interface AlternativePlan {
  planId: string;
  name: string;
  /** The plan under way, and its name. */
  acceptedPlanId: string;
  acceptedPlan: string;
  /** The patient's conditions the plan under way already covers. */
  conditions: ConditionRef[];
}

export interface RecommendationList {
  patientId: string;
  mode: RecommendMode;
  items: PlanRecommendation[];
  /** Plans that scored but were removed by the safety filters, with why. */
  withheld: WithheldPlan[];
  /** What the recommendation was based on. */
  basis: { ageBand: string; sex: string; conditions: ConditionRef[]; outcomes: number };
  /** Plans this patient declined before (not offered again). */
  declined: string[];
  /** Plans held back while an accepted plan for the same condition is under way. */
  alternatives: AlternativePlan[];
  /**
   * What the model was fitted on. `weights`: the blend of all methods by the engine's names;
   * `weightsInWords`: the same for people ("similar patients 30 %, …; a default mix …").
   */
  model: {
    patients: number;
    plans: number;
    outcomes: number;
    weights: string | null;
    weightsInWords: string | null;
    /** The same blend for the interface's words: each method's weight in percent, and whether it is the default mix. */
    blend: { shares: { method: ReasonMethod; percent: number }[]; defaults: boolean } | null;
  };
}

export interface CsvImportResult {
  created: number;
  updated: number;
}
