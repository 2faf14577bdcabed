/**
 * The preload: one function per channel of the contract (api.feature.verb), typed event
 * subscriptions that return an unsubscribe function, and the OS folder dialog (`pickFolders`).
 */
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import { channelNames, eventNames, splitChannel } from '../shared/ipc/contract';
import { PICK_FOLDERS_CHANNEL } from '../shared/ipc/system';

const EVENT_CHANNEL = 'carelens:event';

const api: Record<string, unknown> = {};
for (const channel of channelNames) {
  const [feature, verb] = splitChannel(channel);
  const group = (api[feature] ??= {}) as Record<string, (input: unknown) => Promise<unknown>>;
  group[verb] = (input: unknown) => ipcRenderer.invoke(channel, input === undefined ? {} : input);
}

type Listener = (payload: unknown) => void;
const listeners = new Map<string, Set<Listener>>();
ipcRenderer.on(EVENT_CHANNEL, (_event: IpcRendererEvent, name: string, payload: unknown) => {
  for (const listener of listeners.get(name) ?? []) listener(payload);
});

api.on = (name: string, listener: Listener) => {
  if (!(eventNames as string[]).includes(name)) throw new Error(`Unknown event: ${name}`);
  if (!listeners.has(name)) listeners.set(name, new Set());
  listeners.get(name)!.add(listener);
  return () => {
    listeners.get(name)?.delete(listener);
  };
};

// The OS folder dialog (desktop only; the web host's api has no pickFolders, and the page then browses through system:browseFolder).
api.pickFolders = (options?: { title?: string }) => ipcRenderer.invoke(PICK_FOLDERS_CHANNEL, options ?? {});

contextBridge.exposeInMainWorld('api', api);
