/**
 * Care-plan reasons in the clinic's words. The engine explains a score with its own names
 * (similarities, cosines, weights, "user"/"item"); a clinician reads what it rests on:
 * which similar patients had the plan and how they did, which of the patient's plans it goes
 * with, which of the plan's attributes fit, and what the clinic has on record for the plan.
 * Pure functions of the engine's explanation and the facts of one fit.
 */
import type { Explanation } from './engine';
import { ageBandInWords, type CarePlan, type PlanOutcomeRecord, type ReasonMethod, type ReasonOutcome, type ReasonPart, type ReasonShare, type RecommendMode, type WithheldWhy } from '../../shared/domain/careplans';

/** How one assignment went: improved, did not, or no outcome recorded yet. */
export type OutcomeState = ReasonOutcome;

/**
 * A recorded outcome in words' terms: "improved" when marked so, or (not marked) graded 4-5;
 * "not improved" when marked so or graded 1-3; "pending" while nothing is recorded.
 */
export function outcomeState(grade: number | null, improved: number | null): OutcomeState {
  if (improved !== null) return improved === 1 ? 'improved' : 'not improved';
  if (grade !== null) return grade >= 4 ? 'improved' : 'not improved';
  return 'pending';
}

/** A feature of the plans' attribute space, as the service built it. */
export interface FeatureFact {
  kind: 'condition' | 'age' | 'setting' | 'intensity' | 'medication';
  /** Condition: the category code; age: the band; otherwise the attribute's words. */
  value: string;
  /** Condition: the plan's words for it. */
  words: string;
}

/** What one fit knows, for wording: built with the fit, shared by every request on it. */
export interface ReasonFacts {
  plans: readonly CarePlan[];
  /** Newest assignment's outcome by `patientIndex * plans.length + planIndex`. */
  outcomes: ReadonlyMap<number, OutcomeState>;
  /** Each plan's record in this clinic, by plan index. */
  records: readonly Omit<PlanOutcomeRecord, 'text'>[];
  features: readonly FeatureFact[];
}

/** The patient a reason is for. */
export interface ReasonPatient {
  index: number;
  /** Category codes of the problem list -> the patient's words for them. */
  conditions: ReadonlyMap<string, string>;
  /** The patient's age band ('65+'). */
  band: string;
  /** Plans on record for the patient (the engine's history length). */
  history: number;
}

/** The source of each part of "all methods", in the clinic's words. */
const SOURCE_WORDS: Record<ReasonMethod, string> = {
  user: 'similar patients',
  item: 'similar plans',
  content: 'plan attributes',
  popular: 'how often chosen',
};
const METHODS = Object.keys(SOURCE_WORDS) as ReasonMethod[];

const count = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

function listWords(xs: readonly string[]): string {
  return xs.length <= 1 ? (xs[0] ?? '') : `${xs.slice(0, -1).join(', ')} and ${xs[xs.length - 1]}`;
}

const capital = (s: string) => (s ? s[0]!.toUpperCase() + s.slice(1) : s);

function sentences(parts: readonly string[]): string {
  return parts
    .filter(Boolean)
    .map((p) => capital(p.trim()).replace(/\.$/, ''))
    .join('. ')
    .concat('.');
}

/** The clinic's record of a plan in words ("In this clinic: 6 of 7 patients improved"). */
export function recordInWords(r: Omit<PlanOutcomeRecord, 'text'>): string {
  const pending = r.patients - r.recorded;
  if (r.recorded === 0) {
    return pending > 0 ? `No recorded outcomes yet in this clinic (${count(pending, 'patient has', 'patients have')} it under way)` : 'No recorded outcomes yet in this clinic';
  }
  const more = pending > 0 ? ` (${pending} more without an outcome yet)` : '';
  return `In this clinic: ${r.improved} of ${count(r.recorded, 'patient', 'patients')} with a recorded outcome improved${more}`;
}

function stateWords(s: OutcomeState): string {
  return s === 'improved' ? 'improved' : s === 'not improved' ? 'did not improve' : 'no outcome recorded yet';
}

