import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from '../db/connection';
import { allMigrations } from '../app/migrations';
import { fixedClock } from '../core/clock';
import { silentLogger } from '../core/logger';
import { AppError } from '../../shared/ipc/envelope';
import { LabelService } from './LabelService';
import { insertSharedImages } from './testImages';
import { cohensKappa } from './labelState';
import { entropyUncertainty, marginUncertainty } from './uncertainty';

// The service alone on a :memory: database with every real migration (no other feature's code).
let app: { core: { db: Db; clock: ReturnType<typeof fixedClock>; logger: typeof silentLogger } };
afterEach(() => {
  app?.core.db.close();
});

function setup(count = 6, deps: ConstructorParameters<typeof LabelService>[1] = {}) {
  app = { core: { db: openDatabase({ file: ':memory:', migrations: allMigrations() }), clock: fixedClock(), logger: silentLogger } };
  const images = insertSharedImages(app.core.db, { count });
  const service = new LabelService(app.core, deps);
  const set = service.createSet({ name: 'Chest X-ray', description: 'Paediatric CXR', classes: ['normal', 'pneumonia'] }, 'ana');
  return { service, images, set, ids: images.map((i) => i.id) };
}

function code(fn: () => unknown): string | null {
  try {
    fn();
    return null;
  } catch (err) {
    return err instanceof AppError ? err.code : 'THROWN';
  }
}

async function codeAsync(p: Promise<unknown>): Promise<string | null> {
  try {
    await p;
    return null;
  } catch (err) {
    return err instanceof AppError ? err.code : 'THROWN';
  }
}

function rowCount(): number {
  return (app.core.db.prepare('SELECT COUNT(*) AS n FROM labels').get() as { n: number }).n;
}

describe('label sets', () => {
  it('creates a set with classes and finds it by id or name', () => {
    const { service, set } = setup(3);
    expect(set).toMatchObject({ name: 'Chest X-ray', createdBy: 'ana', images: 3, labeled: 0, classes: [{ idx: 0, name: 'normal' }, { idx: 1, name: 'pneumonia' }] });
    expect(service.getSet('chest x-ray').id).toBe(set.id);
    expect(service.listSets().map((s) => s.name)).toEqual(['Chest X-ray']);
  });

  it('refuses a duplicate name, fewer than two classes and repeated classes, writing nothing', () => {
    const { service } = setup(1);
    expect(code(() => service.createSet({ name: 'chest x-ray', classes: ['a', 'b'] }, 'ana'))).toBe('CONFLICT');
    expect(code(() => service.createSet({ name: 'One', classes: ['a'] }, 'ana'))).toBe('VALIDATION');
    expect(code(() => service.createSet({ name: 'Dup', classes: ['a', 'A '] }, 'ana'))).toBe('VALIDATION');
    expect(service.listSets()).toHaveLength(1);
  });

  it('renames a class in use by adding history rows, keeping the old rows as they were', async () => {
    const { service, set, ids } = setup(3);
    await service.setLabel(set.id, ids[0]!, 'pneumonia', 'ana');
    const updated = service.updateSet(set.id, { classes: [{ name: 'normal' }, { name: 'consolidation', was: 'pneumonia' }, { name: 'effusion' }] }, 'ben');
    expect(updated.classes.map((c) => [c.name, c.count])).toEqual([
      ['normal', 0],
      ['consolidation', 1],
      ['effusion', 0],
    ]);
    const d = await service.detail(set.id, ids[0]!, 'ana');
    expect(d.current).toMatchObject({ className: 'consolidation', source: 'hand', author: 'ben' });
    expect(d.history.map((h) => h.className)).toEqual(['consolidation', 'pneumonia']);
  });

  it('refuses to drop a class in use unless told where its labels go', async () => {
    const { service, set, ids } = setup(3);
    await service.setLabel(set.id, ids[0]!, 'pneumonia', 'ana');
    await service.setLabel(set.id, ids[1]!, 'normal', 'ana');
    const before = rowCount();
    let err: AppError | null = null;
    try {
      service.updateSet(set.id, { name: 'Renamed', classes: [{ name: 'normal' }, { name: 'other' }] }, 'ben');
    } catch (e) {
      err = e as AppError;
    }
    expect(err?.code).toBe('CONFLICT');
    expect(err?.message).toContain('"pneumonia" (1 image)');
    // Nothing changed: not the name, not the classes, not the labels.
    expect(service.getSet(set.id)).toMatchObject({ name: 'Chest X-ray', classes: [{ name: 'normal' }, { name: 'pneumonia', count: 1 }] });
    expect(rowCount()).toBe(before);
    // An unused class can go without a word; a used one with moveLabels.
    const moved = service.updateSet(set.id, { classes: [{ name: 'normal' }, { name: 'other' }], moveLabels: { pneumonia: 'other' } }, 'ben');
    expect(moved.classes.map((c) => [c.name, c.count])).toEqual([
      ['normal', 1],
      ['other', 1],
    ]);
    const cleared = service.updateSet(set.id, { classes: [{ name: 'normal' }, { name: 'abnormal' }], moveLabels: { other: null } }, 'ben');
    expect(cleared.labeled).toBe(1);
    expect(code(() => service.updateSet(set.id, { classes: [{ name: 'x', was: 'nope' }, { name: 'y' }] }, 'ben'))).toBe('VALIDATION');
  });
});

