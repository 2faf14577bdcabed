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

describe('PatientsView allergies', () => {
  function allergyApi() {
    const ok = <T>(value: T) => ({ ok: true as const, value });
    let allergies: { id: string; patientId: string; substance: string; code: string | null; codeSystem: string | null; reaction: string; severity: string | null; recordedAt: string; recordedBy: string; removedAt: null; removedBy: null; removedReason: string }[] = [];
    let noneKnown: { id: string; recordedAt: string; recordedBy: string } | null = null;
    const record = () => ({ patientId: 'p1', status: allergies.length ? 'recorded' : noneKnown ? 'none-known' : 'not-recorded', allergies, noneKnown, history: [] });
    return fakeApi({
      allergies: vi.fn(async () => ok(record())),
      summaries: vi.fn(async () => ok([{ patient: ada, allergies: record() }])),
      addAllergy: vi.fn(async ({ allergy }: { allergy: { substance: string; reaction?: string; severity?: string; code?: string; codeSystem?: string } }) => {
        if (allergy.codeSystem && !/^\d+$/.test(allergy.code ?? '')) {
          return { ok: false as const, error: { code: 'VALIDATION' as const, message: 'Check the fields', issues: [{ path: 'allergy.code', message: 'A SNOMED CT code is 6 to 18 digits' }] } };
        }
        noneKnown = null;
        allergies = [...allergies, { id: `a${allergies.length}`, patientId: 'p1', substance: allergy.substance, code: null, codeSystem: null, reaction: allergy.reaction ?? '', severity: allergy.severity ?? null, recordedAt: '2026-01-02T00:00:00Z', recordedBy: 'dr', removedAt: null, removedBy: null, removedReason: '' }];
        return ok(record());
      }),
      noKnownAllergies: vi.fn(async () => {
        noneKnown = { id: 's1', recordedAt: '2026-01-02T00:00:00Z', recordedBy: 'dr' };
        return ok(record());
      }),
    } as unknown as Partial<Api['patients']>);
  }

  it('records an allergy (field errors beside the field) and the banner shows it; "no known allergies" is a separate statement', async () => {
    const api = allergyApi();
    setApi(api);
    const wrapper = mount(PatientsView);
    await flushPromises();
    await wrapper.get('[data-testid="patient-row"]').trigger('click');
    await flushPromises();
    expect(wrapper.get('[data-testid="banner-allergies"]').text()).toContain('Allergies not recorded');
    expect(wrapper.get('[data-testid="patient-row"]').text()).toContain('Female');
    expect(wrapper.get('[data-testid="patient-row"]').text()).not.toContain('1815-12-10');

    await wrapper.get('[data-testid="allergy-nka"]').trigger('click');
    await flushPromises();
    expect(api.patients.noKnownAllergies).toHaveBeenCalledWith({ patientId: 'p1' });
    expect(wrapper.get('[data-testid="banner-allergies"]').text()).toContain('No known allergies');

    await wrapper.get('[data-testid="allergy-substance"]').setValue('penicillin');
    await wrapper.get('[data-testid="allergy-code-system"]').setValue('SNOMED CT');
    await wrapper.get('[data-testid="allergy-code"]').setValue('abc');
    await wrapper.get('[data-testid="allergy-form"]').trigger('submit');
    await flushPromises();
    expect(wrapper.get('[data-testid="error-code"]').text()).toBe('A SNOMED CT code is 6 to 18 digits');
    expect(wrapper.get('[data-testid="banner-allergies"]').text()).toContain('No known allergies');

    await wrapper.get('[data-testid="allergy-code-system"]').setValue('');
    await wrapper.get('[data-testid="allergy-reaction"]').setValue('hives');
    await wrapper.get('[data-testid="allergy-severity"]').setValue('moderate');
    await wrapper.get('[data-testid="allergy-form"]').trigger('submit');
    await flushPromises();
    expect(api.patients.addAllergy).toHaveBeenLastCalledWith({ patientId: 'p1', allergy: { substance: 'penicillin', reaction: 'hives', severity: 'moderate' } });
    expect(wrapper.get('[data-testid="banner-allergies"]').text()).toContain('Allergies: penicillin (hives, moderate)');
    expect(wrapper.findAll('[data-testid="allergy-item"]')).toHaveLength(1);
    expect(wrapper.find('[data-testid="allergy-nka"]').exists()).toBe(false);
    expect((wrapper.get('[data-testid="allergy-substance"]').element as HTMLInputElement).value).toBe('');
  });
});

