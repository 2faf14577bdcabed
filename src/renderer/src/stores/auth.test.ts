import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createPinia, setActivePinia } from 'pinia';
import type { Api } from '../../../shared/ipc/contract';
import type { AuthStatus, User } from '../../../shared/domain/trust';
import type { Role } from '../../../shared/domain/actor';
import { setApi } from '../api';
import { useAuthStore } from './auth';
import { setClearPreviousUser } from './reset';

const user = (id: string, role: Role): User => ({ id, username: id, displayName: id.toUpperCase(), role, disabled: false, createdAt: '', createdBy: '', lastLoginAt: null });
const status = (u: User | null, locked = false): AuthStatus => ({ needsSetup: false, user: u, locked, idleMinutes: 15, language: null });

/** An api whose auth calls answer the statuses queued for them. */
function fakeApi(answers: Partial<Record<'status' | 'login' | 'logout' | 'lock' | 'unlock', AuthStatus>>) {
  const answer = (name: keyof typeof answers) => vi.fn(async () => ({ ok: true, value: answers[name] }));
  return { auth: { status: answer('status'), login: answer('login'), logout: answer('logout'), lock: answer('lock'), unlock: answer('unlock') }, on: () => () => {} } as unknown as Api;
}

let cleared = 0;
beforeEach(() => {
  setActivePinia(createPinia());
  cleared = 0;
  setClearPreviousUser(() => cleared++);
});
afterEach(() => {
  setApi(null);
  setClearPreviousUser(null);
  history.replaceState(null, '', location.pathname);
});

describe('auth store: a change of person clears the page', () => {
  it('logging out clears what the user had open; locking and unlocking by the same user keeps it', async () => {
    const cleo = user('cleo', 'clinician');
    setApi(fakeApi({ status: status(cleo), lock: status(cleo, true), unlock: status(cleo), logout: status(null) }));
    const auth = useAuthStore();
    await auth.refresh();
    expect(auth.screen).toBe('app');
    await auth.lock();
    expect(auth.screen).toBe('locked');
    await auth.unlock('pw');
    expect(auth.screen).toBe('app');
    expect(cleared).toBe(0);
    await auth.logout();
    expect(auth.screen).toBe('login');
    expect(cleared).toBe(1);
  });

  it('a status naming another user (or nobody, the session ended elsewhere) clears the page', async () => {
    const cleo = user('cleo', 'clinician');
    const api = fakeApi({ status: status(cleo) });
    setApi(api);
    const auth = useAuthStore();
    await auth.refresh();
    vi.mocked(api.auth.status).mockResolvedValueOnce({ ok: true, value: status(user('ada', 'admin')) });
    await auth.refresh();
    expect(cleared).toBe(1);
    // After the clear the page belongs to nobody: the next user's statuses clear nothing more.
    await auth.refresh();
    expect(cleared).toBe(1);
    vi.mocked(api.auth.status).mockResolvedValueOnce({ ok: true, value: status(null) });
    await auth.refresh();
    expect(cleared).toBe(2);
  });

  it('a page opened on a locked session belongs to that user: another person signing in through it is a change', async () => {
    const cleo = user('cleo', 'clinician');
    setApi(fakeApi({ status: status(cleo, true), logout: status(null) }));
    const auth = useAuthStore();
    await auth.refresh();
    expect(auth.screen).toBe('locked');
    await auth.logout(); // "Log in as someone else"
    expect(cleared).toBe(1);
  });

  it('the login screen with a place left in the address (a patient page of an ended session) starts afresh', async () => {
    history.replaceState(null, '', '#/images/p-123');
    setApi(fakeApi({ status: status(null) }));
    await useAuthStore().refresh();
    expect(cleared).toBe(1);
    history.replaceState(null, '', location.pathname);
    await useAuthStore().refresh();
    expect(cleared).toBe(1);
  });
});

describe('auth store: what the role may use', () => {
  it('follows the contract’s access and says why not in words', async () => {
    setApi(fakeApi({ status: status(user('cleo', 'clinician')) }));
    const auth = useAuthStore();
    await auth.refresh();
    expect(auth.can('patients:create')).toBe(true);
    expect(auth.can('careplans:retirePlan')).toBe(false);
    expect(auth.whyNot('careplans:retirePlan')).toBe('Only an administrator can retire a care plan');
    expect(auth.whyNot('labels:review')).toBe('Only a reviewer or an administrator can review labels');
    expect(auth.whyNot('patients:create')).toBeNull();
    expect(auth.roleTitle).toBe('Clinician');
    expect(auth.roleOne).toBe('a clinician');
  });

  it('an administrator may use everything; nobody signed in only the public channels', async () => {
    setApi(fakeApi({ status: status(user('ada', 'admin')) }));
    const auth = useAuthStore();
    await auth.refresh();
    expect(auth.can('careplans:retirePlan') && auth.can('audit:list') && auth.can('reports:setSettings')).toBe(true);
    setActivePinia(createPinia());
    setApi(fakeApi({ status: status(null) }));
    const none = useAuthStore();
    await none.refresh();
    expect(none.can('patients:list')).toBe(false);
    expect(none.can('auth:login')).toBe(true);
  });
});