describe('labelling by hand', () => {
  it('records who, when and where from, and keeps every change as history', async () => {
    const { service, set, ids } = setup(3);
    const first = await service.setLabel(set.id, ids[0]!, 'normal', 'ana');
    expect(first.current).toMatchObject({ className: 'normal', source: 'hand', author: 'ana', createdAt: '2026-01-01T00:00:00.000Z' });
    await service.setLabel(set.id, ids[0]!, 'pneumonia', 'ana');
    const d = await service.detail(set.id, ids[0]!, 'ana');
    expect(d.history.map((h) => h.className)).toEqual(['pneumonia', 'normal']);
    // Pressing the same key again adds nothing.
    const n = rowCount();
    await service.setLabel(set.id, ids[0]!, 'pneumonia', 'ana');
    expect(rowCount()).toBe(n);
    const cleared = await service.clearLabel(set.id, ids[0]!, 'ana');
    expect(cleared.current).toMatchObject({ className: null });
    expect(cleared.history).toHaveLength(3);
    expect(service.getSet(set.id).labeled).toBe(0);
  });

  it('undo adds a row restoring the state before, walks further back when pressed again, and never rewrites rows', async () => {
    const { service, set, ids } = setup(2);
    const id = ids[0]!;
    await service.setLabel(set.id, id, 'normal', 'ana');
    await service.setLabel(set.id, id, 'pneumonia', 'ana');
    const snapshot = app.core.db.prepare('SELECT * FROM labels ORDER BY id').all();
    const once = await service.undo(set.id, id, 'ana');
    expect(once.current?.className).toBe('normal');
    expect(once.history[0]).toMatchObject({ className: 'normal', author: 'ana', undoes: once.history[1]!.id });
    expect(once.history[1]).toMatchObject({ className: 'pneumonia', undoneBy: once.history[0]!.id });
    const twice = await service.undo(set.id, id, 'ana');
    expect(twice.current).toBeNull();
    expect(twice.history).toHaveLength(4);
    expect(await codeAsync(service.undo(set.id, id, 'ana'))).toBe('CONFLICT');
    // The rows written before the undos are exactly as they were.
    expect(app.core.db.prepare('SELECT * FROM labels ORDER BY id LIMIT 2').all()).toEqual(snapshot);
    // The newest row is what other features read as the current label.
    const newest = app.core.db.prepare('SELECT class_name FROM labels WHERE image_id = ? ORDER BY id DESC LIMIT 1').get(id) as { class_name: string | null };
    expect(newest.class_name).toBeNull();
  });

  it('lets only the author of the latest change undo it', async () => {
    const { service, set, ids } = setup(2);
    await service.setLabel(set.id, ids[0]!, 'normal', 'ana');
    expect(await codeAsync(service.undo(set.id, ids[0]!, 'ben'))).toBe('CONFLICT');
    expect((await service.detail(set.id, ids[0]!, 'ben')).canUndo).toBe(false);
    expect((await service.detail(set.id, ids[0]!, 'ana')).canUndo).toBe(true);
  });

  it('a set made by an import with labels covers that import only, not images imported later', async () => {
    const { service, set, ids } = setup(2);
    // As `carelens import --labels-from-folders` records it: the import names the set it filled.
    app.core.db
      .prepare("INSERT INTO imports (id, paths, options, state, label_set_id, started_by, started_at) VALUES ('import-pneumoniamnist', '[]', '{}', 'done', ?, 'ana', '2026-01-01T00:00:00Z')")
      .run(set.id);
    insertSharedImages(app.core.db, { set: 'breastmnist', count: 2, importId: 'import-breast' });
    expect(service.getSet(set.id)).toMatchObject({ images: 2, scope: ['import-pneumoniamnist'] });
    expect((await service.queue(set.id, 'all', 'ana')).items.map((i) => i.imageId)).toEqual(ids);
    // Ticking the other import in the panel adds it.
    expect(service.updateSet(set.id, { scope: ['import-pneumoniamnist', 'import-breast'] }, 'ana').images).toBe(4);
  });

  it('refuses unknown classes, unknown images, unknown sets and images outside the set, writing nothing', async () => {
    const { service, set, ids } = setup(2);
    const other = insertSharedImages(app.core.db, { set: 'breastmnist', count: 1, importId: 'import-breast' });
    const scoped = service.createSet({ name: 'CXR only', classes: ['normal', 'pneumonia'], scope: ['import-pneumoniamnist'] }, 'ana');
    expect(scoped.images).toBe(2);
    expect(await codeAsync(service.setLabel(set.id, ids[0]!, 'malignant', 'ana'))).toBe('VALIDATION');
    expect(await codeAsync(service.setLabel(set.id, 'no-such-image', 'normal', 'ana'))).toBe('NOT_FOUND');
    expect(await codeAsync(service.setLabel('no-such-set', ids[0]!, 'normal', 'ana'))).toBe('NOT_FOUND');
    expect(await codeAsync(service.setLabel(scoped.id, other[0]!.id, 'normal', 'ana'))).toBe('VALIDATION');
    expect(rowCount()).toBe(0);
  });
});

