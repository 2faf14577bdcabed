import { flushPromises, mount } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Api } from '../../../shared/ipc/contract';
import type { RecommendationList } from '../../../shared/domain/careplans';
import { setApi } from '../api';
import { useNavStore } from '../stores/nav';
import CarePlansView from './CarePlansView.vue';

const grace = { id: 'p1', mrn: 'GH1', name: 'Grace Hopper', birthDate: '1950-01-09', sex: 'F', notes: '', createdAt: '', updatedAt: '' };

const list: RecommendationList = {
  patientId: 'p1',
  mode: 'hybrid',
  items: [
    {
      planId: 'plan-a',
      name: 'Plan A',
      summary: 'Do A',
      evidenceNote: 'Demo note',
      demo: true,
      conditions: [{ code: 'J18', words: 'pneumonia' }],
      mode: 'hybrid',
      score: 0.8,
      strength: 1,
      reason: '4 similar patients had this plan; 4 improved.',
      reasonParts: [{ key: 'similarPatients', params: { patients: 4, byProfile: false, improved: 4, notImproved: 0, pending: 0 } }],
      numbers: {},
      clinicOutcomes: { patients: 4, recorded: 4, improved: 4, text: 'In this clinic: 4 of 4 patients with a recorded outcome improved' },
      shares: [],
    },
  ],
  withheld: [
    {
      planId: 'plan-b',
      name: 'Plan B',
      reason: 'contraindicated: the patient has penicillin allergy (Z88.0)',
      why: { key: 'condition', params: { words: 'penicillin allergy', code: 'Z88.0' } },
    },
  ],
  basis: { ageBand: '65+', sex: 'F', conditions: [{ code: 'J18.9', words: 'pneumonia' }], outcomes: 0 },
  declined: [],
  alternatives: [],
  model: { patients: 5, plans: 10, outcomes: 4, weights: null, weightsInWords: null, blend: null },
};

function fakeApi() {
  const ok = <T>(value: T) => ({ ok: true as const, value });
  return {
    patients: { list: vi.fn(async () => ok({ items: [grace], total: 1 })), get: vi.fn(async () => ok(grace)) },
    careplans: {
      conditions: vi.fn(async () => ok([{ id: 'c1', patientId: 'p1', code: 'J18.9', words: 'pneumonia', source: 'hand', notedAt: '', notedBy: 'x' }])),
      assignments: vi.fn(async () => ok([])),
      recommend: vi.fn(async () => ok(list)),
      decide: vi.fn(async () => ok({ assignment: null })),
    },
  } as unknown as Api;
}

beforeEach(() => setActivePinia(createPinia()));
afterEach(() => setApi(null));

describe('CarePlansView', () => {
  it('opens the patient handed over by navigation, shows cards with reasons and the withheld plans without a card', async () => {
    const api = fakeApi();
    setApi(api);
    useNavStore().params = { patientId: 'p1' };
    const wrapper = mount(CarePlansView);
    await flushPromises();
    expect(api.patients.get).toHaveBeenCalledWith({ id: 'p1' });
    expect(api.careplans.recommend).toHaveBeenCalledWith({ patientId: 'p1', mode: 'hybrid', k: 5 });
    const cards = wrapper.findAll('[data-testid="plan-card"]');
    expect(cards).toHaveLength(1);
    expect(cards[0]!.text()).toContain('4 similar patients had this plan');
    expect(cards[0]!.text()).toContain('Demo · not medical advice');
    expect(wrapper.find('[data-plan-id="plan-b"]').exists()).toBe(false);
    expect(wrapper.get('[data-testid="cp-withheld"]').text()).toContain('penicillin allergy (Z88.0)');
  });

  it('accepts with a reason and switches mode', async () => {
    const api = fakeApi();
    setApi(api);
    useNavStore().params = { patientId: 'p1' };
    const wrapper = mount(CarePlansView);
    await flushPromises();
    await wrapper.get('[data-testid="plan-accept"]').trigger('click');
    await wrapper.get('[data-testid="plan-decision-reason"]').setValue('agreed');
    await wrapper.get('[data-testid="plan-confirm"]').trigger('submit');
    await flushPromises();
    expect(api.careplans.decide).toHaveBeenCalledWith(expect.objectContaining({ patientId: 'p1', planId: 'plan-a', decision: 'accept', reason: 'agreed', mode: 'hybrid' }));
    await wrapper.get('[data-testid="cp-mode-user"]').trigger('click');
    await flushPromises();
    expect(api.careplans.recommend).toHaveBeenLastCalledWith({ patientId: 'p1', mode: 'user', k: 5 });
  });
});

