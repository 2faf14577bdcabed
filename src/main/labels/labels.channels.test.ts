import { afterEach, describe, expect, it } from 'vitest';
import { callAs, createTestApp } from '../app/testing';
import type { App } from '../app/createApp';
import type { Actor } from '../../shared/domain/actor';
import { channels } from '../../shared/ipc/contract';
import type { ImageLabelDetail, LabelQueue, LabelSet } from '../../shared/domain/labels';
import { insertSharedImages } from './testImages';

let app: App;
afterEach(async () => {
  await app?.close();
});

const ana: Actor = { id: 'u-ana', username: 'ana', role: 'clinician' };
const ben: Actor = { id: 'u-ben', username: 'ben', role: 'reviewer' };

async function setup(count = 4) {
  app = createTestApp();
  const images = insertSharedImages(app.core.db, { count });
  const created = await callAs(app, 'labels:createSet', { name: 'CXR', classes: ['normal', 'pneumonia'] }, ana);
  if (!created.ok) throw new Error(created.error.message);
  return { set: created.value as LabelSet, ids: images.map((i) => i.id) };
}

function labelRows(): number {
  return (app.core.db.prepare('SELECT COUNT(*) AS n FROM labels').get() as { n: number }).n;
}

describe('labels channels', () => {
  it('declare access and audit truthfully', () => {
    for (const [name, def] of Object.entries(channels)) {
      if (!name.startsWith('labels:')) continue;
      const reads = ['labels:queue', 'labels:image', 'labels:agreement', 'labels:imports'];
      const changes = ['labels:createSet', 'labels:updateSet', 'labels:set', 'labels:setMany', 'labels:undoMany', 'labels:clear', 'labels:undo', 'labels:skip', 'labels:review'];
      if (reads.includes(name)) expect(def.audit, name).toBe('read');
      else if (changes.includes(name)) expect(def.audit, name).toBe('change');
      else if (name === 'labels:export') expect(def.audit).toBe('export');
      else expect(def.audit, name).toBe('none');
      expect(def.access, name).toBe(name === 'labels:review' ? 'reviewer' : 'clinician');
    }
  });

  it('label, undo and review through the dispatch table, with the caller as "who"', async () => {
    const { set, ids } = await setup();
    const events: unknown[] = [];
    app.core.events.subscribe((name, payload) => {
      if (name === 'labels:changed') events.push(payload);
    });
    const labelled = await callAs(app, 'labels:set', { labelSetId: set.id, imageId: ids[0], className: 'pneumonia' }, ana);
    expect(labelled).toMatchObject({ ok: true, value: { current: { className: 'pneumonia', author: 'ana', source: 'hand' } } });
    const reviewed = await callAs(app, 'labels:review', { labelSetId: 'CXR', imageId: ids[0], className: 'normal' }, ben);
    expect(reviewed).toMatchObject({ ok: true, value: { current: { className: 'normal', author: 'ben', source: 'review' }, review: { verdict: 'correct' } } });
    expect(await callAs(app, 'labels:agreement', { labelSetId: set.id }, ana)).toMatchObject({ ok: true, value: { reviewed: 1, agreed: 0, rate: 0 } });
    // A clinician without the reviewer role cannot review.
    await callAs(app, 'labels:set', { labelSetId: set.id, imageId: ids[1], className: 'normal' }, ben);
    expect(await callAs(app, 'labels:review', { labelSetId: set.id, imageId: ids[1] }, ana)).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    const undone = await callAs(app, 'labels:undo', { labelSetId: set.id, imageId: ids[1] }, ben);
    expect(undone).toMatchObject({ ok: true, value: { current: null } });
    const q = await callAs(app, 'labels:queue', { labelSetId: set.id, filter: 'next' }, ana);
    expect(q.ok && (q.value as LabelQueue).items.map((i) => i.imageId)).toEqual(ids.slice(1));
    const skipped = await callAs(app, 'labels:skip', { labelSetId: set.id, imageId: ids[1] }, ana);
    expect(skipped.ok && (skipped.value as ImageLabelDetail).skipped).toBe(true);
    const csv = await callAs(app, 'labels:export', { labelSetId: set.id }, ana);
    expect(csv).toMatchObject({ ok: true, value: { rows: 1 } });
    // set, review, set, undo: each told open views; refused calls and reads did not.
    expect(events).toEqual([ids[0], ids[0], ids[1], ids[1]].map((imageId) => ({ labelSetId: set.id, imageId })));
  });

  it('refuse an unknown class, an unknown image, a wrong set and stray fields, and store nothing', async () => {
    const { set, ids } = await setup();
    const other = await callAs(app, 'labels:createSet', { name: 'Breast', classes: ['malignant', 'benign'] }, ana);
    expect(other.ok).toBe(true);
    const before = labelRows();
    expect(await callAs(app, 'labels:set', { labelSetId: set.id, imageId: ids[0], className: 'malignant' }, ana)).toMatchObject({
      ok: false,
      error: { code: 'VALIDATION', issues: [{ path: 'className' }] },
    });
    expect(await callAs(app, 'labels:set', { labelSetId: set.id, imageId: 'nope', className: 'normal' }, ana)).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    expect(await callAs(app, 'labels:set', { labelSetId: 'no-such-set', imageId: ids[0], className: 'normal' }, ana)).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    expect(await callAs(app, 'labels:set', { labelSetId: set.id, imageId: ids[0], className: '' }, ana)).toMatchObject({ ok: false, error: { code: 'VALIDATION', issues: [{ path: 'className' }] } });
    expect(await callAs(app, 'labels:set', { labelSetId: set.id, imageId: ids[0], className: 'normal', source: 'model' }, ana)).toMatchObject({ ok: false, error: { code: 'VALIDATION' } });
    expect(await callAs(app, 'labels:review', { labelSetId: set.id, imageId: ids[0], className: 'benign' }, ben)).toMatchObject({ ok: false, error: { code: 'CONFLICT' } });
    expect(await callAs(app, 'labels:queue', { labelSetId: set.id, filter: 'everything' }, ana)).toMatchObject({ ok: false, error: { code: 'VALIDATION', issues: [{ path: 'filter' }] } });
    expect(await callAs(app, 'labels:createSet', { name: 'X', classes: ['only'] }, ana)).toMatchObject({ ok: false, error: { code: 'VALIDATION', issues: [{ path: 'classes' }] } });
    expect(await callAs(app, 'labels:createSet', { name: 'CXR', classes: ['a', 'b'] }, ana)).toMatchObject({ ok: false, error: { code: 'CONFLICT' } });
    expect(labelRows()).toBe(before);
    const sets = await callAs(app, 'labels:sets', {}, ana);
    expect(sets.ok && (sets.value as LabelSet[]).map((s) => s.name)).toEqual(['Breast', 'CXR']);
  });

  it('every labels channel refuses a stray field and a wrongly typed one, with VALIDATION', async () => {
    const { set, ids } = await setup(1);
    const good: Record<string, Record<string, unknown>> = {
      'labels:sets': {},
      'labels:getSet': { labelSetId: set.id },
      'labels:createSet': { name: 'Another', classes: ['a', 'b'] },
      'labels:updateSet': { labelSetId: set.id, description: 'x' },
      'labels:imports': {},
      'labels:queue': { labelSetId: set.id },
      'labels:image': { labelSetId: set.id, imageId: ids[0] },
      'labels:set': { labelSetId: set.id, imageId: ids[0], className: 'normal' },
      'labels:setMany': { labelSetId: set.id, imageIds: [ids[0]], className: 'normal' },
      'labels:undoMany': { labelSetId: set.id, labelIds: [1] },
      'labels:clear': { labelSetId: set.id, imageId: ids[0] },
      'labels:undo': { labelSetId: set.id, imageId: ids[0] },
      'labels:skip': { labelSetId: set.id, imageId: ids[0] },
      'labels:review': { labelSetId: set.id, imageId: ids[0] },
      'labels:agreement': { labelSetId: set.id },
      'labels:export': { labelSetId: set.id },
    };
    const names = Object.keys(channels).filter((n) => n.startsWith('labels:'));
    expect(names.sort()).toEqual(Object.keys(good).sort());
    const before = labelRows();
    for (const name of names) {
      const stray = await callAs(app, name, { ...good[name], sneaky: true }, ben);
      expect(stray, name).toMatchObject({ ok: false, error: { code: 'VALIDATION' } });
      const firstKey = Object.keys(good[name]!)[0];
      if (firstKey) {
        const wrong = await callAs(app, name, { ...good[name], [firstKey]: 42 }, ben);
        expect(wrong, name).toMatchObject({ ok: false, error: { code: 'VALIDATION', issues: [{ path: firstKey }] } });
      }
    }
    expect(labelRows()).toBe(before);
  });

  it('are audited: a label change and a queue read reach the audit trail with their author', async () => {
    const { set, ids } = await setup();
    await callAs(app, 'labels:set', { labelSetId: set.id, imageId: ids[0], className: 'normal' }, ana);
    await callAs(app, 'labels:queue', { labelSetId: set.id }, ana);
    const audit = await callAs(app, 'audit:list', {}, { id: 'u-admin', username: 'root', role: 'admin' });
    expect(audit.ok).toBe(true);
    const text = JSON.stringify(audit.ok ? audit.value : null);
    expect(text).toContain('labels:set');
    expect(text).toContain('labels:queue');
    expect(text).toContain('ana');
  });
});
