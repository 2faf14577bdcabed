import { flushPromises, mount } from '@vue/test-utils';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Api } from '../../../../shared/ipc/contract';
import { setApi } from '../../api';
import { formatDate } from '../../format';
import PatientChecklist from './PatientChecklist.vue';

afterEach(() => setApi(null));

describe('PatientChecklist', () => {
  it('writes birth dates in the app’s date format, never as raw ISO', async () => {
    const items = [
      { id: 'p1', mrn: 'A1', name: 'Ada Lovelace', birthDate: '1815-12-10', sex: 'F', notes: '', createdAt: '', updatedAt: '' },
      { id: 'p2', mrn: 'C1', name: '王小明', birthDate: null, sex: 'M', notes: '', createdAt: '', updatedAt: '' },
    ];
    setApi({ patients: { list: vi.fn(async () => ({ ok: true as const, value: { items, total: 2 } })) } } as unknown as Api);
    const w = mount(PatientChecklist, { props: { modelValue: [] } });
    await flushPromises();
    const rows = w.findAll('[data-testid="report-patient-row"]').map((r) => r.findAll('td').map((c) => c.text()));
    expect(rows[0]![3]).toBe(formatDate('1815-12-10'));
    expect(rows[0]![3]).toMatch(/1815/);
    expect(rows[1]![3]).toBe('—');
    expect(w.text()).not.toContain('1815-12-10');
  });
});
