import type { Core } from '../core/Core';
import { newId } from '../core/ids';
import { AppError } from '../../shared/ipc/envelope';
import { forbiddenMessage } from '../../shared/ipc/actions';
import { eventAccess, roleMeets } from '../../shared/ipc/access';
import type { Access } from '../../shared/ipc/define';
import { LANGUAGES, type AuthStatus, type Language, type User } from '../../shared/domain/trust';
import type { Role } from '../../shared/domain/actor';
import { actorName, type CallContext } from '../ipc/dispatch';
import { SYSTEM_ACTOR, type Actor } from '../../shared/domain/actor';
import type { RenewableContext } from '../ipc/sessionContext';
import { decoyHash, hashPassword, verifyPassword } from './passwords';
import { assertPasswordAllowed } from './passwordPolicy';
import { LoginThrottle, type ThrottleLimits } from './loginThrottle';
import {
  countActiveAdmins,
  countUsers,
  findUserById,
  findUserByName,
  insertUser,
  listUserRows,
  setUserLanguage,
  toUser,
  updateUserRow,
  usernameKey,
  type UserRow,
} from './userRepository';

interface Session {
  userId: string;
  locked: boolean;
  lastActive: number;
}


export const DEFAULT_IDLE_MINUTES = 15;
const IDLE_SETTING = 'trust.idleMinutes';
/** Names no account may take: the CLI's built-in actor and the name of calls before login exists. */
export const RESERVED_USERNAMES = new Set(['system', 'local']);

/** Roles are nested (shared with the renderer, which disables what a role cannot use); the CLI's system actor may do anything. */
export function roleAllows(role: Role | 'system', access: Access): boolean {
  if (role === 'system') return true;
  return roleMeets(role, access);
}

function languageOf(u: UserRow): Language | null {
  return (LANGUAGES as readonly string[]).includes(u.language ?? '') ? (u.language as Language) : null;
}

function userActor(u: UserRow | User): Actor {
  return { id: u.id, username: u.username, role: u.role };
}

/**
 * Local users, roles and sessions. Sessions live in memory: a restart logs everyone
 * out. The session key is the transport's handle (the web host's cookie session, the
 * Electron window); an actor handed in by an in-process caller (CLI, tests) is trusted
 * as it is, because such a caller could open the database itself.
 */
export class TrustService {
  private readonly sessions = new Map<string, Session>();
  private readonly throttle: LoginThrottle;
  private decoy: Promise<string> | null = null;

  constructor(
    private readonly core: Pick<Core, 'db' | 'clock' | 'logger' | 'events' | 'settings'>,
    limits?: ThrottleLimits,
  ) {
    this.throttle = new LoginThrottle(() => this.now(), limits);
  }

  /** Out-of-band changes (a menu lock, an account disabled): every renderer re-reads its status. */
  private changed(): void {
    this.core.events.emit('auth:changed', {});
  }

  private now(): number {
    return this.core.clock.now().getTime();
  }

  /** Minutes of inactivity after which a session locks itself. */
  idleMinutes(): number {
    const v = Number(this.core.settings.get(IDLE_SETTING) ?? undefined);
    return Number.isInteger(v) && v >= 1 ? v : DEFAULT_IDLE_MINUTES;
  }

  private session(ctx: CallContext): Session | null {
    return ctx.sessionId ? (this.sessions.get(ctx.sessionId) ?? null) : null;
  }

  /** Locks the session if it has been idle too long; returns it (or null). */
  private freshSession(ctx: CallContext): { session: Session; user: UserRow } | null {
    const s = this.session(ctx);
    if (!s) return null;
    const user = findUserById(this.core.db, s.userId);
    if (!user || user.disabled) {
      this.sessions.delete(ctx.sessionId!);
      return null;
    }
    if (!s.locked && this.now() - s.lastActive > this.idleMinutes() * 60_000) s.locked = true;
    return { session: s, user };
  }