describe('PatientsView and "no ID" patients (DICOM without a Patient ID)', () => {
  const jane = { ...ada, id: 'p2', mrn: 'NO-ID:0123456789abcdef', name: 'Roe Jane', birthDate: '1960-01-01' };

  it('edits with an empty MRN and a note, and saving without an MRN leaves the key alone', async () => {
    const update = vi.fn(async ({ id, changes }: { id: string; changes: Record<string, unknown> }) => ({ ok: true as const, value: { ...jane, ...changes, id } }));
    const api = fakeApi({ list: vi.fn(async () => ({ ok: true as const, value: { items: [jane], total: 1 } })), update } as unknown as Partial<Api['patients']>);
    setApi(api);
    const wrapper = mount(PatientsView);
    await flushPromises();
    await wrapper.get('[data-testid="patient-row"]').trigger('click');
    await wrapper.get('[data-testid="patient-edit"]').trigger('click');
    const mrn = wrapper.get('[data-testid="field-mrn"]').element as HTMLInputElement;
    expect(mrn.value).toBe('');
    expect(wrapper.text()).not.toContain('NO-ID:');
    expect(wrapper.get('[data-testid="mrn-no-id-note"]').text()).toContain('DICOM without a Patient ID');
    expect(wrapper.get('[data-testid="mrn-no-id-note"]').text()).toContain('check the identity');
    await wrapper.get('[data-testid="field-name"]').setValue('Roe Jane A');
    await wrapper.get('[data-testid="patient-form"]').trigger('submit');
    await flushPromises();
    expect(update).toHaveBeenCalledTimes(1);
    const changes = update.mock.calls[0]![0].changes;
    expect(changes).toMatchObject({ name: 'Roe Jane A', birthDate: '1960-01-01' });
    expect(changes).not.toHaveProperty('mrn');
    expect(wrapper.find('[data-testid="patient-form"]').exists()).toBe(false);
  });

  it('sends an MRN typed for a "no ID" patient', async () => {
    const update = vi.fn(async ({ id, changes }: { id: string; changes: Record<string, unknown> }) => ({ ok: true as const, value: { ...jane, ...changes, id } }));
    setApi(fakeApi({ list: vi.fn(async () => ({ ok: true as const, value: { items: [jane], total: 1 } })), update } as unknown as Partial<Api['patients']>));
    const wrapper = mount(PatientsView);
    await flushPromises();
    await wrapper.get('[data-testid="patient-row"]').trigger('click');
    await wrapper.get('[data-testid="patient-edit"]').trigger('click');
    await wrapper.get('[data-testid="field-mrn"]').setValue('H-12345');
    await wrapper.get('[data-testid="patient-form"]').trigger('submit');
    await flushPromises();
    expect(update.mock.calls[0]![0].changes).toMatchObject({ mrn: 'H-12345' });
  });

  it('shows a patient with a real MRN in the field, without the note', async () => {
    setApi(fakeApi());
    const wrapper = mount(PatientsView);
    await flushPromises();
    await wrapper.get('[data-testid="patient-row"]').trigger('click');
    await wrapper.get('[data-testid="patient-edit"]').trigger('click');
    expect((wrapper.get('[data-testid="field-mrn"]').element as HTMLInputElement).value).toBe('A1');
    expect(wrapper.find('[data-testid="mrn-no-id-note"]').exists()).toBe(false);
  });
});

describe('PatientsView after an import', () => {
  it('lists the patients an import registered when the import ends, without a reload', async () => {
    let items = [ada];
    const listeners = new Map<string, (payload: unknown) => void>();
    const api = fakeApi({ list: vi.fn(async () => ({ ok: true as const, value: { items, total: items.length } })) } as unknown as Partial<Api['patients']>);
    const unsubscribe = vi.fn();
    (api as unknown as { on: unknown }).on = vi.fn((name: string, cb: (payload: unknown) => void) => {
      listeners.set(name, cb);
      return unsubscribe;
    });
    setApi(api);
    const wrapper = mount(PatientsView);
    await flushPromises();
    expect(wrapper.findAll('[data-testid="patient-row"]')).toHaveLength(1);
    items = [ada, { ...ada, id: 'p3', mrn: 'B2', name: 'Bea Imported' }];
    const progress = listeners.get('imaging:progress')!;
    progress({ importId: 'i1', state: 'running', processed: 1, found: 2 });
    await flushPromises();
    expect(wrapper.findAll('[data-testid="patient-row"]')).toHaveLength(1);
    progress({ importId: 'i1', state: 'done', processed: 2, found: 2 });
    await flushPromises();
    expect(wrapper.findAll('[data-testid="patient-row"]')).toHaveLength(2);
    expect(wrapper.text()).toContain('Bea Imported');
    wrapper.unmount();
    expect(unsubscribe).toHaveBeenCalled();
  });
});