/** "6 improved, 1 did not, 2 have no outcome recorded yet" over a group of patients. */
function tallyWords(improved: number, not: number, pending: number): string {
  const total = improved + not + pending;
  if (pending === total) return total === 1 ? 'no outcome recorded yet' : 'none has an outcome recorded yet';
  const parts = [`${improved === 0 ? 'none' : improved} improved`];
  if (not > 0) parts.push(`${not} did not`);
  if (pending > 0) parts.push(`${pending} ${pending === 1 ? 'has' : 'have'} no outcome recorded yet`);
  return parts.join(', ');
}

const LEADS: Record<'nothingPoints' | 'noSimilarPatient' | 'notLinked', string> = {
  nothingPoints: 'no similar patient or plan points to it yet; ',
  noSimilarPatient: 'no similar patient has had this plan yet; ',
  notLinked: 'not linked to any plan this patient has had; ',
};

/** One part of a reason in English (the CLI's and the record's words; the renderer has its own catalogue). */
export function partInWords(part: ReasonPart): string {
  switch (part.key) {
    case 'similarPatients': {
      const p = part.params;
      const who = p.byProfile ? `${count(p.patients, 'patient', 'patients')} of similar age, sex and conditions` : count(p.patients, 'similar patient', 'similar patients');
      return `${who} had this plan; ${tallyWords(p.improved, p.notImproved, p.pending)}`;
    }
    case 'similarPlans': {
      const { plans, more } = part.params;
      const named = plans.map((x) => `“${x.name}” (${stateWords(x.outcome)})`);
      const rest = more > 0 ? `, and ${count(more, 'other plan', 'other plans')} like them` : '';
      const those = plans.length + more === 1 ? 'that plan' : 'those plans';
      return `this patient had ${listWords(named)}${rest}; patients who had ${those} often had this one too`;
    }
    case 'attributes': {
      const { conditions, ageBand, like } = part.params;
      const parts: string[] = [];
      if (conditions.length || ageBand) {
        const fits = [conditions.length ? `a plan for ${listWords(conditions)}` : 'a plan', ageBand ? `meant for patients ${ageBandInWords(ageBand)}, as this patient is` : ''].filter(Boolean);
        parts.push(fits.join(', '));
      }
      const kinds = { condition: 'same condition', setting: 'same setting', intensity: 'same intensity', medication: 'same medication class' };
      if (like.length) parts.push(`like plans this patient had before: ${listWords(like.map((l) => `${kinds[l.kind]} (${l.value})`))}`);
      return parts.join('; ');
    }
    case 'chosen':
      return `chosen for ${count(part.params.patients, 'patient', 'patients')} in this clinic before`;
    case 'ownHistory':
      return `this patient had this plan before: ${stateWords(part.params.outcome)}`;
    case 'listed': {
      const { conditions, lead } = part.params;
      const listed = conditions.length ? `listed because it is for ${listWords(conditions)}` : 'listed because it is for a condition on the problem list';
      return `${lead ? LEADS[lead] : ''}${listed}`;
    }
    case 'thinHistory': {
      const { plans, usesPatients } = part.params;
      const onRecord = plans === 0 ? 'no plans on record yet' : `only ${count(plans, 'plan', 'plans')} on record`;
      return `this patient has ${onRecord}, so this rests on ${usesPatients ? 'patients of similar age, sex and conditions and on how well the plan fits' : 'how well the plan fits this patient'}`;
    }
  }
}

class Wording {
  constructor(
    private readonly facts: ReasonFacts,
    private readonly patient: ReasonPatient,
    private readonly plan: number,
    /** The patient's conditions this plan is for, in the patient's words. */
    private readonly forWords: readonly string[],
  ) {}

  private outcome(u: number, i: number): OutcomeState {
    return this.facts.outcomes.get(u * this.facts.plans.length + i) ?? 'pending';
  }

  /** One method's part; `null` when that method has nothing to say about this plan. */
  sentence(mode: string, e: Explanation): ReasonPart | null {
    switch (mode) {
      case 'user':
        return this.similarPatients(e);
      case 'item':
        return this.similarPlans(e);
      case 'content':
        return this.attributes(e);
      case 'popular':
        return this.chosen();
      default:
        return null;
    }
  }

