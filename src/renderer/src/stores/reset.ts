/**
 * What happens to the page when the person at the keyboard changes (log out, another user
 * signs in, the session ended elsewhere): nothing of the previous user may stay.
 *
 * The page is reloaded, without its hash. Resetting the Pinia stores would not be enough:
 * views keep their own state (selections, open images on canvases, form fields, a training
 * chart) and KeepAlive keeps views mounted; subscriptions to push events, timers and
 * requests still in flight would write the previous user's data into fresh stores; and the
 * hash names the page and the patient that was open. A reload drops all of it at once, and
 * it stays correct as views add state. It costs a second of loading on a local app, only at a
 * change of user. The session itself lives in the main process (the web host's cookie, the
 * Electron window), so the reloaded page asks for it again and shows the login screen.
 */

function reloadWithoutPlace(): void {
  if (typeof window === 'undefined') return;
  // The hash holds the open section and patient (#/images/<patientId>): it goes too.
  window.history.replaceState(null, '', window.location.pathname + window.location.search);
  window.location.reload();
}

let clear: () => void = reloadWithoutPlace;

/** Clears everything the page holds of the previous user (reloads it, see above). */
export function clearPreviousUser(): void {
  clear();
}

/** For tests: what clearing does instead of a reload (null restores the reload). */
export function setClearPreviousUser(replacement: (() => void) | null): void {
  clear = replacement ?? reloadWithoutPlace;
}
