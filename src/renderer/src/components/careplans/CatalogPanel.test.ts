import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { flushPromises, mount } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import type { Api } from '../../../../shared/ipc/contract';
import type { Role } from '../../../../shared/domain/actor';
import { setApi } from '../../api';
import { useAuthStore } from '../../stores/auth';
import CatalogPanel from './CatalogPanel.vue';

const plan = {
  id: 'plan-a',
  name: 'Plan A',
  summary: '',
  conditions: [{ code: 'J18', words: 'pneumonia' }],
  interventions: [],
  setting: '',
  intensity: 'moderate',
  durationWeeks: null,
  medicationClasses: [],
  ageBands: [],
  contraindications: ['Z33', 'age:0-17', 'sex:F'],
  evidenceNote: '',
  demo: false,
  retired: false,
};

function fakeApi(role: Role) {
  const ok = <T>(value: T) => ({ ok: true as const, value });
  return {
    auth: { status: vi.fn(async () => ok({ needsSetup: false, locked: false, idleMinutes: 15, user: { id: 'u', username: 'u', displayName: 'U', role, disabled: false, createdAt: '', createdBy: '', lastLoginAt: null } })) },
    careplans: {
      listPlans: vi.fn(async () => ok([plan])),
      savePlan: vi.fn(async () => ({ ok: false, error: { code: 'VALIDATION', message: 'Check the form: Age bands (item 1) must be text.', issues: [{ path: 'fields.ageBands.0', message: 'Age bands (item 1) must be text' }, { path: 'fields.name', message: 'Name is required' }, { path: 'fields.durationWeeks', message: 'Too long' }] } })),
      retirePlan: vi.fn(async () => ok(plan)),
      exportPlans: vi.fn(async () => ok({ csv: '' })),
    },
    on: () => () => {},
  } as unknown as Api;
}

beforeEach(() => setActivePinia(createPinia()));
afterEach(() => setApi(null));

async function mountAs(role: Role) {
  const api = fakeApi(role);
  setApi(api);
  await useAuthStore().refresh();
  const w = mount(CatalogPanel);
  await flushPromises();
  return { api, w };
}

describe('CatalogPanel by role', () => {
  it('a clinician reads and exports the catalog; every change control is disabled with the reason', async () => {
    const { api, w } = await mountAs('clinician');
    expect(w.get('[data-testid="catalog-role-hint"]').text()).toContain('Only an administrator can add, edit, retire or import care plans. You are signed in as a clinician');
    const expectations: [string, string][] = [
      ['catalog-demo', 'Only an administrator can load the demo catalog'],
      ['catalog-new', 'Only an administrator can add or edit a care plan'],
      ['plan-edit', 'Only an administrator can add or edit a care plan'],
      ['plan-retire', 'Only an administrator can retire a care plan'],
    ];
    for (const [id, why] of expectations) {
      const b = w.get(`[data-testid="${id}"]`);
      expect(b.attributes('disabled'), id).toBeDefined();
      expect(b.attributes('title'), id).toBe(why);
    }
    expect(w.get('[data-testid="import-plans"]').attributes('disabled')).toBeDefined();
    expect(w.get('[data-testid="import-assignments"]').attributes('disabled')).toBeDefined();
    await w.get('[data-testid="plan-retire"]').trigger('click');
    expect(api.careplans.retirePlan).not.toHaveBeenCalled();
    // The table says who a plan is not for in words, not the catalog's codes.
    expect(w.get('[data-testid="catalog-table"]').text()).toContain('Z33, ages 0-17, female patients');
    const exportButton = w.findAll('button').find((b) => b.text() === 'Export plans')!;
    expect(exportButton.attributes('disabled')).toBeUndefined();
  });

  it('an administrator may change it; a refused plan names fields in words, never the schema path', async () => {
    const { api, w } = await mountAs('admin');
    expect(w.find('[data-testid="catalog-role-hint"]').exists()).toBe(false);
    expect(w.get('[data-testid="plan-retire"]').attributes('disabled')).toBeUndefined();
    await w.get('[data-testid="plan-retire"]').trigger('click');
    await flushPromises();
    expect(api.careplans.retirePlan).toHaveBeenCalledWith({ id: 'plan-a', retired: true });
    await w.get('[data-testid="catalog-new"]').trigger('click');
    await w.get('[data-testid="plan-form"]').trigger('submit');
    await flushPromises();
    const error = w.get('[data-testid="catalog-error"]').text();
    expect(error).toContain('Age bands (item 1) must be text');
    expect(error).toContain('Name is required');
    expect(error).toContain('Duration (weeks): Too long');
    expect(error).not.toMatch(/fields\.|ageBands|durationWeeks/);
  });
});
