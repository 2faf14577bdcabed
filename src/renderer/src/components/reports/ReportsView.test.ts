import { flushPromises, mount } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Api } from '../../../../shared/ipc/contract';
import type { ExportJob, ExportProgress } from '../../../../shared/domain/reports';
import { setApi } from '../../api';
import ReportsView from '../../views/ReportsView.vue';
import { useNavStore } from '../../stores/nav';

const patients = [
  { id: 'p1', mrn: 'A1', name: 'Ada Lovelace', birthDate: '1815-12-10', sex: 'F', notes: '', createdAt: '', updatedAt: '' },
  { id: 'p2', mrn: 'C1', name: '王小明', birthDate: null, sex: 'M', notes: '', createdAt: '', updatedAt: '' },
];

function job(over: Partial<ExportJob> = {}): ExportJob {
  return { id: 'j1', patientIds: ['p1', 'p2'], format: 'pdf', deidentified: true, includeDicom: false, state: 'running', outDir: '/tmp/out', total: 2, done: 0, files: [], failures: [], warnings: [], startedAt: '2026-01-01T00:00:00Z', finishedAt: null, startedBy: 'dr', durationMs: null, ...over };
}

function fakeApi() {
  let listener: ((p: ExportProgress) => void) | null = null;
  let current = job();
  const api = {
    patients: { list: vi.fn(async () => ({ ok: true as const, value: { items: patients, total: 2 } })) },
    reports: {
      jobs: vi.fn(async () => ({ ok: true as const, value: [] })),
      settings: vi.fn(async () => ({ ok: true as const, value: { clinicName: 'Clinic', clinicLogo: null } })),
      preview: vi.fn(async () => ({ ok: true as const, value: { patientId: 'p1', patientName: 'Ada Lovelace', mrn: 'A1', studies: 1, images: 2, diagnoses: 0, carePlans: 0, notes: [], studyList: [] } })),
      export: vi.fn(async () => ({ ok: true as const, value: current })),
      job: vi.fn(async () => ({ ok: true as const, value: current })),
      cancel: vi.fn(async () => ({ ok: true as const, value: current })),
    },
    on: vi.fn((_name: string, cb: (p: ExportProgress) => void) => {
      listener = cb;
      return () => (listener = null);
    }),
  };
  return {
    api: api as unknown as Api,
    raw: api,
    emit: (p: ExportProgress) => listener?.(p),
    setJob: (j: ExportJob) => (current = j),
  };
}

beforeEach(() => setActivePinia(createPinia()));
afterEach(() => setApi(null));

describe('ReportsView', () => {
  it('exports the ticked patients de-identified, shows progress, cancels, and lists what was written', async () => {
    const f = fakeApi();
    setApi(f.api);
    const wrapper = mount(ReportsView);
    await flushPromises();
    expect(wrapper.findAll('[data-testid="report-patient-row"]')).toHaveLength(2);
    expect(wrapper.get('[data-testid="report-start"]').attributes('disabled')).toBeDefined();
    await wrapper.findAll('[data-testid="report-patient-row"]')[0]!.trigger('click');
    await flushPromises();
    expect(f.raw.reports.preview).toHaveBeenCalledWith({ patient: 'p1' });
    expect(wrapper.get('[data-testid="report-preview"]').text()).toContain('2 images');
    await wrapper.get('[data-testid="report-select-shown"]').trigger('click');
    await wrapper.get('[data-testid="report-deidentify"]').setValue(true);
    await wrapper.get('[data-testid="report-form"]').trigger('submit');
    await flushPromises();
    expect(f.raw.reports.export).toHaveBeenCalledWith({ patients: ['p1', 'p2'], format: 'pdf', deidentify: true, includeDicom: false, language: 'en' });
    f.emit({ jobId: 'j1', state: 'running', done: 1, total: 2, current: 'CL-AAAA' });
    await flushPromises();
    expect(wrapper.get('[data-testid="report-progress-text"]').text()).toContain('1 of 2 patients');
    expect(wrapper.get('[data-testid="report-progress"]').attributes('aria-valuenow')).toBe('50');
    await wrapper.get('[data-testid="report-cancel"]').trigger('click');
    expect(f.raw.reports.cancel).toHaveBeenCalledWith({ jobId: 'j1' });
    f.setJob(job({ state: 'cancelled', done: 1, durationMs: 800, warnings: ['Cancelled after 1 of 2 patients; the files written so far are listed.'], files: [{ patientId: 'p1', label: 'CL-AAAA', fileName: 'CL-AAAA.pdf', path: '/tmp/out/CL-AAAA.pdf', bytes: 10, sha256: 'x', kind: 'pdf' }] }));
    f.emit({ jobId: 'j1', state: 'cancelled', done: 1, total: 2, current: null });
    await flushPromises();
    expect(wrapper.get('[data-testid="report-job"]').text()).toContain('Cancelled');
    expect(wrapper.get('[data-testid="report-files"]').text()).toContain('CL-AAAA.pdf');
    expect(wrapper.get('[data-testid="report-warning"]').text()).toContain('Cancelled after 1 of 2');
    expect(wrapper.find('[data-testid="report-cancel"]').exists()).toBe(false);
  });

  it('shows why an export was refused', async () => {
    const f = fakeApi();
    f.raw.reports.export.mockResolvedValueOnce({ ok: false, error: { code: 'NOT_FOUND', message: 'No patient with id or MRN "p9".' } } as never);
    setApi(f.api);
    const wrapper = mount(ReportsView);
    await flushPromises();
    await wrapper.findAll('[data-testid="report-patient-row"]')[1]!.trigger('click');
    await wrapper.get('[data-testid="report-form"]').trigger('submit');
    await flushPromises();
    expect(wrapper.get('[data-testid="report-error"]').text()).toContain('No patient');
    expect(wrapper.find('[data-testid="report-job"]').exists()).toBe(false);
  });
});

