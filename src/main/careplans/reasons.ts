/**
 * Care-plan reasons in the clinic's words. The engine explains a score with its own names
 * (similarities, cosines, weights, "user"/"item"); a clinician reads what it rests on:
 * which similar patients had the plan and how they did, which of the patient's plans it goes
 * with, which of the plan's attributes fit, and what the clinic has on record for the plan.
 * Pure functions of the engine's explanation and the facts of one fit.
 */
import type { Explanation } from './engine';
import { ageBandInWords, type CarePlan, type PlanOutcomeRecord, type ReasonShare, type RecommendMode } from '../../shared/domain/careplans';

/** How one assignment went: improved, did not, or no outcome recorded yet. */
export type OutcomeState = 'improved' | 'not improved' | 'pending';

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
const SOURCE_WORDS: Record<string, string> = {
  user: 'similar patients',
  item: 'similar plans',
  content: 'plan attributes',
  popular: 'how often chosen',
};

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
function tallyWords(states: readonly OutcomeState[]): string {
  const improved = states.filter((s) => s === 'improved').length;
  const not = states.filter((s) => s === 'not improved').length;
  const pending = states.length - improved - not;
  if (pending === states.length) return states.length === 1 ? 'no outcome recorded yet' : 'none has an outcome recorded yet';
  const parts = [`${improved === 0 ? 'none' : improved} improved`];
  if (not > 0) parts.push(`${not} did not`);
  if (pending > 0) parts.push(`${pending} ${pending === 1 ? 'has' : 'have'} no outcome recorded yet`);
  return parts.join(', ');
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

  private listed(): string {
    return this.forWords.length ? `listed because it is for ${listWords(this.forWords)}` : 'listed because it is for a condition on the problem list';
  }

  /** One method's sentence; `null` when that method has nothing to say about this plan. */
  sentence(mode: string, e: Explanation): string | null {
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

  private similarPatients(e: Explanation): string | null {
    const users = e.evidence?.users ?? [];
    if (users.length === 0) return null;
    const byProfile = (e.numbers.profileWeight ?? 0) >= 0.5;
    const who = byProfile ? `${count(users.length, 'patient', 'patients')} of similar age, sex and conditions` : count(users.length, 'similar patient', 'similar patients');
    return `${who} had this plan; ${tallyWords(users.map((v) => this.outcome(v, this.plan)))}`;
  }

  private similarPlans(e: Explanation): string | null {
    const items = e.evidence?.items ?? [];
    if (items.length === 0) return null;
    const named = items.slice(0, 2).map((j) => `“${this.facts.plans[j]?.name ?? 'another plan'}” (${stateWords(this.outcome(this.patient.index, j))})`);
    const more = items.length > 2 ? `, and ${count(items.length - 2, 'other plan', 'other plans')} like them` : '';
    const those = items.length === 1 ? 'that plan' : 'those plans';
    return `this patient had ${listWords(named)}${more}; patients who had ${those} often had this one too`;
  }

  private attributes(e: Explanation): string | null {
    const feats = (e.evidence?.features ?? []).map((f) => this.facts.features[f]).filter((f): f is FeatureFact => !!f);
    const own: string[] = [];
    const fromHistory: string[] = [];
    let age: string | null = null;
    for (const f of feats) {
      if (f.kind === 'condition') {
        const words = this.patient.conditions.get(f.value);
        if (words) own.push(words);
        else fromHistory.push(`same condition (${f.words})`);
      } else if (f.kind === 'age') {
        if (f.value === this.patient.band) age = f.value;
      }
      else if (f.kind === 'setting') fromHistory.push(`same setting (${f.value})`);
      else if (f.kind === 'intensity') fromHistory.push(`same intensity (${f.value})`);
      else fromHistory.push(`same medication class (${f.value})`);
    }
    const parts: string[] = [];
    if (own.length || age) {
      const fits = [own.length ? `a plan for ${listWords(own)}` : 'a plan', age ? `meant for patients ${ageBandInWords(age)}, as this patient is` : ''].filter(Boolean);
      parts.push(fits.join(', '));
    }
    if (fromHistory.length) parts.push(`like plans this patient had before: ${listWords(fromHistory.slice(0, 3))}`);
    return parts.length ? parts.join('; ') : null;
  }

  private chosen(): string | null {
    const r = this.facts.records[this.plan];
    return r && r.patients > 0 ? `chosen for ${count(r.patients, 'patient', 'patients')} in this clinic before` : null;
  }

  /** What this patient's own history says about this plan (a finished course of it). */
  own(): string | null {
    const key = this.patient.index * this.facts.plans.length + this.plan;
    const s = this.facts.outcomes.get(key);
    return s === undefined ? null : `this patient had this plan before: ${stateWords(s)}`;
  }

  fallback(): string {
    return this.listed();
  }
}

/**
 * Each method's share of the ranking score, in whole percents summing to 100 (largest
 * remainder), largest first. `contributions` by method ('user': 0.4), or the engine's
 * numbers ('userContribution': 0.4).
 */
export function sharesOf(contributions: Record<string, number>): ReasonShare[] {
  const parts = Object.keys(SOURCE_WORDS)
    .map((k) => ({ k, c: contributions[k] ?? contributions[`${k}Contribution`] ?? 0 }))
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
    .map((p) => ({ source: SOURCE_WORDS[p.k]!, percent: p.percent }));
}

/** "similar patients 60 %, plan attributes 30 %, how often chosen 10 %". */
export function sharesInWords(shares: readonly ReasonShare[]): string {
  return shares.map((s) => `${s.source} ${s.percent} %`).join(', ');
}

/** The blend of all methods for people, from the engine's weights and where they came from. */
export function weightsInWords(rank: Record<string, number>, defaults: boolean): string {
  const parts = Object.keys(SOURCE_WORDS)
    .filter((k) => (rank[k] ?? 0) > 0)
    .map((k) => `${SOURCE_WORDS[k]} ${Math.round((rank[k] ?? 0) * 100)} %`);
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
): { reason: string; shares: ReasonShare[] } {
  const w = new Wording(facts, patient, plan, forWords);
  const out: string[] = [];
  if (mode === 'hybrid') {
    const parts = [...(e.evidence?.parts ?? [])].filter((p) => p.contribution > 0).sort((a, b) => b.contribution - a.contribution);
    for (const p of parts) {
      if (out.length === 2) break;
      const s = w.sentence(p.mode, p.explanation);
      if (s) out.push(s);
    }
    if (out.length === 0) out.push(`no similar patient or plan points to it yet; ${w.fallback()}`);
    if (e.numbers.fallback) {
      const usesPatients = (e.evidence?.parts ?? []).some((p) => p.mode === 'user' && p.weight > 0);
      const onRecord = patient.history === 0 ? 'no plans on record yet' : `only ${count(patient.history, 'plan', 'plans')} on record`;
      out.push(
        `this patient has ${onRecord}, so this rests on ${usesPatients ? 'patients of similar age, sex and conditions and on how well the plan fits' : 'how well the plan fits this patient'}`,
      );
    }
  } else {
    const s = w.sentence(mode, e);
    if (s) out.push(s);
    else if (mode === 'user') out.push(`no similar patient has had this plan yet; ${w.fallback()}`);
    else if (mode === 'item') out.push(`not linked to any plan this patient has had; ${w.fallback()}`);
    else out.push(w.fallback());
  }
  const own = w.own();
  if (own) out.push(own);
  // Shares from the same contributions that ordered the sentences, so the first named is the largest.
  const contributions = Object.fromEntries((e.evidence?.parts ?? []).map((p) => [p.mode, p.contribution]));
  return { reason: sentences(out), shares: mode === 'hybrid' ? sharesOf(e.evidence?.parts ? contributions : e.numbers) : [] };
}

/** A plan's record in this clinic, with its words. */
export function clinicRecord(facts: ReasonFacts, plan: number): PlanOutcomeRecord {
  const r = facts.records[plan] ?? { patients: 0, recorded: 0, improved: 0 };
  return { ...r, text: recordInWords(r) };
}
