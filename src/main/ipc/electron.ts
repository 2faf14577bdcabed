import type { IpcMain, IpcMainInvokeEvent, WebContents } from 'electron';
import { channelNames } from '../../shared/ipc/contract';
import { mayDeliver, type EventAudience, type EventBus } from '../core/EventBus';
import type { CallContext, Dispatch } from './dispatch';
import { isTrustedSender } from './senderCheck';

export const EVENT_CHANNEL = 'carelens:event';

/**
 * The Electron transport: one ipcMain.handle per channel of the contract, each checking
 * its sender (the app's own top-level frame) before dispatching, and push events sent
 * to the app's windows.
 */
export function registerElectronIpc(
  ipcMain: IpcMain,
  dispatch: Dispatch,
  events: EventBus,
  appOrigins: readonly string[],
  windows: () => WebContents[],
  /** Which windows' sessions receive push events; every window when absent. */
  audience?: EventAudience,
): () => void {
  for (const channel of channelNames) {
    ipcMain.handle(channel, async (event: IpcMainInvokeEvent, input: unknown) => {
      const frame = event.senderFrame;
      const trusted = frame ? isTrustedSender({ frameUrl: frame.url, isMainFrame: frame === event.sender.mainFrame }, appOrigins) : false;
      if (!trusted) {
        return { ok: false, error: { code: 'FORBIDDEN', message: 'Calls are accepted only from the CareLens window.' } };
      }
      const ctx: CallContext = { transport: 'electron', actor: null, sessionId: windowSession(event.sender) };
      return dispatch(channel, input, ctx);
    });
  }
  const unsubscribe = events.subscribe((name, payload) => {
    for (const contents of windows()) {
      if (!contents.isDestroyed() && mayDeliver(audience, windowSession(contents), name)) contents.send(EVENT_CHANNEL, name, payload);
    }
  });
  return () => {
    unsubscribe();
    for (const channel of channelNames) ipcMain.removeHandler(channel);
  };
}

/** A window's session handle: calls and events of one window share it. */
function windowSession(contents: Pick<WebContents, 'id'>): string {
  return `window-${contents.id}`;
}
