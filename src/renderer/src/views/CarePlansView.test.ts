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
      reason: '4 similar patients had this plan, mean similarity 0.33, 4 improved',
      numbers: {},
    },
  ],
  withheld: [{ planId: 'plan-b', name: 'Plan B', reason: 'contraindicated: the patient has penicillin allergy (Z88.0)' }],
  basis: { ageBand: '65+', sex: 'F', conditions: [{ code: 'J18.9', words: 'pneumonia' }], outcomes: 0 },
  declined: [],
  model: { patients: 5, plans: 10, outcomes: 4, weights: null },
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
