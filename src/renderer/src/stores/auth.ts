import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import type { AuthStatus } from '../../../shared/domain/trust';
import type { ChannelName } from '../../../shared/ipc/contract';
import { channelAccess, roleCan } from '../../../shared/ipc/access';
import { onlyWhoMay, ROLE_WORDS } from '../../../shared/ipc/actions';
import { api, unwrapResult } from '../api';
import { clearPreviousUser } from './reset';

/** Throttle for telling the main process the user is active. */
const HEARTBEAT_EVERY_MS = 60_000;

/**
 * The session as the renderer sees it. The main process decides (every call is checked
 * there); this store chooses which screen to show (first-run set-up, login, lock or the app),
 * which controls the signed-in role may use (`can`, `whyNot`), and clears the page when the
 * person changes: the page holds one user's work, and any status that names another user or
 * nobody clears it (stores/reset.ts). A lock keeps it (the same user unlocks).
 */
export const useAuthStore = defineStore('auth', () => {
  const status = ref<AuthStatus | null>(null);
  const error = ref<string | null>(null);
  let lastActivity = Date.now();
  let lastHeartbeat = 0;
  /** The user whose work this page holds: set when they are in, checked on every status. */
  let owner: string | null = null;

  /** Every status goes through here: a different user, or nobody, clears the previous user's page. */
  function adopt(next: AuthStatus): void {
    status.value = next;
    const user = next.user;
    // Nobody signed in while the address still names a place (#/images/<patientId>, left by
    // a session that ended while the page was closed): whoever signs in next starts afresh.
    const placeLeft = !user && typeof location !== 'undefined' && location.hash.length > 2;
    if ((owner !== null && (!user || user.id !== owner)) || placeLeft) {
      owner = null;
      clearPreviousUser();
      return;
    }
    // Locked counts too: a page opened on a locked session holds (or will show) that user's place.
    if (user) owner = user.id;
  }

  const screen = computed<'loading' | 'setup' | 'login' | 'locked' | 'app'>(() => {
    const s = status.value;
    if (!s) return 'loading';
    if (s.needsSetup) return 'setup';
    if (!s.user) return 'login';
    if (s.locked) return 'locked';
    return 'app';
  });
  const isAdmin = computed(() => status.value?.user?.role === 'admin' && !status.value.locked);
  /** The signed-in role in words ("Clinician"). */
  const roleTitle = computed(() => (status.value?.user ? ROLE_WORDS[status.value.user.role].title : ''));
  /** The signed-in role with its article, for sentences ("a clinician"). */
  const roleOne = computed(() => (status.value?.user ? ROLE_WORDS[status.value.user.role].one : 'nobody'));

  /** Whether the signed-in user's role may call the channel (the contract's access; the main process checks anyway). */
  function can(channel: ChannelName): boolean {
    return roleCan(status.value?.user?.role ?? null, channel);
  }

  /** Why a control is disabled, for its hint ("Only an administrator can retire a care plan"); null when the role may use it. */
  function whyNot(channel: ChannelName): string | null {
    return can(channel) ? null : onlyWhoMay(channel, channelAccess[channel]);
  }

  async function refresh() {
    try {
      adopt(unwrapResult(await api().auth.status({})));
      error.value = null;
    } catch (err) {
      error.value = (err as Error).message;
    }
  }

  async function setup(input: { username: string; displayName: string; password: string }) {
    adopt(unwrapResult(await api().auth.setup(input)));
    lastActivity = Date.now();
  }

  async function login(username: string, password: string) {
    adopt(unwrapResult(await api().auth.login({ username, password })));
    lastActivity = Date.now();
  }

  async function unlock(password: string) {
    adopt(unwrapResult(await api().auth.unlock({ password })));
    lastActivity = Date.now();
  }

  async function lock() {
    try {
      adopt(unwrapResult(await api().auth.lock({})));
    } catch {
      await refresh();
    }
  }

  async function logout() {
    adopt(unwrapResult(await api().auth.logout({})));
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

  return { status, error, screen, isAdmin, roleTitle, roleOne, can, whyNot, listen, refresh, setup, login, unlock, lock, logout, activity, tick };
});