  /**
   * The gate's check, before every call: who is calling (from the session) and whether
   * their role may use a channel of this access level. Throws UNAUTHENTICATED, LOCKED or FORBIDDEN.
   */
  authorize(channel: string, access: Access, ctx: CallContext): void {
    const inProcess = ctx.transport === 'cli' || ctx.transport === 'test';
    // An in-process caller without a session acts as the built-in system actor.
    if (inProcess && !ctx.actor && !ctx.sessionId) ctx.actor = SYSTEM_ACTOR;
    if (inProcess && ctx.actor) {
      if (!roleAllows(ctx.actor.role, access)) throw this.forbidden(ctx.actor, channel, access);
      return;
    }
    // Electron and the web host never choose their actor: it comes from the session.
    ctx.actor = null;
    const current = this.freshSession(ctx);
    if (access === 'public') {
      if (current && !current.session.locked) ctx.actor = userActor(current.user);
      return;
    }
    if (!current) throw new AppError('UNAUTHENTICATED', 'Please log in to CareLens first.', { key: 'errors.trust.signInFirst' });
    if (current.session.locked) {
      ctx.actor = userActor(current.user);
      throw new AppError('LOCKED', `CareLens is locked. ${current.user.display_name}, enter your password to continue.`, { key: 'errors.trust.locked', params: { name: current.user.display_name } });
    }
    ctx.actor = userActor(current.user);
    if (!roleAllows(current.user.role, access)) throw this.forbidden(ctx.actor, channel, access);
    current.session.lastActive = this.now();
  }

  private forbidden(actor: Actor, channel: string, access: Access): AppError {
    // In words ("Only an administrator can retire a care plan; you are signed in as a clinician"), never the channel.
    // The key's parameters ending in `Key` name catalogue entries the renderer words first (`messageText`).
    return new AppError('FORBIDDEN', forbiddenMessage(channel, actor.role, access), {
      key: 'errors.trust.forbidden',
      params: { whoKey: `errors.trust.who.${access}`, doesKey: `audit.actions.${channel.replace(':', '.')}.does`, asKey: `errors.trust.signedInAs.${actor.role}` },
    });
  }

  /**
   * Whether a transport session may be sent this push event: only a signed-in, unlocked one
   * (a login or lock screen receives none), and only events its role may see
   * (`eventAccess`, the access of the channels the event reports on). 'auth:changed' carries
   * nothing and goes to every session (the transports send it without asking).
   */
  mayReceiveEvents(sessionId: string, eventName: string): boolean {
    const current = this.freshSession({ transport: 'web', actor: null, sessionId });
    if (current === null || current.session.locked) return false;
    const access = (eventAccess as Record<string, Access | undefined>)[eventName];
    return access !== undefined && roleAllows(current.user.role, access);
  }

  /** What the renderer shows first: set-up, login, lock screen or the app. */
  status(ctx: CallContext): AuthStatus {
    const current = this.freshSession(ctx);
    return {
      needsSetup: countUsers(this.core.db) === 0,
      user: current ? toUser(current.user) : null,
      locked: current?.session.locked ?? false,
      idleMinutes: this.idleMinutes(),
      language: current ? languageOf(current.user) : null,
    };
  }

  /** The signed-in user's own interface language, kept on their account for the next sign-in. */
  setLanguage(ctx: CallContext, language: Language): AuthStatus {
    const user = ctx.actor ? findUserById(this.core.db, ctx.actor.id) : undefined;
    if (!user) throw new AppError('UNSUPPORTED', 'Only a signed-in user can choose their interface language.', { key: 'errors.trust.onlySignedUserCan' });
    setUserLanguage(this.core.db, user.id, language, this.core.clock.now().toISOString());
    return this.status(ctx);
  }

