import { flushPromises, mount } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Api } from '../../../../shared/ipc/contract';
import type { Patient, PatientAllergies, PatientSummary } from '../../../../shared/domain/patient';
import { setApi } from '../../api';
import { ageInYears, formatAge, formatDate, sexInWords } from '../../format';
import { usePatientsStore } from '../../stores/patients';
import PatientBanner from './PatientBanner.vue';

const person = (id: string, name: string, over: Partial<Patient> = {}): Patient => ({
  id,
  mrn: `MRN-${id}`,
  name,
  birthDate: '1957-03-12',
  sex: 'F',
  notes: '',
  createdAt: '',
  updatedAt: '',
  ...over,
});
const notRecorded = (patientId: string): PatientAllergies => ({ patientId, status: 'not-recorded', allergies: [], noneKnown: null });

function deferred<T>() {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

describe('format helpers', () => {
  it('writes a calendar date with the month as a word, in UTC so no time zone moves it a day', () => {
    expect(formatDate('1957-03-12', 'en-GB')).toBe('12 Mar 1957');
    expect(formatDate('1957-03-12', 'en-US')).toBe('Mar 12, 1957');
    expect(formatDate('2000-01-01T23:30:00.000Z', 'en-GB')).toBe('1 Jan 2000');
    expect(formatDate(null)).toBe('—');
    // The default locale never gives back the raw ISO string.
    expect(formatDate('1957-03-12')).not.toContain('1957-03-12');
    expect(formatDate('1957-03-12')).toContain('1957');
  });

  it('computes whole years, counting the birthday itself, leap days and the future', () => {
    const on = (y: number, m: number, d: number) => new Date(y, m - 1, d, 12);
    expect(ageInYears('1957-03-12', on(2026, 3, 11))).toBe(68);
    expect(ageInYears('1957-03-12', on(2026, 3, 12))).toBe(69);
    expect(ageInYears('1957-03-12', on(2026, 12, 31))).toBe(69);
    expect(ageInYears('2000-02-29', on(2025, 2, 28))).toBe(24);
    expect(ageInYears('2000-02-29', on(2025, 3, 1))).toBe(25);
    expect(ageInYears('2030-01-01', on(2026, 1, 1))).toBeNull();
    expect(ageInYears(null)).toBeNull();
    expect(formatAge('1957-03-12', on(2026, 3, 12))).toBe('69 years');
    expect(formatAge('2025-01-15', on(2026, 1, 15))).toBe('1 year');
    expect(formatAge('2025-11-20', on(2026, 2, 19))).toBe('2 months');
    expect(formatAge(null)).toBe('age unknown');
  });

  it('says the sex in words', () => {
    expect(['F', 'M', 'O', 'U', 'X'].map(sexInWords)).toEqual(['Female', 'Male', 'Other', 'Unknown', 'Unknown']);
  });
});

describe('PatientBanner', () => {
  let summaries: ReturnType<typeof vi.fn>;
  let image: ReturnType<typeof vi.fn>;

  beforeEach(() => {
    setActivePinia(createPinia());
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date(2026, 0, 15, 12));
    const ada = person('p1', 'Ada Lovelace');
    summaries = vi.fn(async ({ ids }: { ids: string[] }) => ({ ok: true as const, value: ids.map((id) => ({ patient: id === 'p1' ? ada : person(id, `Patient ${id}`, { sex: 'M', birthDate: null }), allergies: notRecorded(id) })) }));
    image = vi.fn(async ({ id }: { id: string }) => ({ ok: true as const, value: { id, patientId: id === 'loose' ? null : 'p1' } }));
    setApi({ patients: { summaries }, imaging: { image } } as unknown as Api);
  });
  afterEach(() => {
    vi.useRealTimers();
    setApi(null);
  });

  it('shows name, MRN, birth date with age in years and sex in words together', async () => {
    const wrapper = mount(PatientBanner, { props: { patientId: 'p1' } });
    await flushPromises();
    expect(summaries).toHaveBeenCalledWith({ ids: ['p1'] });
    expect(wrapper.get('[data-testid="patient-banner"]').attributes('data-patient-id')).toBe('p1');
    expect(wrapper.get('[data-testid="banner-name"]').text()).toBe('Ada Lovelace');
    expect(wrapper.get('[data-testid="banner-mrn"]').text()).toBe('MRN-p1');
    expect(wrapper.get('[data-testid="banner-birth"]').text()).toBe(`Born ${formatDate('1957-03-12')} (68 years)`);
    expect(wrapper.get('[data-testid="banner-sex"]').text()).toBe('Female');
    expect(wrapper.text()).not.toContain('1957-03-12');
  });

  it('tells recorded allergies, "no known allergies" and "allergies not recorded" apart', async () => {
    const allergies: Record<string, PatientAllergies> = {
      a: {
        patientId: 'a',
        status: 'recorded',
        noneKnown: null,
        allergies: [
          { id: 'x1', patientId: 'a', substance: 'penicillin', code: null, codeSystem: null, reaction: 'anaphylaxis', severity: 'severe', recordedAt: '', recordedBy: 'dr', removedAt: null, removedBy: null, removedReason: '' },
          { id: 'x2', patientId: 'a', substance: 'peanut', code: null, codeSystem: null, reaction: '', severity: null, recordedAt: '', recordedBy: 'dr', removedAt: null, removedBy: null, removedReason: '' },
        ],
      },
      n: { patientId: 'n', status: 'none-known', allergies: [], noneKnown: { id: 's1', recordedAt: '2026-01-02T10:00:00Z', recordedBy: 'dr' } },
      u: notRecorded('u'),
    };
    summaries.mockImplementation(async ({ ids }: { ids: string[] }) => ({ ok: true, value: ids.map((id): PatientSummary => ({ patient: person(id, id), allergies: allergies[id]! })) }));
    const seen: Record<string, [string | undefined, string]> = {};
    for (const id of ['a', 'n', 'u']) {
      const wrapper = mount(PatientBanner, { props: { patientId: id } });
      await flushPromises();
      const el = wrapper.get('[data-testid="banner-allergies"]');
      seen[id] = [el.attributes('data-status'), el.text()];
    }
    expect(seen.a).toEqual(['recorded', '⚠ Allergies: penicillin (anaphylaxis, severe); peanut']);
    expect(seen.n).toEqual(['none-known', '✓ No known allergies']);
    expect(seen.u).toEqual(['not-recorded', '? Allergies not recorded']);
  });

  it('finds the patient of an image, and says so when an image has none', async () => {
    const wrapper = mount(PatientBanner, { props: { imageId: 'img-1' } });
    await flushPromises();
    expect(image).toHaveBeenCalledWith({ id: 'img-1' });
    expect(wrapper.get('[data-testid="banner-name"]').text()).toBe('Ada Lovelace');
    await wrapper.setProps({ imageId: 'loose' });
    await flushPromises();
    expect(wrapper.get('[data-testid="banner-unassigned"]').text()).toBe('No patient (unassigned image)');
    expect(wrapper.find('[data-testid="banner-name"]').exists()).toBe(false);
    // An explicit null patient says the same without asking; no props at all: nobody chosen.
    const none = mount(PatientBanner, { props: { patientId: null } });
    expect(none.get('[data-testid="patient-banner"]').attributes('data-state')).toBe('unassigned');
    const empty = mount(PatientBanner, { props: { emptyText: 'No image open' } });
    expect(empty.text()).toBe('No image open');
  });

  it('never shows the previous patient while the next loads, and drops a late answer for the previous one', async () => {
    const forA = deferred<unknown>();
    const forB = deferred<unknown>();
    summaries.mockImplementation(({ ids }: { ids: string[] }) => (ids[0] === 'A' ? forA.promise : forB.promise));
    const wrapper = mount(PatientBanner, { props: { patientId: 'A' } });
    await wrapper.setProps({ patientId: 'B' });
    expect(wrapper.get('[data-testid="patient-banner"]').attributes('data-state')).toBe('loading');
    forB.resolve({ ok: true, value: [{ patient: person('B', 'Bea B'), allergies: notRecorded('B') }] });
    await flushPromises();
    forA.resolve({ ok: true, value: [{ patient: person('A', 'Al A'), allergies: notRecorded('A') }] });
    await flushPromises();
    expect(wrapper.get('[data-testid="banner-name"]').text()).toBe('Bea B');

    // Switching back to a patient shown before clears at once, then shows them.
    await wrapper.setProps({ patientId: 'C' });
    expect(wrapper.find('[data-testid="banner-name"]').exists()).toBe(false);
  });

  it('refuses an answer about someone else and fetches again when a patient record changes', async () => {
    summaries.mockImplementationOnce(async () => ({ ok: true, value: [{ patient: person('zz', 'Wrong Person'), allergies: notRecorded('zz') }] }));
    const wrapper = mount(PatientBanner, { props: { patientId: 'p1' } });
    await flushPromises();
    expect(wrapper.get('[data-testid="patient-banner"]').attributes('data-state')).toBe('error');
    expect(wrapper.text()).not.toContain('Wrong Person');
    usePatientsStore().changes++;
    await flushPromises();
    expect(wrapper.get('[data-testid="banner-name"]').text()).toBe('Ada Lovelace');
    expect(summaries).toHaveBeenCalledTimes(2);
  });
});
