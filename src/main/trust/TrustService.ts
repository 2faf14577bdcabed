import type { Core } from '../core/Core';
import { newId } from '../core/ids';
import { AppError } from '../../shared/ipc/envelope';
import { forbiddenMessage } from '../../shared/ipc/actions';
import { roleMeets } from '../../shared/ipc/access';
import type { Access } from '../../shared/ipc/define';
import type { AuthStatus, User } from '../../shared/domain/trust';
import type { Role } from '../../shared/domain/actor';
import { actorName, type CallContext } from '../ipc/dispatch';
import { SYSTEM_ACTOR, type Actor } from '../../shared/domain/actor';
import { decoyHash, hashPassword, verifyPassword } from './passwords';
import {
  countActiveAdmins,
  countUsers,
  findUserById,
  findUserByName,
  insertUser,
  listUserRows,
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
/** Failed logins per username before a pause, and the pause. */
const MAX_FAILURES = 5;
const FAILURE_PAUSE_MS = 60_000;

/** Roles are nested (shared with the renderer, which disables what a role cannot use); the CLI's system actor may do anything. */
export function roleAllows(role: Role | 'system', access: Access): boolean {
  if (role === 'system') return true;
  return roleMeets(role, access);
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
  private readonly failures = new Map<string, { count: number; until: number }>();
  private decoy: Promise<string> | null = null;

  constructor(private readonly core: Pick<Core, 'db' | 'clock' | 'logger' | 'events' | 'settings'>) {}

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
    if (!current) throw new AppError('UNAUTHENTICATED', 'Please log in to CareLens first.');
    if (current.session.locked) {
      ctx.actor = userActor(current.user);
      throw new AppError('LOCKED', `CareLens is locked. ${current.user.display_name}, enter your password to continue.`);
    }
    ctx.actor = userActor(current.user);
    if (!roleAllows(current.user.role, access)) throw this.forbidden(ctx.actor, channel, access);
    current.session.lastActive = this.now();
  }

  private forbidden(actor: Actor, channel: string, access: Access): AppError {
    // In words ("Only an administrator can retire a care plan; you are signed in as a clinician"), never the channel.
    return new AppError('FORBIDDEN', forbiddenMessage(channel, actor.role, access));
  }

  /**
   * Whether a transport session may be sent push events: only a signed-in, unlocked one, since
   * events carry patient names and folders (a login or lock screen must not receive them).
   */
  mayReceiveEvents(sessionId: string): boolean {
    const current = this.freshSession({ transport: 'web', actor: null, sessionId });
    return current !== null && !current.session.locked;
  }

  /** What the renderer shows first: set-up, login, lock screen or the app. */
  status(ctx: CallContext): AuthStatus {
    const current = this.freshSession(ctx);
    return {
      needsSetup: countUsers(this.core.db) === 0,
      user: current ? toUser(current.user) : null,
      locked: current?.session.locked ?? false,
      idleMinutes: this.idleMinutes(),
    };
  }

  private startSession(ctx: CallContext, user: UserRow): void {
    if (!ctx.sessionId) throw new AppError('UNSUPPORTED', 'This connection has no session to log in to.');
    this.sessions.set(ctx.sessionId, { userId: user.id, locked: false, lastActive: this.now() });
    ctx.actor = userActor(user);
    const at = this.core.clock.now().toISOString();
    updateUserRow(this.core.db, { ...user, last_login_at: at });
  }

  /** Creates the first admin; refused once any user exists. */
  async setup(ctx: CallContext, input: { username: string; displayName: string; password: string }): Promise<AuthStatus> {
    const passwordHash = await hashPassword(input.password);
    const row = this.core.db.transaction(() => {
      if (countUsers(this.core.db) > 0) throw new AppError('CONFLICT', 'CareLens already has users: log in instead.');
      return this.insert({ ...input, role: 'admin' }, passwordHash, 'first-run');
    }).immediate();
    if (ctx.sessionId) this.startSession(ctx, row);
    else ctx.actor = userActor(row);
    return this.status(ctx);
  }

  /** Logs a user in on this session. Wrong username and wrong password read the same. */
  async login(ctx: CallContext, input: { username: string; password: string }): Promise<AuthStatus> {
    const key = usernameKey(input.username);
    const fail = this.failures.get(key);
    if (fail && fail.count >= MAX_FAILURES && this.now() < fail.until) {
      throw new AppError('FORBIDDEN', 'Too many wrong passwords for this user: wait a minute and try again.');
    }
    const user = findUserByName(this.core.db, input.username);
    this.decoy ??= decoyHash();
    const good = await verifyPassword(input.password, user?.password_hash ?? (await this.decoy));
    if (!user || !good || user.disabled) {
      const count = (fail && this.now() < fail.until ? fail.count : 0) + 1;
      this.failures.set(key, { count, until: this.now() + FAILURE_PAUSE_MS });
      throw new AppError('UNAUTHENTICATED', user?.disabled && good ? 'This account is disabled. Ask an administrator.' : 'Wrong username or password.');
    }
    this.failures.delete(key);
    this.startSession(ctx, user);
    return this.status(ctx);
  }

  logout(ctx: CallContext): AuthStatus {
    const current = this.freshSession(ctx);
    if (current) ctx.actor = userActor(current.user);
    if (ctx.sessionId) this.sessions.delete(ctx.sessionId);
    return this.status({ ...ctx });
  }

  lock(ctx: CallContext): AuthStatus {
    const current = this.freshSession(ctx);
    if (!current) throw new AppError('UNAUTHENTICATED', 'Nobody is logged in on this session.');
    current.session.locked = true;
    ctx.actor = userActor(current.user);
    this.changed();
    return this.status(ctx);
  }

  /** Only the session's own user unlocks it; anyone else logs out and in. */
  async unlock(ctx: CallContext, password: string): Promise<AuthStatus> {
    const current = this.freshSession(ctx);
    if (!current) throw new AppError('UNAUTHENTICATED', 'Nobody is logged in on this session.');
    ctx.actor = userActor(current.user);
    const key = current.user.username_key;
    const fail = this.failures.get(key);
    if (fail && fail.count >= MAX_FAILURES && this.now() < fail.until) {
      throw new AppError('FORBIDDEN', 'Too many wrong passwords: wait a minute and try again.');
    }
    if (!(await verifyPassword(password, current.user.password_hash))) {
      const count = (fail && this.now() < fail.until ? fail.count : 0) + 1;
      this.failures.set(key, { count, until: this.now() + FAILURE_PAUSE_MS });
      throw new AppError('UNAUTHENTICATED', 'Wrong password.');
    }
    this.failures.delete(key);
    current.session.locked = false;
    current.session.lastActive = this.now();
    return this.status(ctx);
  }

  /** Activity from the UI (keys, mouse) keeps the session from idling out. */
  heartbeat(): { idleMinutes: number } {
    // authorize() already stamped the session's activity.
    return { idleMinutes: this.idleMinutes() };
  }

  async changePassword(ctx: CallContext, currentPassword: string, newPassword: string): Promise<{ changed: true }> {
    const user = ctx.actor ? findUserById(this.core.db, ctx.actor.id) : undefined;
    if (!user) throw new AppError('UNSUPPORTED', 'Only a logged-in user can change their own password.');
    if (!(await verifyPassword(currentPassword, user.password_hash))) throw new AppError('VALIDATION', 'The current password is wrong.', [{ path: 'currentPassword', message: 'Wrong password' }]);
    const hash = await hashPassword(newPassword);
    updateUserRow(this.core.db, { ...user, password_hash: hash, updated_at: this.core.clock.now().toISOString() });
    return { changed: true };
  }

  /** All accounts. */
  listUsers(): User[] {
    return listUserRows(this.core.db).map(toUser);
  }

  private insert(input: { username: string; displayName: string; role: Role }, passwordHash: string, createdBy: string): UserRow {
    if (findUserByName(this.core.db, input.username)) {
      throw new AppError('CONFLICT', `The username "${input.username}" is taken.`, [{ path: 'username', message: 'Already taken' }]);
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
    const hash = await hashPassword(input.password);
    return toUser(this.core.db.transaction(() => this.insert(input, hash, actorName(ctx))).immediate());
  }

  /** Renames, changes role or disables; the last active admin stays an active admin. */
  updateUser(ctx: CallContext, id: string, changes: { displayName?: string; role?: Role; disabled?: boolean }): User {
    return this.core.db.transaction(() => {
      const user = findUserById(this.core.db, id);
      if (!user) throw new AppError('NOT_FOUND', 'No such user.');
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
        throw new AppError('CONFLICT', 'This is the last active admin: make another admin first. Nothing was changed.');
      }
      updateUserRow(this.core.db, next);
      if (next.disabled) this.endSessionsOf(id);
      void ctx;
      return toUser(next);
    }).immediate();
  }

  async resetPassword(id: string, password: string): Promise<User> {
    const hash = await hashPassword(password);
    const user = findUserById(this.core.db, id);
    if (!user) throw new AppError('NOT_FOUND', 'No such user.');
    const next = { ...user, password_hash: hash, updated_at: this.core.clock.now().toISOString() };
    updateUserRow(this.core.db, next);
    this.endSessionsOf(id);
    return toUser(next);
  }

  setIdleMinutes(minutes: number): { idleMinutes: number } {
    this.core.settings.set(IDLE_SETTING, String(minutes));
    return { idleMinutes: minutes };
  }

  private endSessionsOf(userId: string): void {
    let ended = false;
    for (const [id, s] of this.sessions) {
      if (s.userId === userId) {
        this.sessions.delete(id);
        ended = true;
      }
    }
    if (ended) this.changed();
  }
}