  /**
   * Gives the caller a new session handle where the transport can (the web host's cookie), and
   * forgets the old one: whoever knew the handle before this point (planted it, saw it) is left
   * with nothing. Electron's window handles are not chosen by a page and stay.
   */
  private renew(ctx: CallContext): void {
    const renewable = ctx as RenewableContext;
    if (!renewable.renewSession || !ctx.sessionId) return;
    const old = ctx.sessionId;
    const session = this.sessions.get(old);
    this.sessions.delete(old);
    const next = renewable.renewSession();
    if (session) this.sessions.set(next, session);
  }

  /** Refuses set-up, login and unlock on a connection without a session (a bearer-token script). */
  private needSession(ctx: CallContext): void {
    if (!ctx.sessionId && (ctx.transport === 'web' || ctx.transport === 'electron')) {
      throw new AppError('UNSUPPORTED', 'Log in from a CareLens window: open the address CareLens printed in a browser.', { key: 'errors.trust.logFromCarelensWindow' });
    }
  }

  private startSession(ctx: CallContext, user: UserRow): void {
    if (!ctx.sessionId) throw new AppError('UNSUPPORTED', 'This connection has no session to log in to.', { key: 'errors.trust.connectionHasNoSession' });
    this.sessions.delete(ctx.sessionId);
    this.renew(ctx);
    this.sessions.set(ctx.sessionId, { userId: user.id, locked: false, lastActive: this.now() });
    ctx.actor = userActor(user);
    const at = this.core.clock.now().toISOString();
    updateUserRow(this.core.db, { ...user, last_login_at: at });
  }

  /** Creates the first admin; refused once any user exists. */
  async setup(ctx: CallContext, input: { username: string; displayName: string; password: string }): Promise<AuthStatus> {
    this.needSession(ctx);
    this.checkNewAccount(input);
    const passwordHash = await hashPassword(input.password);
    const row = this.core.db.transaction(() => {
      if (countUsers(this.core.db) > 0) throw new AppError('CONFLICT', 'CareLens already has users: log in instead.', { key: 'errors.trust.carelensAlreadyHasUsers' });
      return this.insert({ ...input, role: 'admin' }, passwordHash, 'first-run');
    }).immediate();
    if (ctx.sessionId) this.startSession(ctx, row);
    else ctx.actor = userActor(row);
    return this.status(ctx);
  }

  /** Logs a user in on this session. Wrong username and wrong password read the same. */
  /**
   * Logs a user in on this session. Wrong username and wrong password read the same. The attempt
   * is counted before the password is checked (LoginThrottle), so concurrent guesses are limited too.
   */
  async login(ctx: CallContext, input: { username: string; password: string }): Promise<AuthStatus> {
    this.needSession(ctx);
    const attempt = this.throttle.begin(usernameKey(input.username), ctx.sessionId ?? null);
    let right = false;
    try {
      const user = findUserByName(this.core.db, input.username);
      this.decoy ??= decoyHash();
      const good = await verifyPassword(input.password, user?.password_hash ?? (await this.decoy));
      if (!user || !good || user.disabled) {
        const disabled = !!user?.disabled && good;
        throw new AppError('UNAUTHENTICATED', disabled ? 'This account is disabled. Ask an administrator.' : 'Wrong username or password.', {
          key: disabled ? 'errors.trust.accountDisabledAskAdministrator' : 'errors.trust.wrongUsernameOrPassword',
        });
      }
      right = true;
      // The user as it is now (an admin may have disabled it while the password was checked).
      const now = findUserById(this.core.db, user.id);
      if (!now || now.disabled) throw new AppError('UNAUTHENTICATED', 'This account is disabled. Ask an administrator.', { key: 'errors.trust.accountDisabledAskAdministrator' });
      this.startSession(ctx, now);
      return this.status(ctx);
    } finally {
      attempt.done(right);
    }
  }

  /** Ends this session; the caller keeps a fresh, empty handle to log in again with. */
  logout(ctx: CallContext): AuthStatus {
    const current = this.freshSession(ctx);
    if (current) ctx.actor = userActor(current.user);
    if (ctx.sessionId) this.sessions.delete(ctx.sessionId);
    this.renew(ctx);
    return this.status({ ...ctx });
  }