  private similarPatients(e: Explanation): ReasonPart | null {
    const users = e.evidence?.users ?? [];
    if (users.length === 0) return null;
    const states = users.map((v) => this.outcome(v, this.plan));
    const improved = states.filter((s) => s === 'improved').length;
    const notImproved = states.filter((s) => s === 'not improved').length;
    return {
      key: 'similarPatients',
      params: { patients: users.length, byProfile: (e.numbers.profileWeight ?? 0) >= 0.5, improved, notImproved, pending: states.length - improved - notImproved },
    };
  }

  private similarPlans(e: Explanation): ReasonPart | null {
    const items = e.evidence?.items ?? [];
    if (items.length === 0) return null;
    const plans = items.slice(0, 2).map((j) => ({ name: this.facts.plans[j]?.name ?? 'another plan', outcome: this.outcome(this.patient.index, j) }));
    return { key: 'similarPlans', params: { plans, more: Math.max(0, items.length - 2) } };
  }

  private attributes(e: Explanation): ReasonPart | null {
    const feats = (e.evidence?.features ?? []).map((f) => this.facts.features[f]).filter((f): f is FeatureFact => !!f);
    const own: string[] = [];
    const like: { kind: 'condition' | 'setting' | 'intensity' | 'medication'; value: string }[] = [];
    let age: string | null = null;
    for (const f of feats) {
      if (f.kind === 'condition') {
        const words = this.patient.conditions.get(f.value);
        if (words) own.push(words);
        else like.push({ kind: 'condition', value: f.words });
      } else if (f.kind === 'age') {
        if (f.value === this.patient.band) age = f.value;
      } else like.push({ kind: f.kind, value: f.value });
    }
    if (!own.length && !age && !like.length) return null;
    return { key: 'attributes', params: { conditions: own, ageBand: age, like: like.slice(0, 3) } };
  }

  private chosen(): ReasonPart | null {
    const r = this.facts.records[this.plan];
    return r && r.patients > 0 ? { key: 'chosen', params: { patients: r.patients } } : null;
  }

  /** What this patient's own history says about this plan (a finished course of it). */
  own(): ReasonPart | null {
    const key = this.patient.index * this.facts.plans.length + this.plan;
    const s = this.facts.outcomes.get(key);
    return s === undefined ? null : { key: 'ownHistory', params: { outcome: s } };
  }

  listed(lead: 'nothingPoints' | 'noSimilarPatient' | 'notLinked' | null): ReasonPart {
    return { key: 'listed', params: { conditions: [...this.forWords], lead } };
  }
}

/**
 * Each method's share of the ranking score, in whole percents summing to 100 (largest
 * remainder), largest first. `contributions` by method ('user': 0.4), or the engine's
 * numbers ('userContribution': 0.4).
 */
export function sharesOf(contributions: Record<string, number>): ReasonShare[] {
  const parts = METHODS.map((k) => ({ k, c: contributions[k] ?? contributions[`${k}Contribution`] ?? 0 }))
    .filter((p) => p.c > 0);
  const total = parts.reduce((a, p) => a + p.c, 0);
  if (total <= 0) return [];
  const raw = parts.map((p) => ({ ...p, exact: (100 * p.c) / total }));
  const floor = raw.map((p) => ({ ...p, percent: Math.floor(p.exact) }));
  let left = 100 - floor.reduce((a, p) => a + p.percent, 0);
  for (const p of [...floor].sort((a, b) => b.exact - b.percent - (a.exact - a.percent))) {
    if (left <= 0) break;
    p.percent++;
    left--;
  }
  return floor
    .filter((p) => p.percent > 0)
    .sort((a, b) => b.c - a.c)
    .map((p) => ({ source: SOURCE_WORDS[p.k], method: p.k, percent: p.percent }));
}

/** "similar patients 60 %, plan attributes 30 %, how often chosen 10 %". */
export function sharesInWords(shares: readonly ReasonShare[]): string {
  return shares.map((s) => `${s.source} ${s.percent} %`).join(', ');
}