describe('queues and filters', () => {
  it('"label next" is import order without a model, and passes over skipped images', async () => {
    const { service, set, ids } = setup(5);
    const q = await service.queue(set.id, 'next', 'ana');
    expect(q.items.map((i) => i.imageId)).toEqual(ids);
    expect(q.ordering).toBe('import');
    expect(q.modelNote).toMatch(/No model/);
    await service.setLabel(set.id, ids[0]!, 'normal', 'ana');
    await service.skip(set.id, ids[1]!, 'ana');
    expect((await service.queue(set.id, 'next', 'ana')).items.map((i) => i.imageId)).toEqual(ids.slice(2));
    // A skip is personal: another clinician still gets the image.
    expect((await service.queue(set.id, 'next', 'ben')).items.map((i) => i.imageId)).toEqual(ids.slice(1));
    expect((await service.queue(set.id, 'skipped', 'ana')).items.map((i) => i.imageId)).toEqual([ids[1]]);
    expect((await service.queue(set.id, 'unlabeled', 'ana')).total).toBe(4);
    await service.skip(set.id, ids[1]!, 'ana', false);
    expect((await service.queue(set.id, 'next', 'ana')).items[0]!.imageId).toBe(ids[1]);
  });

  it('"label next" orders by the model\'s uncertainty when one is given, most unsure first', async () => {
    const asked: string[][] = [];
    const { service, set, ids } = setup(5, {
      uncertainty: async (_set, imageIds) => {
        asked.push(imageIds);
        // Uncertainty from real class probabilities; image 4 has none (new since the model ran).
        const probs: Record<number, number[]> = { 0: [0.95, 0.05], 1: [0.55, 0.45], 2: [0.7, 0.3], 3: [0.5, 0.5] };
        return new Map(Object.entries(probs).map(([i, p]) => [ids[Number(i)]!, entropyUncertainty(p)]));
      },
    });
    await service.setLabel(set.id, ids[3]!, 'normal', 'ana');
    const q = await service.queue(set.id, 'next', 'ana');
    expect(q.ordering).toBe('uncertainty');
    expect(q.items.map((i) => i.imageId)).toEqual([ids[1], ids[2], ids[0], ids[4]]);
    expect(asked.at(-1)).not.toContain(ids[3]);
    expect(q.items[0]!.uncertainty).toBeCloseTo(entropyUncertainty([0.55, 0.45]), 10);
    const unsure = await service.queue(set.id, 'unsure', 'ana', { threshold: 0.9 });
    expect(unsure.items.map((i) => i.imageId)).toEqual([ids[3], ids[1]]);
  });

  it('a failing model falls back to import order and says why', async () => {
    const { service, set, ids } = setup(3, {
      uncertainty: async () => {
        throw new Error('model file missing');
      },
    });
    const q = await service.queue(set.id, 'next', 'ana');
    expect(q.items.map((i) => i.imageId)).toEqual(ids);
    expect(q.modelNote).toContain('model file missing');
  });

  it('filters labelled-by-me, disagreements, reviewed and unreviewed', async () => {
    const { service, set, ids } = setup(4);
    await service.setLabel(set.id, ids[0]!, 'normal', 'ana');
    await service.setLabel(set.id, ids[1]!, 'pneumonia', 'ana');
    await service.setLabel(set.id, ids[2]!, 'pneumonia', 'ben');
    expect((await service.queue(set.id, 'mine', 'ana')).items.map((i) => i.imageId)).toEqual([ids[0], ids[1]]);
    expect((await service.queue(set.id, 'unreviewed', 'ben')).items.map((i) => i.imageId)).toEqual([ids[0], ids[1]]);
    await service.review(set.id, ids[0]!, 'ben');
    await service.review(set.id, ids[1]!, 'ben', 'normal');
    expect((await service.queue(set.id, 'disagreements', 'ana')).items.map((i) => i.imageId)).toEqual([ids[1]]);
    expect((await service.queue(set.id, 'reviewed', 'ana')).total).toBe(2);
    expect((await service.queue(set.id, 'unreviewed', 'ana')).items.map((i) => i.imageId)).toEqual([ids[2]]);
    const all = await service.queue(set.id, 'all', 'ana', { limit: 2, offset: 1 });
    expect(all.total).toBe(4);
    expect(all.items.map((i) => [i.imageId, i.className, i.review?.verdict ?? null])).toEqual([
      [ids[1], 'normal', 'correct'],
      [ids[2], 'pneumonia', null],
    ]);
  });
});

