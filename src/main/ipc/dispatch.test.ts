import { describe, expect, it } from 'vitest';
import { AppError } from '../../shared/ipc/envelope';
import { callAs, createTestApp } from '../app/testing';
import type { App } from '../app/createApp';
import { SYSTEM_ACTOR } from '../../shared/domain/actor';
import { createDispatcher, openGate, type CallRecord, type Gate, type HandlerTable } from './dispatch';
import { silentLogger } from '../core/logger';
import { channelNames } from '../../shared/ipc/contract';

/** The features' handlers merged the way createApp merges them into its table. */
function featureHandlers(app: App): Record<string, unknown> {
  return Object.assign({}, ...Object.values(app.features).map((f) => (f as { handlers?: object }).handlers ?? {})) as Record<string, unknown>;
}

describe('dispatch table', () => {
  it('has a handler for every channel of the contract', async () => {
    const app = createTestApp();
    // createApp would not compile without them (satisfies HandlerTable); check at run time too.
    const table = featureHandlers(app);
    for (const channel of channelNames) expect(typeof table[channel], channel).toBe('function');
    // Through the app's own dispatcher: it looks the handler up before the gate and the
    // validation, so a channel createApp left unwired answers INTERNAL even to bad input.
    for (const channel of channelNames) {
      const r = await callAs(app, channel, { definitely: 'not valid input', __proto__: null });
      expect(r.ok === false ? r.error.code : 'ok', channel).not.toBe('INTERNAL');
    }
    await app.close();
  });

  it('answers INTERNAL, and logs the channel, for a contract channel its table lacks', async () => {
    const app = createTestApp();
    const logged: string[] = [];
    const logger = { ...silentLogger, error: (m: string, e: unknown) => logged.push(`${m} ${String(e)}`) };
    const { 'system:status': _dropped, ...table } = featureHandlers(app);
    const dispatch = createDispatcher(table as HandlerTable, openGate, logger);
    const ctx = { transport: 'test', actor: SYSTEM_ACTOR } as const;
    for (const input of [{}, { definitely: 'not valid input' }]) {
      expect(await dispatch('system:status', input, ctx)).toMatchObject({ ok: false, error: { code: 'INTERNAL' } });
    }
    expect(logged).toHaveLength(2);
    expect(logged[0]).toContain('No handler for the contract channel system:status');
    expect(await dispatch('patients:list', {}, ctx)).toMatchObject({ ok: true, value: { total: 0 } });
    await app.close();
  });

  it('answers wrong types, extra fields, unknown channels and non-objects with VALIDATION, changing nothing', async () => {
    const app = createTestApp();
    const calls: [unknown, unknown][] = [
      ['patients:create', { name: 42, mrn: ['x'] }],
      ['patients:create', { name: 'A', mrn: 'B', admin: true }],
      ['patients:create', null],
      ['patients:create', 'A'],
      ['patients:update', { id: 'x', changes: { mrn: 5 } }],
      ['patients:list', { limit: -1 }],
      ['patients:list', { limit: 1e9 }],
      ['no:such', {}],
      [42, {}],
      [{ toString: 'x' }, {}],
      ['__proto__', {}],
      ['constructor', {}],
    ];
    for (const [channel, input] of calls) {
      const r = await app.call(channel as string, input);
      expect(r.ok, JSON.stringify([channel, input])).toBe(false);
      if (!r.ok) expect(r.error.code).toBe('VALIDATION');
    }
    expect(await callAs(app, 'patients:list', {})).toMatchObject({ ok: true, value: { total: 0 } });
    await app.close();
  });

  it('says what to fix in the words of the form, never a channel name or a schema key, and keeps code and issues', async () => {
    const app = createTestApp();
    const refused = async (channel: string, input: unknown) => {
      const r = await app.call(channel, input);
      if (r.ok) throw new Error(`${channel} accepted ${JSON.stringify(input)}`);
      expect(r.error.code, channel).toBe('VALIDATION');
      return r.error;
    };
    const patient = await refused('patients:create', { name: ' ', mrn: 'A1', birthDate: '12/03/1957' });
    expect(patient.message).toBe('Check the form: Name is required; Birth date: use the form YYYY-MM-DD.');
    expect(patient.issues).toEqual([
      { path: 'name', message: 'Name is required', key: 'validation.custom.nameRequired' },
      { path: 'birthDate', message: 'Use the form YYYY-MM-DD', key: 'validation.custom.dateForm' },
    ]);
    const setup = await refused('auth:setup', { username: 'ad', displayName: 'Ada', password: 'short' });
    expect(setup.message).toBe('Check the form: A password has at least 10 characters.');
    // zod's own messages ("Invalid input: expected string") become the field's name and the fix.
    const plan = await refused('careplans:savePlan', { fields: { name: 'X', conditions: [{ code: 'J18', words: 'pneumonia' }], ageBands: [65] } });
    expect(plan.message).toBe('Check the form: Age bands (item 1) must be text.');
    expect(plan.issues).toEqual([
      { path: 'fields.ageBands.0', message: 'Age bands (item 1) must be text', key: 'validation.mustBeText', params: { field: 'ageBands', item: 1, count: 1 } },
    ]);
    expect((await refused('patients:list', { limit: 0 })).message).toBe('Check the form: Number of rows must be at least 1.');
    expect((await refused('imaging:importStart', {})).message).toBe('Check the form: Folders are required.');
    expect((await refused('patients:create', { name: 'A', mrn: 'B', admin: true })).message).toBe('Check the form: The form has a field CareLens does not expect: Admin.');
    expect((await refused('ml:review', { diagnosisId: 'd1', decision: 'override', reason: '' })).message).toBe('Check the form: An override needs the correct class and a reason.');
    expect((await refused('no:such', {})).message).not.toContain('no:such');
    // Every channel, given junk: no channel name, no zod wording, no camelCase key in the message.
    for (const channel of channelNames) {
      for (const input of [{ definitely: 'not valid' }, null, { id: 5, patientId: 7, fields: { ageBands: [1] } }]) {
        const r = await callAs(app, channel, input);
        if (r.ok || r.error.code !== 'VALIDATION') continue;
        expect(r.error.message, channel).toMatch(/^Check the form: /);
        expect(r.error.message.replace(/CareLens/g, ''), channel).not.toMatch(/\b[a-z]+:[a-z][A-Za-z]+\b|Invalid input|expected [a-z]+, received|[a-z][A-Z]/);
      }
    }
    await app.close();
  });

  it('turns a service AppError into its code and anything else into INTERNAL without the stack', async () => {
    const errors: unknown[] = [];
    const logger = { ...silentLogger, error: (_m: string, e: unknown) => errors.push(e) };
    const handlers = {
      'system:status': () => {
        throw new Error('secret internals at /home/x');
      },
      'patients:get': () => {
        throw new AppError('NOT_FOUND', 'No patient like that.');
      },
    } as unknown as HandlerTable;
    const dispatch = createDispatcher(handlers, openGate, logger);
    const internal = await dispatch('system:status', {}, { transport: 'test', actor: null });
    expect(internal).toMatchObject({ ok: false, error: { code: 'INTERNAL' } });
    expect(JSON.stringify(internal)).not.toContain('secret');
    expect(errors).toHaveLength(1);
    expect(await dispatch('patients:get', { id: 'x' }, { transport: 'test', actor: null })).toEqual({ ok: false, error: { code: 'NOT_FOUND', message: 'No patient like that.' } });
  });

  it('asks the gate before validating or running, and records every outcome', async () => {
    const records: CallRecord[] = [];
    let ran = 0;
    const gate: Gate = {
      authorize(channel) {
        if (channel === 'patients:create') throw new AppError('FORBIDDEN', 'not you');
      },
      record: (r) => records.push(r),
    };
    const handlers = { 'patients:create': () => ran++, 'patients:list': () => ({ items: [], total: 0 }) } as unknown as HandlerTable;
    const dispatch = createDispatcher(handlers, gate, silentLogger);
    expect(await dispatch('patients:create', { name: 'A', mrn: 'B' }, { transport: 'test', actor: null })).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    expect(ran).toBe(0);
    await dispatch('patients:list', {}, { transport: 'test', actor: null });
    await dispatch('bogus', {}, { transport: 'test', actor: null });
    expect(records.map((r) => [r.channel, r.result.ok, r.audit])).toEqual([
      ['patients:create', false, 'change'],
      ['patients:list', true, 'read'],
      ['bogus', false, null],
    ]);
  });
});
