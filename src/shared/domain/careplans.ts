/** Care plans, a patient's problem list, assignments with outcomes, and recommendations. */

export type RecommendMode = 'user' | 'item' | 'content' | 'hybrid';
export const RECOMMEND_MODES: readonly RecommendMode[] = ['hybrid', 'user', 'item', 'content'];

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
  score: number;
  /** 0-1, relative to the best plan in this list. */
  strength: number;
  reason: string;
  numbers: Record<string, number>;
}

export interface WithheldPlan {
  planId: string;
  name: string;
  reason: string;
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
  model: { patients: number; plans: number; outcomes: number; weights: string | null };
}

export interface CsvImportResult {
  created: number;
  updated: number;
}