describe('review', () => {
  it('confirms or corrects, refuses self-review, and computes agreement and kappa', async () => {
    const { service, set, ids } = setup(6);
    const labels = ['normal', 'normal', 'pneumonia', 'pneumonia', 'normal', 'pneumonia'];
    for (let i = 0; i < 6; i++) await service.setLabel(set.id, ids[i]!, labels[i]!, 'ana');
    expect(await codeAsync(service.review(set.id, ids[0]!, 'ana'))).toBe('CONFLICT');
    expect(await codeAsync(service.review(set.id, ids[0]!, 'ben', 'benign'))).toBe('VALIDATION');
    const reviewerSays = ['normal', 'pneumonia', 'pneumonia', 'pneumonia', 'normal', 'normal'];
    for (let i = 0; i < 5; i++) await service.review(set.id, ids[i]!, 'ben', reviewerSays[i]!);
    const corrected = await service.detail(set.id, ids[1]!, 'ana');
    expect(corrected.current).toMatchObject({ className: 'pneumonia', source: 'review', author: 'ben' });
    expect(corrected.review).toMatchObject({ verdict: 'correct', reviewedClass: 'normal', reviewedAuthor: 'ana', reviewClass: 'pneumonia', stale: false });
    const confirmed = await service.detail(set.id, ids[0]!, 'ana');
    expect(confirmed.review).toMatchObject({ verdict: 'confirm', reviewer: 'ben' });
    let stats = service.agreement(set.id);
    // 5 reviewed, 4 agreed. Labeller: N N P P N; reviewer: N P P P N.
    // po = 0.8; pe = (3/5)(2/5) + (2/5)(3/5) = 0.48; kappa = 0.32 / 0.52.
    expect(stats).toMatchObject({ reviewed: 5, agreed: 4, classes: ['normal', 'pneumonia'], confusion: [[2, 1], [0, 2]] });
    expect(stats.rate).toBeCloseTo(0.8, 12);
    expect(stats.kappa).toBeCloseTo(0.32 / 0.52, 12);
    // Undoing a review withdraws it.
    await service.undo(set.id, ids[1]!, 'ben');
    stats = service.agreement(set.id);
    expect(stats).toMatchObject({ reviewed: 4, agreed: 4, rate: 1 });
    expect((await service.detail(set.id, ids[1]!, 'ana')).current).toMatchObject({ className: 'normal', author: 'ana' });
    // A relabel after a review makes the review stale; the image needs reviewing again.
    await service.setLabel(set.id, ids[0]!, 'pneumonia', 'ana');
    expect((await service.detail(set.id, ids[0]!, 'ana')).review).toMatchObject({ stale: true });
    expect((await service.queue(set.id, 'unreviewed', 'ben')).items.map((i) => i.imageId)).toContain(ids[0]);
  });

  it('reviewing an image with no label is refused', async () => {
    const { service, set, ids } = setup(1);
    expect(await codeAsync(service.review(set.id, ids[0]!, 'ben'))).toBe('CONFLICT');
  });
});

