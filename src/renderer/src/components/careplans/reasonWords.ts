/**
 * Care-plan suggestions in the interface language. The main process sends each reason as
 * message keys and parameters (`PlanRecommendation.reasonParts`, `WithheldPlan.why`, the shares'
 * `method`, the model's `blend`) besides its English text for the CLI; these functions word them
 * through the `careplans` catalogue area. Anything sent without its structure (an older main
 * process, a test double) is shown as sent. Data inside (plan names, condition words, substances)
 * is never translated. Pure functions of their arguments and the active locale.
 */
import type { PlanOutcomeRecord, ReasonMethod, ReasonOutcome, ReasonPart, ReasonShare, RecommendMode, WithheldWhy } from '../../../../shared/domain/careplans';
import { i18n } from '../../i18n';
import { intlLocale } from '../../format';

function t(key: string, params: Record<string, unknown> = {}, plural?: number): string {
  return plural === undefined ? i18n.global.t(key, params) : i18n.global.t(key, params, plural);
}

/** "a, b and c" ("a、b和c"), or "a or b" ("a或b"), in the active locale. */
export function listWords(xs: readonly string[], type: 'conjunction' | 'disjunction' = 'conjunction'): string {
  return new Intl.ListFormat(intlLocale(), { style: 'long', type }).format(xs);
}

/** An age band ('0-17', '18-64', '65+') in words: "65 years or older". */
export function ageBandWords(band: string): string {
  if (band === '65+') return t('careplans.ageBand.older65');
  if (band === '0-17') return t('careplans.ageBand.under18');
  const m = /^(\d+)-(\d+)$/.exec(band);
  if (m) return t('careplans.ageBand.range', { from: Number(m[1]), to: Number(m[2]) });
  const plus = /^(\d+)\+$/.exec(band);
  if (plus) return t('careplans.ageBand.orOlder', { n: Number(plus[1]) });
  return band === 'unknown' || !band ? t('careplans.ageBand.unknown') : band;
}

/** A recommendation method's name ("All methods") and what it does. */
export function modeName(mode: RecommendMode): string {
  return t(`careplans.mode.${mode}.name`);
}
export function modeHelp(mode: RecommendMode): string {
  return t(`careplans.mode.${mode}.help`);
}

function outcomeWords(o: ReasonOutcome): string {
  return t(o === 'improved' ? 'careplans.reason.state.improved' : o === 'not improved' ? 'careplans.reason.state.notImproved' : 'careplans.reason.state.pending');
}

function tally(p: { improved: number; notImproved: number; pending: number }): string {
  const total = p.improved + p.notImproved + p.pending;
  if (p.pending === total) return t(total === 1 ? 'careplans.reason.tally.onePending' : 'careplans.reason.tally.allPending');
  const parts = [p.improved === 0 ? t('careplans.reason.tally.noneImproved') : t('careplans.reason.tally.improved', { n: p.improved })];
  if (p.notImproved > 0) parts.push(t('careplans.reason.tally.notImproved', { n: p.notImproved }));
  if (p.pending > 0) parts.push(t('careplans.reason.tally.pending', { n: p.pending }, p.pending));
  return parts.join(t('careplans.separator'));
}

/** One part of a reason, as a clause (no capital, no full stop). */
export function partWords(part: ReasonPart): string {
  switch (part.key) {
    case 'similarPatients': {
      const p = part.params;
      const who = t(p.byProfile ? 'careplans.reason.similarPatients.whoProfile' : 'careplans.reason.similarPatients.who', { n: p.patients }, p.patients);
      return t('careplans.reason.similarPatients.sentence', { who, tally: tally(p) });
    }
    case 'similarPlans': {
      const { plans, more } = part.params;
      const named = listWords(plans.map((x) => t('careplans.reason.similarPlans.plan', { name: x.name, state: outcomeWords(x.outcome) })));
      if (more > 0) return t('careplans.reason.similarPlans.more', { plans: named, n: more }, more);
      return t(plans.length === 1 ? 'careplans.reason.similarPlans.one' : 'careplans.reason.similarPlans.many', { plans: named });
    }
    case 'attributes': {
      const { conditions, ageBand, like } = part.params;
      const age = ageBand ? ageBandWords(ageBand) : '';
      const fits =
        conditions.length && ageBand
          ? t('careplans.reason.attributes.conditionsAge', { conditions: listWords(conditions), age })
          : conditions.length
            ? t('careplans.reason.attributes.conditions', { conditions: listWords(conditions) })
            : ageBand
              ? t('careplans.reason.attributes.age', { age })
              : '';
      const likeText = like.length ? t('careplans.reason.attributes.like', { list: listWords(like.map((l) => t(`careplans.reason.attributes.kind.${l.kind}`, { value: l.value }))) }) : '';
      return fits && likeText ? t('careplans.reason.attributes.both', { fits, like: likeText }) : fits || likeText;
    }
    case 'chosen':
      return t('careplans.reason.chosen', { n: part.params.patients }, part.params.patients);
    case 'ownHistory':
      return t('careplans.reason.ownHistory', { state: outcomeWords(part.params.outcome) });
    case 'listed': {
      const { conditions, lead } = part.params;
      const listed = conditions.length ? t('careplans.reason.listed.conditions', { conditions: listWords(conditions) }) : t('careplans.reason.listed.none');
      return lead ? t(`careplans.reason.lead.${lead}`, { listed }) : listed;
    }
    case 'thinHistory': {
      const { plans, usesPatients } = part.params;
      const record = plans === 0 ? t('careplans.reason.thin.noPlans') : t('careplans.reason.thin.plans', { n: plans }, plans);
      return t(usesPatients ? 'careplans.reason.thin.patients' : 'careplans.reason.thin.fit', { record });
    }
    default:
      return '';
  }
}

