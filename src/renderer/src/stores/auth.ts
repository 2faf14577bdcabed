import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import type { AuthStatus, Language } from '../../../shared/domain/trust';
import type { ChannelName } from '../../../shared/ipc/contract';
import { channelAccess, roleCan } from '../../../shared/ipc/access';
import { wordsFor } from '../../../shared/ipc/actions';
import { api, unwrapResult } from '../api';
import { i18n, setLocale } from '../i18n';
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
    // A signed-in user's own language replaces the OS/browser one (and <html lang> follows).
    if (next.language) setLocale(next.language);
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
  const { t } = i18n.global;
  /** The signed-in role in words ("Clinician", "临床医生"). */
  const roleTitle = computed(() => (status.value?.user ? t(`auth.roles.${status.value.user.role}`) : ''));
  /** The signed-in role with its article, for sentences ("a clinician"). */
  const roleOne = computed(() => t(`auth.roleOne.${status.value?.user?.role ?? 'nobody'}`));

  /** Whether the signed-in user's role may call the channel (the contract's access; the main process checks anyway). */
  function can(channel: ChannelName): boolean {
    return roleCan(status.value?.user?.role ?? null, channel);
  }

  /** Why a control is disabled, for its hint ("Only an administrator can retire a care plan"); null when the role may use it. */
  function whyNot(channel: ChannelName): string | null {
    if (can(channel)) return null;
    // The action in the interface's language (the audit area's words for every channel); English words if it has none.
    const [area, verb] = channel.split(':');
    const key = `audit.actions.${area}.${verb}.does`;
    const action = i18n.global.te(key) ? t(key) : wordsFor(channel).does;
    return t('auth.whyNot', { who: t(`auth.who.${channelAccess[channel]}`), action });
  }

  /** The signed-in user's own interface language: applied now and kept on their account for the next sign-in. */
  async function setLanguage(language: Language) {
    setLocale(language);
    adopt(unwrapResult(await api().auth.setLanguage({ language })));
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

  return { status, error, screen, isAdmin, roleTitle, roleOne, can, whyNot, listen, refresh, setup, login, unlock, lock, logout, setLanguage, activity, tick };
});
