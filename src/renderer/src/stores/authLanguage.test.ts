import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createPinia, setActivePinia } from 'pinia';
import type { Api } from '../../../shared/ipc/contract';
import type { AuthStatus, Language, User } from '../../../shared/domain/trust';
import { setApi } from '../api';
import { currentLocale, setLocale } from '../i18n';
import { useAuthStore } from './auth';
import { setClearPreviousUser } from './reset';
import { formatDate, sexInWords } from '../format';
import { sections } from '../sections';

const cleo: User = { id: 'cleo', username: 'cleo', displayName: 'Cleo', role: 'clinician', disabled: false, createdAt: '', createdBy: '', lastLoginAt: null };
const status = (language: Language | null): AuthStatus => ({ needsSetup: false, user: cleo, locked: false, idleMinutes: 15, language });

beforeEach(() => {
  setActivePinia(createPinia());
  setClearPreviousUser(() => {});
  setLocale('en');
});
afterEach(() => {
  setApi(null);
  setClearPreviousUser(null);
  setLocale('en');
});

describe('auth store: the user’s own interface language', () => {
  it('a status carrying the user’s language switches the interface and <html lang>; none keeps the OS/browser one', async () => {
    const statusCall = vi.fn(async () => ({ ok: true, value: status(null) }));
    setApi({ auth: { status: statusCall }, on: () => () => {} } as unknown as Api);
    const auth = useAuthStore();
    await auth.refresh();
    expect(currentLocale()).toBe('en');
    statusCall.mockResolvedValueOnce({ ok: true, value: status('zh-CN') });
    await auth.refresh();
    expect(currentLocale()).toBe('zh-CN');
    expect(document.documentElement.lang).toBe('zh-CN');
    // What the shell and the stores show follows.
    expect(auth.roleTitle).toBe('临床医生');
    expect(sections.find((s) => s.id === 'patients')!.label).toBe('患者');
    expect(sexInWords('F')).toBe('女');
    expect(formatDate('1957-03-12')).toBe('1957年3月12日');
  });

  it('choosing a language applies it and saves it on the account', async () => {
    const setLanguage = vi.fn(async (input: { language: Language }) => ({ ok: true, value: status(input.language) }));
    setApi({ auth: { status: vi.fn(async () => ({ ok: true, value: status(null) })), setLanguage }, on: () => () => {} } as unknown as Api);
    const auth = useAuthStore();
    await auth.refresh();
    await auth.setLanguage('zh-CN');
    expect(setLanguage).toHaveBeenCalledWith({ language: 'zh-CN' });
    expect(currentLocale()).toBe('zh-CN');
    expect(auth.status?.language).toBe('zh-CN');
    await auth.setLanguage('en');
    expect(currentLocale()).toBe('en');
    expect(document.documentElement.lang).toBe('en');
    expect(auth.roleTitle).toBe('Clinician');
  });
});

describe('auth store: why a control is disabled, in the interface language', () => {
  it('names who may and what, in English and in Chinese', async () => {
    setApi({ auth: { status: vi.fn(async () => ({ ok: true, value: status(null) })) }, on: () => () => {} } as unknown as Api);
    const auth = useAuthStore();
    await auth.refresh();
    expect(auth.whyNot('careplans:retirePlan')).toBe('Only an administrator can retire a care plan');
    expect(auth.whyNot('patients:list')).toBeNull();
    setLocale('zh-CN');
    expect(auth.whyNot('careplans:retirePlan')).toBe('仅管理员可以停用护理计划');
  });
});
