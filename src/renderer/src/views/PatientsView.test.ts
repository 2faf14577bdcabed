import { flushPromises, mount } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Api } from '../../../shared/ipc/contract';
import { setApi } from '../api';
import PatientsView from './PatientsView.vue';

const ada = { id: 'p1', mrn: 'A1', name: 'Ada Lovelace', birthDate: '1815-12-10', sex: 'F', notes: '', createdAt: '2026-01-01T00:00:00Z', updatedAt: '2026-01-01T00:00:00Z' };

function fakeApi(overrides: Partial<Api['patients']> = {}) {
  const patients = {
    list: vi.fn(async () => ({ ok: true as const, value: { items: [ada], total: 1 } })),
    get: vi.fn(),
    create: vi.fn(async () => ({
      ok: false as const,
      error: { code: 'CONFLICT' as const, message: 'MRN A1 already belongs to another patient (Ada Lovelace). Nothing was changed.', issues: [{ path: 'mrn', message: 'This MRN is already in use' }] },
    })),
    update: vi.fn(),
    ...overrides,
  };
  return { patients } as unknown as Api;
}

beforeEach(() => setActivePinia(createPinia()));
afterEach(() => setApi(null));

describe('PatientsView', () => {
  it('lists patients from the api', async () => {
    setApi(fakeApi());
    const wrapper = mount(PatientsView);
    await flushPromises();
    expect(wrapper.findAll('[data-testid="patient-row"]')).toHaveLength(1);
    expect(wrapper.text()).toContain('Ada Lovelace');
  });

  it('shows a conflict beside the MRN field and keeps the form open', async () => {
    const api = fakeApi();
    setApi(api);
    const wrapper = mount(PatientsView);
    await flushPromises();
    await wrapper.get('[data-testid="patient-new"]').trigger('click');
    await wrapper.get('[data-testid="field-name"]').setValue('Other');
    await wrapper.get('[data-testid="field-mrn"]').setValue('A1');
    await wrapper.get('[data-testid="patient-form"]').trigger('submit');
    await flushPromises();
    expect(api.patients.create).toHaveBeenCalledWith(expect.objectContaining({ name: 'Other', mrn: 'A1', birthDate: null }));
    expect(wrapper.get('[data-testid="error-mrn"]').text()).toBe('This MRN is already in use');
    expect(wrapper.get('[data-testid="form-error"]').text()).toContain('Nothing was changed');
    expect(wrapper.find('[data-testid="patient-form"]').exists()).toBe(true);
  });
});
