/**
 * Electron IPC sender check, as a pure function so it is tested in plain Node:
 * a call is served only from the app's own top-level frame. Subframes, other origins
 * and navigated-away pages are refused before anything else runs.
 */
export interface SenderInfo {
  /** URL of the frame that sent the message ('' when unknown). */
  frameUrl: string;
  /** Whether that frame is its window's top-level frame. */
  isMainFrame: boolean;
}

export function isTrustedSender(sender: SenderInfo, appOrigins: readonly string[]): boolean {
  if (!sender.isMainFrame || !sender.frameUrl) return false;
  let url: URL;
  try {
    url = new URL(sender.frameUrl);
  } catch {
    return false;
  }
  if (url.protocol === 'file:') return appOrigins.includes('file://');
  return appOrigins.includes(url.origin);
}
