import { afterEach, describe, expect, it } from 'vitest';
import { callAs, createTestApp } from '../app/testing';
import type { App } from '../app/createApp';
import type { Actor } from '../../shared/domain/actor';
import type { AuditPage } from '../../shared/domain/trust';
import type { ImageLabelDetail, LabelBatchResult, LabelSet } from '../../shared/domain/labels';
import { insertSharedImages } from './testImages';

// The grid's batch calls, labels:setMany and labels:undoMany, through the real dispatch table
// (gate, validation, audit) on real images and the real migrations.

let app: App;
afterEach(async () => {
  await app?.close();
});

const ana: Actor = { id: 'u-ana', username: 'ana', role: 'clinician' };
const ben: Actor = { id: 'u-ben', username: 'ben', role: 'reviewer' };
const admin: Actor = { id: 'u-root', username: 'root', role: 'admin' };

async function setup(count = 6) {
  app = createTestApp();
  const images = insertSharedImages(app.core.db, { count });
  const created = await callAs(app, 'labels:createSet', { name: 'CXR', classes: ['normal', 'pneumonia'] }, ana);
  if (!created.ok) throw new Error(created.error.message);
  return { set: created.value as LabelSet, ids: images.map((i) => i.id) };
}

type Row = { id: number; image_id: string; class_name: string | null; source: string; author: string; created_at: string; note: string };
function rows(): Row[] {
  return app.core.db.prepare('SELECT id, image_id, class_name, source, author, created_at, note FROM labels ORDER BY id').all() as Row[];
}

async function batch(channel: string, input: object, actor: Actor | null = ana): Promise<LabelBatchResult> {
  const r = await callAs(app, channel, input, actor);
  if (!r.ok) throw new Error(JSON.stringify(r.error));
  return r.value as LabelBatchResult;
}

describe('labels:setMany', () => {
  it('labels every image of the batch with one row each: the caller as author, by hand, one time; history keeps the previous value', async () => {
    const { set, ids } = await setup();
    await callAs(app, 'labels:set', { labelSetId: set.id, imageId: ids[0], className: 'pneumonia' }, ben);
    const before = rows().length;
    const result = await batch('labels:setMany', { labelSetId: set.id, imageIds: ids.slice(0, 4), className: 'normal' });
    const added = rows().slice(before);
    expect(added.map((r) => [r.image_id, r.class_name, r.source, r.author])).toEqual(ids.slice(0, 4).map((id) => [id, 'normal', 'hand', 'ana']));
    expect(new Set(added.map((r) => r.created_at)).size).toBe(1);
    expect(result.written).toEqual(added.map((r) => ({ imageId: r.image_id, labelId: r.id })));
    expect(result.items.map((i) => [i.imageId, i.className, i.author, i.source])).toEqual(ids.slice(0, 4).map((id) => [id, 'normal', 'ana', 'hand']));
    // The single-image view shows the batch row as the current label, Ben's earlier one beneath it.
    const d = await callAs(app, 'labels:image', { labelSetId: set.id, imageId: ids[0] }, ana);
    expect(d.ok && (d.value as ImageLabelDetail).history.map((h) => [h.className, h.author])).toEqual([
      ['normal', 'ana'],
      ['pneumonia', 'ben'],
    ]);
    // Pressing the same key on the same images again adds nothing (as a repeated single key press).
    const again = await batch('labels:setMany', { labelSetId: set.id, imageIds: ids.slice(0, 4), className: 'normal' });
    expect(again.written).toEqual([]);
    expect(rows().length).toBe(before + 4);
  });

  it('makes a standing review stale, as a single label does', async () => {
    const { set, ids } = await setup();
    await callAs(app, 'labels:set', { labelSetId: set.id, imageId: ids[0], className: 'normal' }, ana);
    await callAs(app, 'labels:review', { labelSetId: set.id, imageId: ids[0] }, ben);
    const result = await batch('labels:setMany', { labelSetId: set.id, imageIds: [ids[0], ids[1]], className: 'pneumonia' });
    expect(result.items[0]).toMatchObject({ className: 'pneumonia', review: { verdict: 'confirm', reviewer: 'ben', stale: true } });
    expect(result.items[1]).toMatchObject({ className: 'pneumonia', review: null });
  });

  it('refuses the whole batch, writing nothing, for an unknown image, an image outside the set, an unknown class, or no caller', async () => {
    const { set, ids } = await setup();
    const outside = insertSharedImages(app.core.db, { count: 1, offset: 50, importId: 'import-other' })[0]!.id;
    const scoped = await callAs(app, 'labels:createSet', { name: 'Scoped', classes: ['a', 'b'], scope: ['import-pneumoniamnist'] }, ana);
    expect(scoped.ok).toBe(true);
    const before = rows().length;
    expect(await callAs(app, 'labels:setMany', { labelSetId: set.id, imageIds: [ids[0], 'no-such-image', ids[1]], className: 'normal' }, ana)).toMatchObject({
      ok: false,
      error: { code: 'NOT_FOUND', key: 'errors.labels.noImageWithId', issues: [{ path: 'imageIds.1' }] },
    });
    expect(await callAs(app, 'labels:setMany', { labelSetId: 'Scoped', imageIds: [ids[0], outside], className: 'a' }, ana)).toMatchObject({
      ok: false,
      error: { code: 'VALIDATION', key: 'errors.labels.imageNotPartLabel', issues: [{ path: 'imageIds.1' }] },
    });
    expect(await callAs(app, 'labels:setMany', { labelSetId: set.id, imageIds: ids, className: 'malignant' }, ana)).toMatchObject({ ok: false, error: { code: 'VALIDATION' } });
    expect(await callAs(app, 'labels:setMany', { labelSetId: set.id, imageIds: [], className: 'normal' }, ana)).toMatchObject({ ok: false, error: { code: 'VALIDATION', issues: [{ path: 'imageIds' }] } });
    // No signed-in person behind a window's call: refused before the service runs.
    const nobody = await app.call('labels:setMany', { labelSetId: set.id, imageIds: ids, className: 'normal' }, { transport: 'web', actor: null, sessionId: 'no-such-session' });
    expect(nobody).toMatchObject({ ok: false, error: { code: 'UNAUTHENTICATED' } });
    expect(rows().length).toBe(before);
  });

  it('is audited as one change by the caller, naming the images; a refused batch is audited as refused', async () => {
    const { set, ids } = await setup();
    await batch('labels:setMany', { labelSetId: set.id, imageIds: ids.slice(0, 3), className: 'normal' });
    await callAs(app, 'labels:setMany', { labelSetId: set.id, imageIds: [ids[3], 'nope'], className: 'normal' }, ana);
    const page = await callAs(app, 'audit:list', { action: 'labels:setMany' }, admin);
    const items = page.ok ? (page.value as AuditPage).items : [];
    expect(items.map((e) => [e.channel, e.actorName, e.kind, e.outcome])).toEqual([
      ['labels:setMany', 'ana', 'change', 'NOT_FOUND'],
      ['labels:setMany', 'ana', 'change', 'ok'],
    ]);
    expect(JSON.parse(items[1]!.detail).input.imageIds).toEqual(ids.slice(0, 3));
  });

  it('tells open views once per batch', async () => {
    const { set, ids } = await setup();
    const events: unknown[] = [];
    app.core.events.subscribe((name, payload) => {
      if (name === 'labels:changed') events.push(payload);
    });
    await batch('labels:setMany', { labelSetId: set.id, imageIds: ids, className: 'normal' });
    expect(events).toEqual([{ labelSetId: set.id, imageId: null }]);
  });
});

