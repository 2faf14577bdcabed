import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import type { AuthStatus } from '../../../shared/domain/trust';
import { api, unwrapResult } from '../api';

/** Throttle for telling the main process the user is active. */
const HEARTBEAT_EVERY_MS = 60_000;

/**
 * The session as the renderer sees it. The main process decides (every call is checked
 * there); this store only chooses which screen to show: first-run set-up, login, lock or the app.
 */
export const useAuthStore = defineStore('auth', () => {
  const status = ref<AuthStatus | null>(null);
  const error = ref<string | null>(null);
  let lastActivity = Date.now();
  let lastHeartbeat = 0;

  const screen = computed<'loading' | 'setup' | 'login' | 'locked' | 'app'>(() => {
    const s = status.value;
    if (!s) return 'loading';
    if (s.needsSetup) return 'setup';
    if (!s.user) return 'login';
    if (s.locked) return 'locked';
    return 'app';
  });
  const isAdmin = computed(() => status.value?.user?.role === 'admin' && !status.value.locked);

  async function refresh() {
    try {
      status.value = unwrapResult(await api().auth.status({}));
      error.value = null;
    } catch (err) {
      error.value = (err as Error).message;
    }
  }

  async function setup(input: { username: string; displayName: string; password: string }) {
    status.value = unwrapResult(await api().auth.setup(input));
    lastActivity = Date.now();
  }

  async function login(username: string, password: string) {
    status.value = unwrapResult(await api().auth.login({ username, password }));
    lastActivity = Date.now();
  }

  async function unlock(password: string) {
    status.value = unwrapResult(await api().auth.unlock({ password }));
    lastActivity = Date.now();
  }

  async function lock() {
    try {
      status.value = unwrapResult(await api().auth.lock({}));
    } catch {
      await refresh();
    }
  }

  async function logout() {
    status.value = unwrapResult(await api().auth.logout({}));
  }

  /** Keys and pointer: the user is here. Tells the main process at most once a minute. */
  function activity() {
    lastActivity = Date.now();
    if (screen.value === 'app' && lastActivity - lastHeartbeat > HEARTBEAT_EVERY_MS) {
      lastHeartbeat = lastActivity;
      void api()
        .auth.heartbeat({})
        .then((r) => {
          if (!r.ok && (r.error.code === 'LOCKED' || r.error.code === 'UNAUTHENTICATED')) void refresh();
        });
    }
  }

  /** Called on a timer: locks when the user has been away for the idle time, and picks up a lock the main process made. */
  async function tick() {
    const s = status.value;
    if (s && screen.value === 'app' && Date.now() - lastActivity > s.idleMinutes * 60_000) await lock();
    else await refresh();
  }

  /** Subscribes to out-of-band changes (locked from the menu, account disabled); returns the unsubscribe. */
  function listen(): () => void {
    return api().on('auth:changed', () => void refresh());
  }

  return { status, error, screen, isAdmin, listen, refresh, setup, login, unlock, lock, logout, activity, tick };
});
