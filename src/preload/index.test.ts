import { describe, expect, it, vi } from 'vitest';
import { channelNames } from '../shared/ipc/contract';

const exposed: Record<string, unknown> = {};
const handlers: ((event: unknown, name: string, payload: unknown) => void)[] = [];
const invoke = vi.fn(async (channel: string, input: unknown) => ({ ok: true, value: { channel, input } }));

vi.mock('electron', () => ({
  contextBridge: { exposeInMainWorld: (key: string, value: unknown) => (exposed[key] = value) },
  ipcRenderer: { invoke, on: (_c: string, h: (event: unknown, name: string, payload: unknown) => void) => handlers.push(h) },
}));

describe('preload', () => {
  it('exposes one function per channel and event subscriptions that unsubscribe', async () => {
    await import('./index');
    const api = exposed.api as Record<string, Record<string, (input?: unknown) => Promise<unknown>>> & { on: (e: string, l: (p: unknown) => void) => () => void };
    for (const channel of channelNames) {
      const [feature, verb] = channel.split(':') as [string, string];
      expect(typeof api[feature]?.[verb], channel).toBe('function');
    }
    await expect(api.patients!.list!({ query: 'x' })).resolves.toEqual({ ok: true, value: { channel: 'patients:list', input: { query: 'x' } } });
    expect(() => api.on('no:such', () => {})).toThrow(/Unknown event/);
    expect(Object.keys(api).sort()).toEqual([...new Set(channelNames.map((c) => c.split(':')[0]!)), 'on', 'pickFolders'].sort());
    await expect((api.pickFolders as unknown as (o?: unknown) => Promise<unknown>)({ title: 'Choose' })).resolves.toEqual({ ok: true, value: { channel: 'carelens:pickFolders', input: { title: 'Choose' } } });
  });
});