describe('export and other features', () => {
  it('exports current labels and full history as CSV, with spreadsheet formulas neutralised', async () => {
    const { service, set, ids, images } = setup(3);
    await service.setLabel(set.id, ids[0]!, 'normal', 'ana', { note: '=HYPERLINK("x")' });
    await service.setLabel(set.id, ids[1]!, 'pneumonia', 'ana');
    await service.undo(set.id, ids[1]!, 'ana');
    await service.setLabel(set.id, ids[2]!, 'pneumonia', 'ana');
    await service.review(set.id, ids[2]!, 'ben');
    const current = service.exportCsv(set.id);
    const lines = current.csv.trim().split('\n');
    expect(current.rows).toBe(2);
    expect(lines[0]).toMatch(/^image_id,original_path,patient_id,predefined_split,class_name,source,author,labeled_at,review_verdict/);
    expect(lines[1]).toBe(`${ids[0]},${images[0]!.file},,${images[0]!.split},normal,hand,ana,2026-01-01T00:00:00.000Z,,,,,`);
    expect(lines[2]).toContain(',pneumonia,review,ben,');
    expect(lines[2]).toContain(',confirm,pneumonia,ben,');
    const history = service.exportCsv(set.id, 'history');
    expect(history.rows).toBe(5);
    expect(history.csv).toContain(`"'=HYPERLINK(""x"")"`);
    expect(history.csv.trim().split('\n')).toHaveLength(6);
  });

  it('bulk-imports labels in one checked transaction and reads current labels back', () => {
    const { service, set, images } = setup(4);
    const items = images.map((i) => ({ imageId: i.id, className: i.className }));
    expect(service.importLabels(set.id, items, 'import')).toEqual({ written: 4, unchanged: 0 });
    expect(service.importLabels(set.id, items, 'import')).toEqual({ written: 0, unchanged: 4 });
    const before = rowCount();
    expect(code(() => service.importLabels(set.id, [...items, { imageId: images[0]!.id, className: 'cat' }], 'import'))).toBe('VALIDATION');
    expect(rowCount()).toBe(before);
    const current = service.currentLabels('Chest X-ray');
    expect(current.map((c) => [c.imageId, c.className, c.source]).sort()).toEqual(items.map((i) => [i.imageId, i.className, 'imported']).sort());
  });
});

describe('uncertainty and kappa helpers', () => {
  it('entropy and margin span 0 (certain) to 1 (tie)', () => {
    expect(entropyUncertainty([1, 0])).toBe(0);
    expect(entropyUncertainty([0.5, 0.5])).toBeCloseTo(1, 12);
    expect(entropyUncertainty([1 / 3, 1 / 3, 1 / 3])).toBeCloseTo(1, 12);
    expect(entropyUncertainty([0.9, 0.1])).toBeCloseTo(-(0.9 * Math.log(0.9) + 0.1 * Math.log(0.1)) / Math.log(2), 12);
    expect(marginUncertainty([0.5, 0.5])).toBe(1);
    expect(marginUncertainty([0.7, 0.2, 0.1])).toBeCloseTo(0.5, 12);
    expect(marginUncertainty([1, 0])).toBe(0);
  });

  it('kappa is 1 for perfect agreement, 0 at chance, null when undefined', () => {
    expect(cohensKappa([['a', 'a'], ['b', 'b']], ['a', 'b'])).toBe(1);
    expect(cohensKappa([['a', 'a'], ['a', 'b'], ['b', 'a'], ['b', 'b']], ['a', 'b'])).toBeCloseTo(0, 12);
    expect(cohensKappa([['a', 'a']], ['a', 'b'])).toBeNull();
    expect(cohensKappa([], ['a'])).toBeNull();
  });
});