describe('ReportsView and the patients it is for', () => {
  const summaries = vi.fn(async ({ ids }: { ids: string[] }) => ({
    ok: true as const,
    value: ids.map((id) => ({ patient: patients.find((p) => p.id === id)!, allergies: { patientId: id, status: 'not-recorded', allergies: [], noneKnown: null } })),
  }));

  it("a patient's Report button chooses exactly that patient, and the banner names them", async () => {
    const f = fakeApi();
    (f.raw.patients as Record<string, unknown>).summaries = summaries;
    setApi(f.api);
    const nav = useNavStore();
    nav.go('reports', { patientId: 'p1' });
    const wrapper = mount(ReportsView);
    await flushPromises();
    expect(wrapper.get('[data-testid="report-selected-count"]').text()).toContain('1 selected');
    expect(wrapper.get('[data-testid="banner-name"]').text()).toBe('Ada Lovelace');
    // Someone ticks a second patient, leaves, and comes back through the other patient's Report button.
    await wrapper.findAll('[data-testid="report-patient-row"]')[1]!.trigger('click');
    await flushPromises();
    expect(wrapper.findAll('[data-testid="patient-list-item"]').map((li) => li.text())).toEqual([expect.stringContaining('Ada Lovelace'), expect.stringContaining('王小明')]);
    expect(wrapper.findAll('[data-testid="patient-list-item"]')[1]!.text()).toContain('MRN C1');
    nav.go('patients');
    nav.go('reports', { patientId: 'p2' });
    await flushPromises();
    expect(wrapper.get('[data-testid="report-start"]').text()).toBe('Export 1 patient');
    expect(wrapper.get('[data-testid="patient-banner"]').attributes('data-patient-id')).toBe('p2');
    await wrapper.get('[data-testid="report-form"]').trigger('submit');
    await flushPromises();
    expect(f.raw.reports.export).toHaveBeenLastCalledWith(expect.objectContaining({ patients: ['p2'] }));
  });

  it("never shows another patient's preview for the one chosen", async () => {
    const f = fakeApi();
    (f.raw.patients as Record<string, unknown>).summaries = summaries;
    setApi(f.api);
    const nav = useNavStore();
    nav.go('reports', { patientId: 'p2' });
    const wrapper = mount(ReportsView);
    await flushPromises();
    // The fake answers every preview with Ada's: for 王小明 it must not be shown.
    expect(f.raw.reports.preview).toHaveBeenCalledWith({ patient: 'p2' });
    expect(wrapper.find('[data-testid="report-preview"]').exists()).toBe(false);
  });
});