  lock(ctx: CallContext): AuthStatus {
    const current = this.freshSession(ctx);
    if (!current) throw new AppError('UNAUTHENTICATED', 'Nobody is logged in on this session.', { key: 'errors.trust.nobodyLoggedSession' });
    current.session.locked = true;
    ctx.actor = userActor(current.user);
    this.changed();
    return this.status(ctx);
  }

  /** Only the session's own user unlocks it; anyone else logs out and in. */
  async unlock(ctx: CallContext, password: string): Promise<AuthStatus> {
    const current = this.freshSession(ctx);
    if (!current) throw new AppError('UNAUTHENTICATED', 'Nobody is logged in on this session.', { key: 'errors.trust.nobodyLoggedSession' });
    ctx.actor = userActor(current.user);
    const attempt = this.throttle.begin(current.user.username_key, ctx.sessionId ?? null);
    let right = false;
    try {
      right = await verifyPassword(password, current.user.password_hash);
    } finally {
      attempt.done(right);
    }
    if (!right) throw new AppError('UNAUTHENTICATED', 'Wrong password.', { key: 'errors.trust.wrongPassword' });
    // Still this user's session (not ended while the password was checked)?
    if (this.session(ctx) !== current.session) throw new AppError('UNAUTHENTICATED', 'This session ended: log in again.', { key: 'errors.trust.sessionEndedLogAgain' });
    current.session.locked = false;
    current.session.lastActive = this.now();
    this.renew(ctx);
    return this.status(ctx);
  }

  /** Activity from the UI (keys, mouse) keeps the session from idling out. */
  heartbeat(): { idleMinutes: number } {
    // authorize() already stamped the session's activity.
    return { idleMinutes: this.idleMinutes() };
  }

  async changePassword(ctx: CallContext, currentPassword: string, newPassword: string): Promise<{ changed: true }> {
    const user = ctx.actor ? findUserById(this.core.db, ctx.actor.id) : undefined;
    if (!user) throw new AppError('UNSUPPORTED', 'Only a logged-in user can change their own password.', { key: 'errors.trust.onlyLoggedUserCan' });
    assertPasswordAllowed(newPassword, 'newPassword', { username: user.username, displayName: user.display_name });
    const attempt = this.throttle.begin(user.username_key, ctx.sessionId ?? null);
    let right = false;
    try {
      right = await verifyPassword(currentPassword, user.password_hash);
    } finally {
      attempt.done(right);
    }
    if (!right) throw new AppError('VALIDATION', 'The current password is wrong.', { key: 'errors.trust.currentPasswordWrong', issues: [{ path: 'currentPassword', message: 'Wrong password', key: 'errors.issues.wrongPassword' }] });
    const hash = await hashPassword(newPassword);
    updateUserRow(this.core.db, { ...findUserById(this.core.db, user.id)!, password_hash: hash, updated_at: this.core.clock.now().toISOString() });
    // The other sessions of this user end (someone who knew the old password is out); this one gets a new handle.
    const mine = ctx.sessionId ? this.sessions.get(ctx.sessionId) : undefined;
    this.endSessionsOf(user.id, mine);
    this.renew(ctx);
    return { changed: true };
  }

  /** All accounts. */
  listUsers(): User[] {
    return listUserRows(this.core.db).map(toUser);
  }

  /** A new account's name and password, checked before the (slow) hash. */
  private checkNewAccount(input: { username: string; displayName: string; password: string }): void {
    if (RESERVED_USERNAMES.has(usernameKey(input.username))) {
      throw new AppError('VALIDATION', `The username "${input.username.trim()}" is reserved by CareLens: choose another.`, { key: 'errors.trust.usernameReservedByCarelens', params: { username: input.username.trim() }, issues: [{ path: 'username', message: 'Reserved name', key: 'errors.issues.reservedName' }] });
    }
    assertPasswordAllowed(input.password, 'password', input);
  }

