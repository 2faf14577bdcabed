/**
 * Message keys cross every transport: an AppError's `key` and `params` (and its issues' keys)
 * reach the renderer beside the English `message`, through the Electron IPC transport (whose
 * answers are structured clones) and the web host (JSON over HTTP); `unwrap` keeps them too.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { AppError, fail, unwrap, type Result } from '../../shared/ipc/envelope';
import { createTestApp } from '../app/testing';
import type { App } from '../app/createApp';
import { EventBus } from '../core/EventBus';
import { registerElectronIpc } from './electron';

// The Electron types, without importing electron (only the transport itself may).
type IpcMain = Parameters<typeof registerElectronIpc>[0];
type IpcMainInvokeEvent = Parameters<Parameters<IpcMain['handle']>[1]>[0];
import { TestBrowser } from './testWebClient';
import { startWebHost, type WebHost } from './webHost';
import { createDispatcher, openGate, type HandlerTable } from './dispatch';

const ADMIN = { username: 'admin', displayName: 'Admin', password: 'correct horse battery staple' };
let host: WebHost | null = null;
let app: App | null = null;
afterEach(async () => {
  await host?.close();
  await app?.close();
  host = null;
  app = null;
});

describe('AppError message keys', () => {
  it('keeps issues given the old way, and key, params and issues given the new way', () => {
    const old = new AppError('VALIDATION', 'Bad.', [{ path: 'name', message: 'Name is required' }]);
    expect(old.toInfo()).toEqual({ code: 'VALIDATION', message: 'Bad.', issues: [{ path: 'name', message: 'Name is required' }] });
    const keyed = new AppError('CONFLICT', 'MRN A1 already belongs to another patient (Ada). Nothing was changed.', {
      key: 'errors.patients.mrnAlreadyBelongsAnother',
      params: { mrn: 'A1', name: 'Ada' },
      issues: [{ path: 'mrn', message: 'Taken' }],
    });
    expect(keyed.message).toBe('MRN A1 already belongs to another patient (Ada). Nothing was changed.');
    expect(keyed.toInfo()).toEqual({
      code: 'CONFLICT',
      message: 'MRN A1 already belongs to another patient (Ada). Nothing was changed.',
      key: 'errors.patients.mrnAlreadyBelongsAnother',
      params: { mrn: 'A1', name: 'Ada' },
      issues: [{ path: 'mrn', message: 'Taken' }],
    });
    expect(new AppError('NOT_FOUND', 'No.').toInfo()).toEqual({ code: 'NOT_FOUND', message: 'No.' });
  });

  it('unwrap throws an AppError that keeps the key and params (the CLI prints the English message)', () => {
    const r: Result<never> = fail('NOT_FOUND', 'No such user.', { key: 'errors.trust.noSuchUser' });
    expect(r).toEqual({ ok: false, error: { code: 'NOT_FOUND', message: 'No such user.', key: 'errors.trust.noSuchUser' } });
    try {
      unwrap(r);
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(AppError);
      expect((err as AppError).message).toBe('No such user.');
      expect((err as AppError).key).toBe('errors.trust.noSuchUser');
    }
  });

  it('a refused input carries validation keys with the field as a parameter', async () => {
    app = createTestApp();
    await app.dispatch('auth:setup', ADMIN, { transport: 'test', actor: null, sessionId: 's' });
    const r = await app.dispatch('patients:create', { name: '', mrn: 'A1', birthDate: '12/03/1957' }, { transport: 'test', actor: null, sessionId: 's' });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.key).toBe('validation.checkForm');
    expect(r.error.message).toMatch(/^Check the form: /);
    expect(r.error.issues).toEqual([
      { path: 'name', message: 'Name is required', key: 'validation.custom.nameRequired' },
      { path: 'birthDate', message: 'Use the form YYYY-MM-DD', key: 'validation.custom.dateForm' },
    ]);
    const list = await app.dispatch('patients:list', { limit: 0 }, { transport: 'test', actor: null, sessionId: 's' });
    expect(!list.ok && list.error.issues).toEqual([
      { path: 'limit', message: 'Number of rows must be at least 1', key: 'validation.atLeast', params: { field: 'limit', min: 1, count: 2 } },
    ]);
  });
});

describe('keys across the transports', () => {
  const keyedHandlers = (): HandlerTable =>
    new Proxy({} as HandlerTable, {
      get: () => () => {
        throw new AppError('CONFLICT', 'MRN A1 already belongs to another patient (Ada). Nothing was changed.', {
          key: 'errors.patients.mrnAlreadyBelongsAnother',
          params: { mrn: 'A1', name: 'Ada' },
        });
      },
      has: () => true,
      getOwnPropertyDescriptor: () => ({ configurable: true, enumerable: true, writable: true, value: () => undefined }),
    });

  it('Electron IPC: the answer (a structured clone) keeps key and params', async () => {
    const dispatch = createDispatcher(keyedHandlers(), openGate, { error() {}, warn() {}, info() {}, debug() {} } as never);
    const handlers = new Map<string, (event: IpcMainInvokeEvent, input: unknown) => Promise<unknown>>();
    const ipcMain = { handle: (ch: string, fn: never) => handlers.set(ch, fn), removeHandler: (ch: string) => handlers.delete(ch) } as unknown as IpcMain;
    const stop = registerElectronIpc(ipcMain, dispatch, new EventBus(), ['http://127.0.0.1:5173'], () => []);
    const mainFrame = { url: 'http://127.0.0.1:5173/index.html' };
    const event = { senderFrame: mainFrame, sender: { id: 1, mainFrame } } as unknown as IpcMainInvokeEvent;
    const answer = structuredClone(await handlers.get('patients:create')!(event, { name: 'Ada', mrn: 'A1' }));
    stop();
    expect(answer).toEqual({
      ok: false,
      error: {
        code: 'CONFLICT',
        message: 'MRN A1 already belongs to another patient (Ada). Nothing was changed.',
        key: 'errors.patients.mrnAlreadyBelongsAnother',
        params: { mrn: 'A1', name: 'Ada' },
      },
    });
  });

  it('web host: the JSON answer keeps key, params and the issues\' keys', async () => {
    app = createTestApp();
    host = await startWebHost({ dispatch: app.dispatch, events: app.core.events, logger: app.core.logger, rendererDir: null, token: 'T0KEN-for-tests' });
    const b = await TestBrowser.open(host);
    expect(await b.call('auth:setup', ADMIN)).toMatchObject({ ok: true });
    expect(await b.call('patients:create', { name: 'Ada', mrn: 'A1' })).toMatchObject({ ok: true });
    const taken = await b.call('patients:create', { name: 'Grace', mrn: 'A1' });
    expect(taken).toMatchObject({ ok: false, error: { code: 'CONFLICT', key: 'errors.patients.mrnAlreadyBelongsAnother', params: { mrn: 'A1', name: 'Ada' } } });
    const bad = await b.call('patients:create', { name: '', mrn: 'A2' });
    expect(bad).toMatchObject({ ok: false, error: { key: 'validation.checkForm', issues: [{ path: 'name', key: 'validation.custom.nameRequired' }] } });
  });
});
