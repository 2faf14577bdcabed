import { AppError } from '../../shared/ipc/envelope';

/**
 * Limits on password checks (login and unlock). Every attempt is counted BEFORE its scrypt
 * check starts, so concurrent guesses cannot all slip in while the first ones are still being
 * checked, and at most `maxInFlight` checks run at once (each costs 32 MiB and ~0.5 s of a core).
 *
 * Three windows, each a count of attempts not yet proven right:
 * - per user name: `perUser` attempts, then the name pauses for `pauseMs` (whoever asks);
 * - per session (one browser, one window): `perSession` attempts over any names, then it pauses;
 * - everything together: `global` attempts in `pauseMs`, then every password check pauses
 *   (someone is guessing across many names and sessions).
 * A right password clears its user's and its session's count; the global window only ages out.
 */
export interface ThrottleLimits {
  perUser: number;
  perSession: number;
  global: number;
  maxInFlight: number;
  pauseMs: number;
}

export const DEFAULT_LIMITS: ThrottleLimits = { perUser: 5, perSession: 10, global: 50, maxInFlight: 2, pauseMs: 60_000 };

interface Window {
  count: number;
  until: number;
}

export interface Attempt {
  /** Call when the check finished, right or wrong (frees the in-flight place). */
  done(right: boolean): void;
}

export class LoginThrottle {
  private readonly users = new Map<string, Window>();
  private readonly sessions = new Map<string, Window>();
  private globalWindow: Window = { count: 0, until: 0 };
  private inFlight = 0;

  constructor(
    private readonly now: () => number,
    private readonly limits: ThrottleLimits = DEFAULT_LIMITS,
  ) {}

  private live(w: Window | undefined): number {
    return w && this.now() < w.until ? w.count : 0;
  }

  /**
   * Counts an attempt and reserves an in-flight place, or throws FORBIDDEN (paused, or
   * too many checks running) without counting. `session` may be null (an in-process caller).
   */
  begin(userKey: string, session: string | null): Attempt {
    const { perUser, perSession, global, maxInFlight, pauseMs } = this.limits;
    if (this.live(this.users.get(userKey)) >= perUser) {
      throw new AppError('FORBIDDEN', 'Too many wrong passwords for this user: wait a minute and try again.', { key: 'errors.trust.tooManyWrongPasswords' });
    }
    if (session !== null && this.live(this.sessions.get(session)) >= perSession) {
      throw new AppError('FORBIDDEN', 'Too many wrong passwords from this window: wait a minute and try again.', { key: 'errors.trust.tooManyWrongPasswords2' });
    }
    if (this.live(this.globalWindow) >= global) {
      throw new AppError('FORBIDDEN', 'Too many wrong passwords on this computer: logins are paused for a minute. If nobody here made them, tell your administrator.', { key: 'errors.trust.tooManyWrongPasswords3' });
    }
    if (this.inFlight >= maxInFlight) {
      throw new AppError('FORBIDDEN', 'CareLens is checking other passwords right now: try again in a moment.', { key: 'errors.trust.carelensCheckingOtherPasswords' });
    }
    const until = this.now() + pauseMs;
    const bump = (map: Map<string, Window>, key: string) => map.set(key, { count: this.live(map.get(key)) + 1, until });
    bump(this.users, userKey);
    if (session !== null) bump(this.sessions, session);
    this.globalWindow = { count: this.live(this.globalWindow) + 1, until: Math.max(this.globalWindow.until, until) };
    this.inFlight++;
    let finished = false;
    return {
      done: (right) => {
        if (finished) return;
        finished = true;
        this.inFlight--;
        if (right) {
          this.users.delete(userKey);
          if (session !== null) this.sessions.delete(session);
        }
      },
    };
  }

  /** Checks running now (for tests and the log). */
  running(): number {
    return this.inFlight;
  }
}
