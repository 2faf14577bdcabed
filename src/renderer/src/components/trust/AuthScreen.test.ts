import { afterEach, describe, expect, it } from 'vitest';
import { flushPromises, mount } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import AuthScreen from './AuthScreen.vue';
import { setApi } from '../../api';
import { useAuthStore } from '../../stores/auth';
import type { Api } from '../../../../shared/ipc/contract';

afterEach(() => setApi(null));

function fakeApi(calls: [string, unknown][], status: Record<string, unknown>) {
  const answer = (name: string, value: unknown) => async (input: unknown) => {
    calls.push([name, input]);
    return value as never;
  };
  return {
    auth: {
      status: answer('status', { ok: true, value: status }),
      setup: answer('setup', { ok: true, value: { ...status, needsSetup: false, user: { username: 'admin', displayName: 'Ada', role: 'admin' } } }),
      login: answer('login', { ok: false, error: { code: 'UNAUTHENTICATED', message: 'Wrong username or password.' } }),
      unlock: answer('unlock', { ok: true, value: { ...status, locked: false } }),
      logout: answer('logout', { ok: true, value: { ...status, user: null } }),
    },
    on: () => () => {},
  } as unknown as Api;
}

describe('AuthScreen', () => {
  it('first run: refuses differing passwords locally, then creates the admin', async () => {
    setActivePinia(createPinia());
    const calls: [string, unknown][] = [];
    setApi(fakeApi(calls, { needsSetup: true, user: null, locked: false, idleMinutes: 15 }));
    const auth = useAuthStore();
    await auth.refresh();
    const w = mount(AuthScreen);
    expect(w.find('[data-testid="auth-setup"]').exists()).toBe(true);
    await w.find('[data-testid="auth-username"]').setValue('admin');
    await w.find('[data-testid="auth-displayname"]').setValue('Ada');
    await w.find('[data-testid="auth-password"]').setValue('correct horse battery');
    await w.find('[data-testid="auth-confirm"]').setValue('something else');
    await w.find('form').trigger('submit');
    expect(w.find('[data-testid="auth-confirm-error"]').text()).toContain('differ');
    expect(calls.some(([n]) => n === 'setup')).toBe(false);
    await w.find('[data-testid="auth-confirm"]').setValue('correct horse battery');
    await w.find('form').trigger('submit');
    await flushPromises();
    expect(calls.find(([n]) => n === 'setup')![1]).toEqual({ username: 'admin', displayName: 'Ada', password: 'correct horse battery' });
    expect(auth.screen).toBe('app');
  });

  it('login: shows the main process’s refusal and stays on the login card', async () => {
    setActivePinia(createPinia());
    const calls: [string, unknown][] = [];
    setApi(fakeApi(calls, { needsSetup: false, user: null, locked: false, idleMinutes: 15 }));
    const auth = useAuthStore();
    await auth.refresh();
    const w = mount(AuthScreen);
    await w.find('[data-testid="auth-username"]').setValue('cleo');
    await w.find('[data-testid="auth-password"]').setValue('nope');
    await w.find('form').trigger('submit');
    await flushPromises();
    expect(w.find('[data-testid="auth-error"]').text()).toBe('Wrong username or password.');
    expect(auth.screen).toBe('login');
  });

  it('locked: names the user and unlocks with the password only', async () => {
    setActivePinia(createPinia());
    const calls: [string, unknown][] = [];
    setApi(fakeApi(calls, { needsSetup: false, user: { username: 'cleo', displayName: 'Cleo C', role: 'clinician' }, locked: true, idleMinutes: 15 }));
    const auth = useAuthStore();
    await auth.refresh();
    const w = mount(AuthScreen);
    expect(w.text()).toContain('Cleo C (cleo)');
    expect(w.find('[data-testid="auth-username"]').exists()).toBe(false);
    await w.find('[data-testid="auth-password"]').setValue('pw');
    await w.find('form').trigger('submit');
    await flushPromises();
    expect(calls.find(([n]) => n === 'unlock')![1]).toEqual({ password: 'pw' });
    expect(auth.screen).toBe('app');
  });
});