/** A recommendation's reason: its parts as sentences ("… improved. This patient had this plan before: improved."). */
export function reasonWords(rec: { reason: string; reasonParts?: ReasonPart[] }): string {
  const parts = (rec.reasonParts ?? []).map(partWords).filter(Boolean);
  if (parts.length === 0) return rec.reason;
  return parts
    .map((p) => t('careplans.reason.sentence', { text: p[0]!.toUpperCase() + p.slice(1) }))
    .reduce((a, b) => t('careplans.reason.twoSentences', { a, b }));
}

/** What the clinic has on record for a plan ("In this clinic: 6 of 7 patients with a recorded outcome improved"). */
export function recordWords(r: PlanOutcomeRecord): string {
  const pending = r.patients - r.recorded;
  if (r.recorded === 0) return pending > 0 ? t('careplans.record.noneUnderWay', { n: pending }, pending) : t('careplans.record.none');
  const params = { improved: r.improved, n: r.recorded, pending };
  return pending > 0 ? t('careplans.record.someMore', params, r.recorded) : t('careplans.record.some', params, r.recorded);
}

function methodWords(method: ReasonMethod | undefined, fallback: string): string {
  return method ? t(`careplans.method.${method}`) : fallback;
}

/** Each method's share of a plan's ranking: "similar patients 60 %, plan attributes 30 %". */
export function sharesWords(shares: readonly ReasonShare[]): string {
  return shares.map((s) => t('careplans.share', { method: methodWords(s.method, s.source), percent: s.percent })).join(t('careplans.separator'));
}

/** The blend of all methods: "similar patients 30 %, … (a default mix: …)". */
export function blendWords(model: { weightsInWords: string | null; blend?: { shares: { method: ReasonMethod; percent: number }[]; defaults: boolean } | null }): string | null {
  if (!model.blend) return model.weightsInWords;
  const list = model.blend.shares.map((s) => t('careplans.share', { method: methodWords(s.method, s.method), percent: s.percent })).join(t('careplans.separator'));
  return t(model.blend.defaults ? 'careplans.blend.defaults' : 'careplans.blend.tuned', { list });
}

/** Why a plan is withheld by the safety filters. */
export function withheldWords(w: { reason: string; why?: WithheldWhy }): string {
  const why = w.why;
  if (!why) return w.reason;
  switch (why.key) {
    case 'allergyMedication':
      return t('careplans.withheldWhy.allergyMedication', why.params);
    case 'allergyContraindication':
      return t('careplans.withheldWhy.allergyContraindication', why.params);
    case 'age':
      return t('careplans.withheldWhy.age', { band: ageBandWords(why.params.band) });
    case 'sex':
      return t('careplans.withheldWhy.sex', { who: sexPatientsWords(why.params.sex) });
    case 'condition':
      return t('careplans.withheldWhy.condition', why.params);
    case 'ageBands':
      return t('careplans.withheldWhy.ageBands', { bands: listWords(why.params.bands.map(ageBandWords), 'disjunction'), band: ageBandWords(why.params.band) });
    default:
      return w.reason;
  }
}

/** "female patients", "patients of unknown sex" (a sex code, F/M/O/U, upper or lower case). */
export function sexPatientsWords(sex: string): string {
  const code = sex.toUpperCase();
  return ['F', 'M', 'O', 'U'].includes(code) ? t(`careplans.sexPatients.${code}`) : t('careplans.sexPatients.other');
}
