import type { CallContext } from './dispatch';

/**
 * A call context whose transport can replace its session handle: the web host's cookie
 * session. The trust feature renews the handle when who is behind it changes (set-up, login,
 * unlock, logout, a password change), so a handle someone planted or saw before cannot be
 * used after (session fixation). `renewSession` drops the old handle, issues a new one, sets
 * `ctx.sessionId` to it and returns it; the transport hands it to the caller (a new cookie).
 * Electron's window handles are not chosen by any page, so Electron does not renew them.
 */
export interface RenewableContext extends CallContext {
  renewSession?: () => string;
}
