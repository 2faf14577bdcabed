import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { flushPromises, mount } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import type { Api } from '../../../../shared/ipc/contract';
import type { AuditEntry, AuditPage, AuthStatus } from '../../../../shared/domain/trust';
import { setApi } from '../../api';
import { useAuthStore } from '../../stores/auth';
import AuditView from '../../views/AuditView.vue';
import { channelsInWords, describeEntry, detailLines, patientNames, actionDoes } from './auditWords';
import { actionWords } from '../../../../shared/ipc/actions';
import type { ChannelName } from '../../../../shared/ipc/contract';
import { setLocale } from '../../i18n';

const names = {
  p1: { name: '张伟', mrn: 'Z1' },
  p2: { name: 'Wang XiaoDong', mrn: 'W2' },
  p3: { name: 'Ada Lovelace', mrn: 'A3' },
  p4: { name: 'Grace Hopper', mrn: 'G4' },
};

let seq = 0;
function entry(channel: string, input: object, patientIds: string[] = [], outcome = 'ok', error?: string): AuditEntry {
  seq++;
  return {
    seq,
    at: '2026-03-12T14:05:09.123Z',
    actorId: 'u1',
    actorName: 'cleo',
    actorRole: 'clinician',
    transport: 'web',
    channel,
    kind: 'change',
    outcome,
    patientIds,
    detail: JSON.stringify({ input, ...(error ? { error } : {}) }),
    prevHash: '0'.repeat(64),
    hash: 'f'.repeat(64),
  };
}

describe('audit rows in words', () => {
  it('says what was done with the patients’ names, refined by the input', () => {
    expect(describeEntry(entry('careplans:decide', { patientId: 'p1', planId: 'x', decision: 'accept' }, ['p1']), names)).toBe('Accepted a care plan for 张伟');
    expect(describeEntry(entry('careplans:decide', { patientId: 'p1', planId: 'x', decision: 'decline' }, ['p1']), names)).toBe('Declined a care plan for 张伟');
    expect(describeEntry(entry('imaging:images', { patientId: 'p2' }, ['p2']), names)).toBe('Viewed images of Wang XiaoDong');
    expect(describeEntry(entry('reports:export', { patients: ['p3'], format: 'pdf' }, ['p3']), names)).toBe('Exported a PDF report on Ada Lovelace');
    expect(describeEntry(entry('reports:export', { patients: ['p3', 'p4'], format: 'fhir', deidentify: true }, ['p3', 'p4']), names)).toBe('Exported FHIR R4 reports (de-identified) on Ada Lovelace and Grace Hopper');
    expect(describeEntry(entry('patients:list', {}, ['p1', 'p2', 'p3', 'p4', 'gone']), names)).toBe('Searched patients: 张伟, Wang XiaoDong, Ada Lovelace and 2 more');
    expect(describeEntry(entry('patients:list', {}, []), names)).toBe('Searched patients');
    expect(describeEntry(entry('patients:create', { name: 'x', mrn: 'y' }, []), names)).toBe('Registered a patient');
    expect(describeEntry(entry('careplans:retirePlan', { id: 'x', retired: false }), names)).toBe('Brought back a retired care plan');
    expect(describeEntry(entry('auth:createUser', { username: 'bob', role: 'reviewer' }), names)).toBe('Added the user account bob (Reviewer)');
    expect(describeEntry(entry('auth:updateUser', { id: 'u', changes: { role: 'admin' } }), names)).toBe("Changed a user account's role to Administrator");
  });

  it('a refused call says what was tried; an unknown channel is never echoed', () => {
    expect(describeEntry(entry('careplans:retirePlan', { id: 'x', retired: true }, [], 'FORBIDDEN'), names)).toBe('Tried to retire a care plan');
    expect(describeEntry(entry('patients:get', { id: 'p1' }, ['p1'], 'LOCKED'), names)).toBe('Tried to open a patient record (张伟)');
    expect(describeEntry(entry('evil:probeThing', {}, [], 'VALIDATION'), names)).toBe('Tried to use an action CareLens does not know');
  });

  it('names, placeholders and details', () => {
    expect(patientNames(['p1', 'p2'], names)).toBe('张伟 and Wang XiaoDong');
    expect(patientNames(['gone'], names)).toBe('a patient no longer on record');
    expect(describeEntry(entry('imaging:images', { patientId: 'x' }, []), names)).toBe('Viewed images of a patient');
    expect(describeEntry(entry('patients:list', {}, ['p3']), names)).toBe('Searched patients: Ada Lovelace');
    const lines = detailLines(entry('careplans:decide', { patientId: 'p1', decision: 'accept', reason: 'agreed' }, ['p1'], 'FORBIDDEN', 'Your role (clinician) cannot use careplans:decide').detail, names)!;
    expect(lines).toEqual([
      { label: 'Patient', value: '张伟 (MRN Z1)' },
      { label: 'Decision', value: 'accept' },
      { label: 'Reason', value: 'agreed' },
      { label: 'Message', value: 'Your role (clinician) cannot use "accept or decline a care plan"' },
    ]);
    expect(detailLines('{"input":{"csv":"a,b…', names)).toBeNull();
    expect(channelsInWords('see auth:backup and not:aChannel')).toBe('see "back up CareLens" and not:aChannel');
  });
});

