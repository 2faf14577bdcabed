import type { IpcMain, IpcMainInvokeEvent, OpenDialogOptions, OpenDialogReturnValue, WebContents } from 'electron';
import { channelNames } from '../../shared/ipc/contract';
import { mayDeliver, type EventAudience, type EventBus } from '../core/EventBus';
import type { CallContext, Dispatch } from './dispatch';
import { isTrustedSender } from './senderCheck';
import { PICK_FOLDERS_CHANNEL } from '../../shared/ipc/system';

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

/** Shows Electron's open dialog over the window of `contents` (index.ts passes dialog.showOpenDialog). */
export type ShowOpenDialog = (contents: WebContents, options: OpenDialogOptions) => Promise<OpenDialogReturnValue>;

/**
 * The native folder picker the Import page uses in the desktop app (the web host serves its own
 * folder browser instead): one ipcMain handler, for the app's own top-level frame only, that
 * opens the OS dialog for folders (several at once) and answers the chosen paths ([] when
 * cancelled). The paths are only suggestions for the form: the import checks them as it checks
 * typed ones (allowed folders, existing, readable).
 */
export function registerFolderDialog(ipcMain: IpcMain, appOrigins: readonly string[], show: ShowOpenDialog): () => void {
  ipcMain.handle(PICK_FOLDERS_CHANNEL, async (event: IpcMainInvokeEvent, input: unknown) => {
    const frame = event.senderFrame;
    const trusted = frame ? isTrustedSender({ frameUrl: frame.url, isMainFrame: frame === event.sender.mainFrame }, appOrigins) : false;
    if (!trusted) return { ok: false, error: { code: 'FORBIDDEN', message: 'Calls are accepted only from the CareLens window.' } };
    const title = typeof (input as { title?: unknown } | null)?.title === 'string' ? (input as { title: string }).title.slice(0, 200) : undefined;
    try {
      const r = await show(event.sender, { ...(title ? { title } : {}), properties: ['openDirectory', 'multiSelections', 'createDirectory'] });
      return { ok: true, value: r.canceled ? [] : r.filePaths };
    } catch (err) {
      return { ok: false, error: { code: 'INTERNAL', message: `The folder dialog could not open: ${(err as Error).message}` } };
    }
  });
  return () => ipcMain.removeHandler(PICK_FOLDERS_CHANNEL);
}