describe('CarePlansView and the patient it was sent to', () => {
  it("hides the previous patient's problem list and suggestions while the next patient's load, and shows the banner of the one asked for", async () => {
    const api = fakeApi();
    const alan = { ...grace, id: 'p2', mrn: 'AT1', name: 'Alan Turing', sex: 'M' };
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    (api.patients as unknown as { get: ReturnType<typeof vi.fn> }).get.mockImplementation(async ({ id }: { id: string }) => {
      if (id === 'p2') await held;
      return { ok: true, value: id === 'p2' ? alan : grace };
    });
    (api.patients as unknown as { summaries: unknown }).summaries = vi.fn(async ({ ids }: { ids: string[] }) => ({
      ok: true,
      value: ids.map((id) => ({ patient: id === 'p2' ? alan : grace, allergies: { patientId: id, status: 'not-recorded', allergies: [], noneKnown: null } })),
    }));
    setApi(api);
    const nav = useNavStore();
    nav.go('careplans', { patientId: 'p1' });
    const wrapper = mount(CarePlansView);
    await flushPromises();
    expect(wrapper.get('[data-testid="cp-problem-list"]').text()).toContain('Grace Hopper');
    expect(wrapper.get('[data-testid="banner-name"]').text()).toBe('Grace Hopper');

    nav.go('patients');
    nav.go('careplans', { patientId: 'p2' });
    await flushPromises();
    expect(location.hash).toBe('#/careplans/p2');
    expect(wrapper.find('[data-testid="cp-problem-list"]').exists()).toBe(false);
    expect(wrapper.find('[data-testid="plan-card"]').exists()).toBe(false);
    expect(wrapper.find('[data-testid="cp-loading"]').exists()).toBe(true);
    expect(wrapper.get('[data-testid="banner-name"]').text()).toBe('Alan Turing');
    expect(wrapper.text()).not.toContain('Problem list: Grace Hopper');

    release();
    await flushPromises();
    expect(wrapper.get('[data-testid="cp-problem-list"]').text()).toContain('Problem list: Alan Turing');
    expect(api.careplans.recommend).toHaveBeenLastCalledWith({ patientId: 'p2', mode: 'hybrid', k: 5 });
  });

  it('asks again on every visit (an allergy recorded elsewhere changes what may be offered), and the list navigates', async () => {
    const api = fakeApi();
    setApi(api);
    const nav = useNavStore();
    nav.go('careplans', { patientId: 'p1' });
    const wrapper = mount(CarePlansView);
    await flushPromises();
    expect(api.careplans.recommend).toHaveBeenCalledTimes(1);
    nav.go('patients');
    nav.go('careplans', { patientId: 'p1' });
    await flushPromises();
    expect(api.careplans.recommend).toHaveBeenCalledTimes(2);

    nav.go('careplans');
    await flushPromises();
    expect(wrapper.find('[data-testid="cp-problem-list"]').exists()).toBe(false);
    expect(wrapper.get('[data-testid="patient-banner"]').attributes('data-state')).toBe('none');
    await wrapper.get('[data-testid="cp-patient"]').trigger('click');
    await flushPromises();
    expect(location.hash).toBe('#/careplans/p1');
    expect(wrapper.get('[data-testid="cp-problem-list"]').text()).toContain('Grace Hopper');
  });
});

