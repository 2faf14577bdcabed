import { afterEach, describe, expect, it } from 'vitest';
import { callAs, createTestApp } from '../app/testing';
import type { App } from '../app/createApp';

let app: App;
afterEach(async () => {
  await app?.close();
});

describe('patient registry', () => {
  it('creates, finds and lists a patient', async () => {
    app = createTestApp();
    const created = await callAs(app, 'patients:create', { name: 'Ada Lovelace', mrn: 'A1', birthDate: '1815-12-10', sex: 'F' });
    expect(created.ok).toBe(true);
    const byName = await callAs(app, 'patients:list', { query: 'lovel' });
    expect(byName).toMatchObject({ ok: true, value: { total: 1, items: [{ mrn: 'A1', name: 'Ada Lovelace' }] } });
    const byMrn = await callAs(app, 'patients:list', { query: 'A1' });
    expect(byMrn).toMatchObject({ ok: true, value: { total: 1 } });
    const byDate = await callAs(app, 'patients:list', { query: '1815-12' });
    expect(byDate).toMatchObject({ ok: true, value: { total: 1 } });
    const none = await callAs(app, 'patients:list', { query: 'zzz' });
    expect(none).toMatchObject({ ok: true, value: { total: 0, items: [] } });
  });

  it('searches names without regard to accents or case', async () => {
    app = createTestApp();
    await callAs(app, 'patients:create', { name: 'José Álvarez', mrn: 'J1' });
    await callAs(app, 'patients:create', { name: '王小明', mrn: 'C1' });
    expect(await callAs(app, 'patients:list', { query: 'jose alv' })).toMatchObject({ ok: true, value: { total: 1 } });
    expect(await callAs(app, 'patients:list', { query: '小明' })).toMatchObject({ ok: true, value: { total: 1 } });
    // LIKE wildcards in a query are literal text
    expect(await callAs(app, 'patients:list', { query: '%' })).toMatchObject({ ok: true, value: { total: 0 } });
  });

  it('refuses a duplicate MRN with CONFLICT and leaves the first record unchanged', async () => {
    app = createTestApp();
    const first = await callAs(app, 'patients:create', { name: 'Ada Lovelace', mrn: 'A1', birthDate: '1815-12-10' });
    const second = await callAs(app, 'patients:create', { name: 'Someone Else', mrn: 'A1' });
    expect(second).toMatchObject({ ok: false, error: { code: 'CONFLICT', issues: [{ path: 'mrn' }] } });
    const list = await callAs(app, 'patients:list', {});
    expect(list).toMatchObject({ ok: true, value: { total: 1, items: [{ name: 'Ada Lovelace' }] } });
    expect(first.ok && list.ok && (list.value as { items: unknown[] }).items[0]).toEqual(first.ok && first.value);
  });

  it('edits a patient, keeping MRNs unique', async () => {
    app = createTestApp();
    const a = await callAs(app, 'patients:create', { name: 'A', mrn: 'M1' });
    await callAs(app, 'patients:create', { name: 'B', mrn: 'M2' });
    if (!a.ok) throw new Error('create failed');
    const id = (a.value as { id: string }).id;
    expect(await callAs(app, 'patients:update', { id, changes: { name: 'Anna', birthDate: '1990-02-03' } })).toMatchObject({ ok: true, value: { name: 'Anna', birthDate: '1990-02-03', mrn: 'M1' } });
    expect(await callAs(app, 'patients:update', { id, changes: { mrn: 'M2' } })).toMatchObject({ ok: false, error: { code: 'CONFLICT' } });
    expect(await callAs(app, 'patients:get', { id: 'M1' })).toMatchObject({ ok: true, value: { name: 'Anna' } });
    expect(await callAs(app, 'patients:update', { id: 'nope', changes: { name: 'X' } })).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
  });

  it('rejects bad fields with VALIDATION issues naming each field', async () => {
    app = createTestApp();
    const r = await callAs(app, 'patients:create', { name: '', mrn: '', birthDate: '2999-01-01' });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.code).toBe('VALIDATION');
    expect(r.error.issues?.map((i) => i.path).sort()).toEqual(['birthDate', 'mrn', 'name']);
    expect(await callAs(app, 'patients:create', { name: 'X', mrn: 'Y', birthDate: '2001-02-30' })).toMatchObject({ ok: false, error: { code: 'VALIDATION' } });
    expect(await callAs(app, 'patients:list', {})).toMatchObject({ ok: true, value: { total: 0 } });
  });
});