describe('labels:undoMany', () => {
  it('undoes a batch by its rows: each image back to its previous label, with an undo row linked to the one undone', async () => {
    const { set, ids } = await setup();
    await callAs(app, 'labels:set', { labelSetId: set.id, imageId: ids[0], className: 'pneumonia' }, ben);
    const done = await batch('labels:setMany', { labelSetId: set.id, imageIds: ids.slice(0, 3), className: 'normal' });
    const before = rows().length;
    const undone = await batch('labels:undoMany', { labelSetId: set.id, labelIds: done.written.map((w) => w.labelId) });
    expect(undone.items.map((i) => [i.imageId, i.className])).toEqual([
      [ids[0], 'pneumonia'],
      [ids[1], null],
      [ids[2], null],
    ]);
    const added = rows().slice(before);
    expect(added.map((r) => [r.image_id, r.class_name, r.author])).toEqual([
      [ids[0], 'pneumonia', 'ana'],
      [ids[1], null, 'ana'],
      [ids[2], null, 'ana'],
    ]);
    const links = app.core.db.prepare('SELECT undo_label_id, undone_label_id FROM label_undos ORDER BY undo_label_id').all() as { undo_label_id: number; undone_label_id: number }[];
    expect(links).toEqual(added.map((r, i) => ({ undo_label_id: r.id, undone_label_id: done.written[i]!.labelId })));
  });

  it('refuses the whole undo when any image changed since the batch, or its rows were undone already', async () => {
    const { set, ids } = await setup();
    const done = await batch('labels:setMany', { labelSetId: set.id, imageIds: ids.slice(0, 3), className: 'normal' });
    await callAs(app, 'labels:set', { labelSetId: set.id, imageId: ids[2], className: 'pneumonia' }, ben);
    const before = rows().length;
    const labelIds = done.written.map((w) => w.labelId);
    expect(await callAs(app, 'labels:undoMany', { labelSetId: set.id, labelIds }, ana)).toMatchObject({ ok: false, error: { code: 'CONFLICT', key: 'errors.labels.batchChangedSince' } });
    // Another person's batch rows are not mine to undo.
    expect(await callAs(app, 'labels:undoMany', { labelSetId: set.id, labelIds: labelIds.slice(0, 2) }, ben)).toMatchObject({ ok: false, error: { code: 'CONFLICT', key: 'errors.labels.latestLabelImageWas' } });
    expect(await callAs(app, 'labels:undoMany', { labelSetId: set.id, labelIds: [...labelIds.slice(0, 2), 99_999] }, ana)).toMatchObject({ ok: false, error: { code: 'NOT_FOUND', issues: [{ path: 'labelIds.2' }] } });
    expect(rows().length).toBe(before);
    await batch('labels:undoMany', { labelSetId: set.id, labelIds: labelIds.slice(0, 2) });
    expect(await callAs(app, 'labels:undoMany', { labelSetId: set.id, labelIds: labelIds.slice(0, 2) }, ana)).toMatchObject({ ok: false, error: { code: 'CONFLICT', key: 'errors.labels.batchChangedSince' } });
  });
});