/** Words meant for software that the page walk (tests/e2e/wording.spec.ts) fails on, and the recommender's own vocabulary. */
const DEVELOPER_WORDS = /\[(?:content|user|item|hybrid|popular)\b|\b(?:hybrid|content|user|item) mode\b|[Hh]ybrid weights|\bsex [FMOU]\b|ageBand|[Aa]ge band|cosine|strength|\bweight \d/;

describe('CarePlansView in the clinic’s words', () => {
  const accepted = {
    id: 'a1',
    patientId: 'p1',
    planId: 'plan-d',
    planName: 'Doxy plan',
    assignedAt: '2026-03-01T10:00:00.000Z',
    assignedBy: 'dr.x',
    outcomeGrade: null,
    improved: null,
    outcomeNote: '',
    outcomeAt: null,
    source: 'accepted',
    mode: 'hybrid',
    reason: '',
  };
  const worded: RecommendationList = {
    ...list,
    items: [
      {
        ...list.items[0]!,
        reason: '7 similar patients had this plan; 6 improved, 1 did not. A plan for pneumonia, meant for patients 65 years or older, as this patient is.',
        reasonParts: [
          { key: 'similarPatients', params: { patients: 7, byProfile: false, improved: 6, notImproved: 1, pending: 0 } },
          { key: 'attributes', params: { conditions: ['pneumonia'], ageBand: '65+', like: [] } },
        ],
        clinicOutcomes: { patients: 7, recorded: 7, improved: 6, text: 'In this clinic: 6 of 7 patients with a recorded outcome improved' },
        shares: [
          { source: 'similar patients', method: 'user', percent: 60 },
          { source: 'plan attributes', method: 'content', percent: 30 },
          { source: 'how often chosen', method: 'popular', percent: 10 },
        ],
        numbers: { userContribution: 0.6, contentContribution: 0.3, popularContribution: 0.1 },
      },
    ],
    alternatives: [
      { planId: 'plan-c', name: 'Inpatient plan', acceptedPlanId: 'plan-d', acceptedPlan: 'Doxy plan', conditions: [{ code: 'J18.9', words: 'pneumonia' }] },
      { planId: 'plan-e', name: 'Other pneumonia plan', acceptedPlanId: 'plan-d', acceptedPlan: 'Doxy plan', conditions: [{ code: 'J18.9', words: 'pneumonia' }] },
    ],
    basis: { ageBand: '65+', sex: 'M', conditions: [{ code: 'J18.9', words: 'pneumonia' }], outcomes: 1 },
    model: {
      patients: 3,
      plans: 10,
      outcomes: 1,
      weights: 'user 0.3, item 0.3, content 0.3, popular 0.1 (defaults (too little history to validate))',
      weightsInWords: 'similar patients 30 %, similar plans 30 %, plan attributes 30 %, how often chosen 10 % (a default mix: too little history in this clinic to tune it)',
      blend: {
        shares: [
          { method: 'user', percent: 30 },
          { method: 'item', percent: 30 },
          { method: 'content', percent: 30 },
          { method: 'popular', percent: 10 },
        ],
        defaults: true,
      },
    },
  };

  async function mountWith(value: RecommendationList) {
    const api = fakeApi();
    (api.careplans as unknown as { recommend: ReturnType<typeof vi.fn> }).recommend.mockImplementation(async () => ({ ok: true, value }));
    (api.careplans as unknown as { assignments: ReturnType<typeof vi.fn> }).assignments.mockImplementation(async () => ({ ok: true, value: [accepted] }));
    setApi(api);
    useNavStore().params = { patientId: 'p1' };
    const wrapper = mount(CarePlansView);
    await flushPromises();
    return wrapper;
  }

  it('says who the suggestions are for, names the methods with what they do, and where an assignment came from, in words', async () => {
    const wrapper = await mountWith(worded);
    expect(wrapper.get('[data-testid="cp-basis"]').text()).toBe('65 years or older, male; 1 plan on record.');
    const modes = wrapper.findAll('[data-testid^="cp-mode-"][role="radio"]');
    expect(modes.map((b) => b.text())).toEqual(['All methods', 'Similar patients', 'Similar plans', 'Plan attributes']);
    for (const b of modes) expect(b.attributes('title')).toMatch(/^[A-Z].{30,}\.$/);
    expect(wrapper.get('[data-testid="cp-mode-user"]').attributes('title')).toContain('patients like this one');
    expect(wrapper.get('[data-testid="cp-assignment-origin"]').text()).toContain('(accepted from a suggestion: all methods)');
    expect(wrapper.get('[data-testid="cp-model"]').text()).toContain(
      'All methods are mixed as similar patients 30 %, similar plans 30 %, plan attributes 30 %, how often chosen 10 % (a default mix: too little history in this clinic to tune it).',
    );
    const card = wrapper.get('[data-testid="plan-card"]');
    expect(card.get('[data-testid="plan-outcomes"]').text()).toBe('In this clinic: 6 of 7 patients with a recorded outcome improved');
    expect(card.get('[data-testid="plan-shares"]').text()).toBe('What it rests on: similar patients 60 %, plan attributes 30 %, how often chosen 10 %');
    // Nothing of the software's vocabulary in the text or in a tooltip.
    expect(wrapper.text()).not.toMatch(DEVELOPER_WORDS);
    for (const el of wrapper.findAll('[title]')) expect(el.attributes('title')).not.toMatch(DEVELOPER_WORDS);
  });

  it('shows the alternatives to an accepted plan collapsed, not as suggestions', async () => {
    const wrapper = await mountWith(worded);
    const alt = wrapper.get('[data-testid="cp-alternatives"]');
    expect(alt.element.tagName).toBe('DETAILS');
    expect((alt.element as HTMLDetailsElement).open).toBe(false);
    expect(alt.get('summary').text()).toBe('2 alternatives to the accepted plan “Doxy plan” for pneumonia: not offered while it is under way');
    expect(alt.findAll('[data-testid="cp-alternative"]').map((l) => l.text())).toEqual(['Inpatient plan', 'Other pneumonia plan']);
    expect(wrapper.findAll('[data-testid="plan-card"]').map((c) => c.attributes('data-plan-id'))).toEqual(['plan-a']);
  });
});
