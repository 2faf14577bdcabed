import { mount } from '@vue/test-utils';
import { describe, expect, it } from 'vitest';
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
        { source: 'similar patients', percent: 60 },
        { source: 'plan attributes', percent: 30 },
        { source: 'how often chosen', percent: 10 },
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