  private insert(input: { username: string; displayName: string; role: Role }, passwordHash: string, createdBy: string): UserRow {
    if (findUserByName(this.core.db, input.username)) {
      throw new AppError('CONFLICT', `The username "${input.username}" is taken.`, { key: 'errors.trust.usernameTaken', params: { username: input.username }, issues: [{ path: 'username', message: 'Already taken', key: 'errors.issues.alreadyTaken' }] });
    }
    const now = this.core.clock.now().toISOString();
    const row: UserRow = {
      id: newId(),
      username: input.username.trim(),
      username_key: usernameKey(input.username),
      display_name: input.displayName.trim(),
      role: input.role,
      password_hash: passwordHash,
      disabled: 0,
      created_at: now,
      created_by: createdBy,
      updated_at: now,
      last_login_at: null,
    };
    insertUser(this.core.db, row);
    return row;
  }

  /** Adds an account (admin). */
  async createUser(ctx: CallContext, input: { username: string; displayName: string; role: Role; password: string }): Promise<User> {
    this.checkNewAccount(input);
    const hash = await hashPassword(input.password);
    return toUser(this.core.db.transaction(() => this.insert(input, hash, actorName(ctx))).immediate());
  }

  /** Renames, changes role or disables; the last active admin stays an active admin. */
  updateUser(ctx: CallContext, id: string, changes: { displayName?: string; role?: Role; disabled?: boolean }): User {
    return this.core.db.transaction(() => {
      const user = findUserById(this.core.db, id);
      if (!user) throw new AppError('NOT_FOUND', 'No such user.', { key: 'errors.trust.noSuchUser' });
      const next: UserRow = {
        ...user,
        ...(changes.displayName !== undefined ? { display_name: changes.displayName.trim() } : {}),
        ...(changes.role !== undefined ? { role: changes.role } : {}),
        ...(changes.disabled !== undefined ? { disabled: changes.disabled ? 1 : 0 } : {}),
        updated_at: this.core.clock.now().toISOString(),
      };
      const wasActiveAdmin = user.role === 'admin' && user.disabled === 0;
      const isActiveAdmin = next.role === 'admin' && next.disabled === 0;
      if (wasActiveAdmin && !isActiveAdmin && countActiveAdmins(this.core.db) <= 1) {
        throw new AppError('CONFLICT', 'This is the last active admin: make another admin first. Nothing was changed.', { key: 'errors.trust.lastActiveAdminMake' });
      }
      updateUserRow(this.core.db, next);
      if (next.disabled) this.endSessionsOf(id);
      void ctx;
      return toUser(next);
    }).immediate();
  }

  async resetPassword(id: string, password: string): Promise<User> {
    const found = findUserById(this.core.db, id);
    if (!found) throw new AppError('NOT_FOUND', 'No such user.', { key: 'errors.trust.noSuchUser' });
    assertPasswordAllowed(password, 'password', { username: found.username, displayName: found.display_name });
    const hash = await hashPassword(password);
    const user = findUserById(this.core.db, id);
    if (!user) throw new AppError('NOT_FOUND', 'No such user.', { key: 'errors.trust.noSuchUser' });
    const next = { ...user, password_hash: hash, updated_at: this.core.clock.now().toISOString() };
    updateUserRow(this.core.db, next);
    this.endSessionsOf(id);
    return toUser(next);
  }

  setIdleMinutes(minutes: number): { idleMinutes: number } {
    this.core.settings.set(IDLE_SETTING, String(minutes));
    return { idleMinutes: minutes };
  }

  /** Ends every session of a user (but `keep`, the caller's own, when given). */
  private endSessionsOf(userId: string, keep?: Session): void {
    let ended = false;
    for (const [id, s] of this.sessions) {
      if (s.userId === userId && s !== keep) {
        this.sessions.delete(id);
        ended = true;
      }
    }
    if (ended) this.changed();
  }
}