/** The blend of all methods by method, in whole percents (for the interface's words). */
export function blendOf(rank: Record<string, number>, defaults: boolean): { shares: { method: ReasonMethod; percent: number }[]; defaults: boolean } {
  return { shares: METHODS.filter((k) => (rank[k] ?? 0) > 0).map((k) => ({ method: k, percent: Math.round((rank[k] ?? 0) * 100) })), defaults };
}

/** The blend of all methods for people, from the engine's weights and where they came from. */
export function weightsInWords(rank: Record<string, number>, defaults: boolean): string {
  const parts = blendOf(rank, defaults).shares.map((s) => `${SOURCE_WORDS[s.method]} ${s.percent} %`);
  const source = defaults ? 'a default mix: too little history in this clinic to tune it' : "tuned on this clinic's recorded outcomes";
  return `${parts.join(', ')} (${source})`;
}

/**
 * A plan's reason for this patient in the clinic's words, and (all methods) each method's share.
 * `forWords`: the patient's conditions the plan is for, in the patient's words.
 */
export function reasonFor(
  mode: RecommendMode,
  e: Explanation,
  plan: number,
  patient: ReasonPatient,
  facts: ReasonFacts,
  forWords: readonly string[],
): { reason: string; reasonParts: ReasonPart[]; shares: ReasonShare[] } {
  const w = new Wording(facts, patient, plan, forWords);
  const out: ReasonPart[] = [];
  if (mode === 'hybrid') {
    const parts = [...(e.evidence?.parts ?? [])].filter((p) => p.contribution > 0).sort((a, b) => b.contribution - a.contribution);
    for (const p of parts) {
      if (out.length === 2) break;
      const s = w.sentence(p.mode, p.explanation);
      if (s) out.push(s);
    }
    if (out.length === 0) out.push(w.listed('nothingPoints'));
    if (e.numbers.fallback) {
      const usesPatients = (e.evidence?.parts ?? []).some((p) => p.mode === 'user' && p.weight > 0);
      out.push({ key: 'thinHistory', params: { plans: patient.history, usesPatients } });
    }
  } else {
    const s = w.sentence(mode, e);
    if (s) out.push(s);
    else out.push(w.listed(mode === 'user' ? 'noSimilarPatient' : mode === 'item' ? 'notLinked' : null));
  }
  const own = w.own();
  if (own) out.push(own);
  // Shares from the same contributions that ordered the sentences, so the first named is the largest.
  const contributions = Object.fromEntries((e.evidence?.parts ?? []).map((p) => [p.mode, p.contribution]));
  return { reason: sentences(out.map(partInWords)), reasonParts: out, shares: mode === 'hybrid' ? sharesOf(e.evidence?.parts ? contributions : e.numbers) : [] };
}

/** Why a plan is withheld, in English (the CLI's words; the renderer has its own catalogue). */
export function withheldInWords(why: WithheldWhy): string {
  switch (why.key) {
    case 'allergyMedication':
      return `excluded: the patient is allergic to ${why.params.substance} (the plan uses ${why.params.medication})`;
    case 'allergyContraindication':
      return `excluded: the patient is allergic to ${why.params.substance} (the plan lists ${why.params.entry} as a contraindication)`;
    case 'age':
      return `contraindicated: not for age ${why.params.band}`;
    case 'sex':
      return `contraindicated: not for ${SEX_PATIENTS[why.params.sex] ?? 'patients of this sex'}`;
    case 'condition':
      return `contraindicated: the patient has ${why.params.words} (${why.params.code})`;
    case 'ageBands':
      return `meant for patients ${why.params.bands.map(ageBandInWords).join(' or ')}; this patient is ${ageBandInWords(why.params.band)}`;
  }
}

const SEX_PATIENTS: Record<string, string> = { F: 'female patients', M: 'male patients', O: 'patients of other sex', U: 'patients of unknown sex' };

/** A plan's record in this clinic, with its words. */
export function clinicRecord(facts: ReasonFacts, plan: number): PlanOutcomeRecord {
  const r = facts.records[plan] ?? { patients: 0, recorded: 0, improved: 0 };
  return { ...r, text: recordInWords(r) };
}
