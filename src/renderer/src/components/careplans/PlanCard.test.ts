import { mount } from '@vue/test-utils';
import { afterEach, describe, expect, it } from 'vitest';
import { setLocale } from '../../i18n';
import type { PlanRecommendation } from '../../../../shared/domain/careplans';
import PlanCard from './PlanCard.vue';

const base: PlanRecommendation = {
  planId: 'plan-a',
  name: 'Plan A',
  summary: 'Do A',
  evidenceNote: '',
  demo: false,
  conditions: [{ code: 'J18', words: 'pneumonia' }],
  mode: 'user',
  score: 0.9,
  strength: 1,
  reason: '7 similar patients had this plan; 6 improved, 1 did not.',
  reasonParts: [{ key: 'similarPatients', params: { patients: 7, byProfile: false, improved: 6, notImproved: 1, pending: 0 } }],
  numbers: { similar: 7, meanSimilarity: 0.81, good: 6 },
  clinicOutcomes: { patients: 7, recorded: 7, improved: 6, text: 'In this clinic: 6 of 7 patients with a recorded outcome improved' },
  shares: [],
};

describe('PlanCard', () => {
  it('shows the plan’s recorded outcomes as its evidence, and no score or strength', () => {
    const w = mount(PlanCard, { props: { rec: base, busy: false } });
    expect(w.get('[data-testid="plan-outcomes"]').text()).toBe('In this clinic: 6 of 7 patients with a recorded outcome improved');
    expect(w.get('[data-testid="plan-outcomes"]').classes()).not.toContain('none');
    expect(w.get('[data-testid="plan-reason"]').text()).toBe('Why: 7 similar patients had this plan; 6 improved, 1 did not.');
    expect(w.text()).toContain('found by similar patients');
    expect(w.text()).not.toMatch(/strength|score|%|0\.81/i);
    expect(w.find('[data-testid="plan-shares"]').exists()).toBe(false);
  });

  it('a first-ranked plan with no recorded outcomes says so, with no percentage', () => {
    const rec: PlanRecommendation = {
      ...base,
      mode: 'content',
      reason: 'A plan for pneumonia, meant for patients 65 years or older, as this patient is.',
      reasonParts: [{ key: 'attributes', params: { conditions: ['pneumonia'], ageBand: '65+', like: [] } }],
      clinicOutcomes: { patients: 0, recorded: 0, improved: 0, text: 'No recorded outcomes yet in this clinic' },
    };
    const w = mount(PlanCard, { props: { rec, busy: false } });
    expect(w.get('[data-testid="plan-outcomes"]').text()).toBe('No recorded outcomes yet in this clinic');
    expect(w.get('[data-testid="plan-outcomes"]').classes()).toContain('none');
    expect(w.text()).not.toMatch(/strength|100|%/i);
    for (const el of w.findAll('[title], [aria-label]')) expect(`${el.attributes('title') ?? ''} ${el.attributes('aria-label') ?? ''}`).not.toMatch(/strength|percent|%/i);
  });

  it('with all methods, says what the suggestion rests on in words, as shares of the ranking and not chances of success', () => {
    const rec: PlanRecommendation = {
      ...base,
      mode: 'hybrid',
      shares: [
        { source: 'similar patients', method: 'user', percent: 60 },
        { source: 'plan attributes', method: 'content', percent: 30 },
        { source: 'how often chosen', method: 'popular', percent: 10 },
      ],
    };
    const w = mount(PlanCard, { props: { rec, busy: false } });
    const shares = w.get('[data-testid="plan-shares"]');
    expect(shares.text()).toBe('What it rests on: similar patients 60 %, plan attributes 30 %, how often chosen 10 %');
    expect(shares.attributes('title')).toContain('not a chance of success');
    expect(w.text()).toContain('found by all methods');
    expect(w.text()).not.toMatch(/hybrid|user|content|popular/i);
  });

  it('asks before accepting and passes the note on', async () => {
    const w = mount(PlanCard, { props: { rec: base, busy: false } });
    await w.get('[data-testid="plan-accept"]').trigger('click');
    await w.get('[data-testid="plan-decision-reason"]').setValue('agreed');
    await w.get('[data-testid="plan-confirm"]').trigger('submit');
    expect(w.emitted('decide')).toEqual([['accept', 'agreed']]);
  });
});

describe('PlanCard in Chinese', () => {
  afterEach(() => setLocale('en'));

  it('words the reason, the clinic’s record and the shares from their keys, with the data as recorded', () => {
    setLocale('zh-CN');
    const rec: PlanRecommendation = {
      ...base,
      mode: 'hybrid',
      reasonParts: [
        { key: 'similarPatients', params: { patients: 7, byProfile: true, improved: 6, notImproved: 1, pending: 0 } },
        { key: 'similarPlans', params: { plans: [{ name: 'Doxy plan', outcome: 'improved' }], more: 0 } },
        { key: 'ownHistory', params: { outcome: 'not improved' } },
      ],
      shares: [{ source: 'similar patients', method: 'user', percent: 100 }],
    };
    const w = mount(PlanCard, { props: { rec, busy: false } });
    expect(w.get('[data-testid="plan-reason"]').text()).toBe(
      '推荐理由： 7 位年龄、性别和病情相似的患者采用过此计划；6 人好转，1 人未好转。该患者采用过 “Doxy plan”（已好转）；采用过该计划的患者也常采用此计划。该患者以前采用过此计划：未好转。',
    );
    expect(w.get('[data-testid="plan-outcomes"]').text()).toBe('本机构：7 位已记录结果的患者中有 6 位好转');
    expect(w.get('[data-testid="plan-shares"]').text()).toBe('依据：相似患者 100%');
    // Only the data is in Latin letters: plan names, the summary and the condition as recorded.
    expect(w.text().replace(/Doxy plan|Plan A|Do A|pneumonia|J18/g, '')).not.toMatch(/[A-Za-z]{2,}/);
  });
});