describe('audit rows in Chinese', () => {
  afterEach(() => setLocale('en'));

  it('the English catalogue says what actions.ts says, for every channel', () => {
    for (const c of Object.keys(actionWords) as ChannelName[]) expect(actionDoes(c), c).toBe(actionWords[c].does);
  });

  it('reads as Chinese sentences with the names interpolated', () => {
    setLocale('zh-CN');
    expect(describeEntry(entry('careplans:decide', { patientId: 'p1', planId: 'x', decision: 'accept' }, ['p1']), names)).toBe('接受了张伟的一个护理计划');
    expect(describeEntry(entry('imaging:images', { patientId: 'p2' }, ['p2', 'p3']), names)).toBe('查看了Wang XiaoDong和Ada Lovelace的图像');
    expect(describeEntry(entry('patients:create', { name: 'x', mrn: 'y' }, []), names)).toBe('登记了一位患者');
    expect(describeEntry(entry('careplans:retirePlan', { id: 'x' }, [], 'FORBIDDEN'), names)).toBe('试图停用护理计划');
    expect(patientNames(['p1', 'p2', 'p3', 'p4', 'gone'], names)).toBe('张伟、Wang XiaoDong、Ada Lovelace等另外 2 位');
    expect(detailLines(entry('patients:get', { id: 'p1', deidentify: true }).detail, names)).toEqual([
      { label: '记录', value: '张伟（病历号 Z1）' },
      { label: '去标识化', value: '是' },
    ]);
  });
});

describe('AuditView', () => {
  beforeEach(() => setActivePinia(createPinia()));
  afterEach(() => setApi(null));

  const signedIn = (role: 'admin' | 'clinician'): AuthStatus => ({
    needsSetup: false,
    locked: false,
    idleMinutes: 15,
    user: { id: 'u', username: 'u', displayName: 'U', role, disabled: false, createdAt: '', createdBy: '', lastLoginAt: null },
  });

  function fakeApi(role: 'admin' | 'clinician', page: AuditPage) {
    return {
      auth: { status: vi.fn(async () => ({ ok: true, value: signedIn(role) })) },
      audit: { list: vi.fn(async () => ({ ok: true, value: page })) },
      on: () => () => {},
    } as unknown as Api;
  }

  it('shows rows in words with names and local times: no channel, no raw timestamp, no schema key', async () => {
    const items = [
      entry('careplans:decide', { patientId: 'p1', planId: 'x', decision: 'accept' }, ['p1']),
      entry('imaging:images', { patientId: 'p2' }, ['p2']),
      entry('auth:createUser', { username: 'mallory', displayName: 'M', role: 'admin', password: '[redacted]' }, [], 'FORBIDDEN', 'Only an administrator can add a user account; you are signed in as a clinician.'),
    ].reverse();
    setApi(fakeApi('admin', { items, total: 3, patients: names }));
    await useAuthStore().refresh();
    const w = mount(AuditView);
    await flushPromises();
    const what = w.findAll('[data-testid="audit-what"]').map((c) => c.text());
    expect(what).toEqual(['Tried to add a user account', 'Viewed images of Wang XiaoDong', 'Accepted a care plan for 张伟']);
    await w.findAll('[data-testid="audit-row"]')[0]!.trigger('click');
    const text = w.text();
    expect(text).toContain('mallory');
    expect(text).toContain('hidden (never recorded)');
    expect(text).toContain('Refused: not allowed for this role');
    expect(text).toContain('张伟');
    expect(text).not.toMatch(/\b[a-z]+:[a-z][A-Za-z]+\b/);
    expect(text).not.toMatch(/\d{4}-\d{2}-\d{2}T\d{2}:\d{2}|\d{2}Z\b/);
    expect(text).not.toMatch(/patientId|displayName|FORBIDDEN/);
    expect(w.findAll('[data-testid="audit-patient-chip"]').map((c) => c.text())).toEqual(['Wang XiaoDong', '张伟']);
  });

  it('is not shown to a clinician, who is told why', async () => {
    const api = fakeApi('clinician', { items: [], total: 0, patients: {} });
    setApi(api);
    await useAuthStore().refresh();
    const w = mount(AuditView);
    await flushPromises();
    expect(w.get('[data-testid="audit-admin-only"]').text()).toContain('Only an administrator can read the audit trail. You are signed in as a clinician.');
    expect(api.audit.list).not.toHaveBeenCalled();
  });
});
