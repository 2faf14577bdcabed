import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { SHARED_DATA, tempDir } from '../../main/app/testing';
import { runCli as run } from '../testing';

const VAL = path.join(SHARED_DATA, 'images', 'breastmnist', 'val');

/** Three images of each class of BreastMNIST's validation split, in class folders. */
function smallSet(): string {
  const folder = tempDir('carelens-cli-setmany-src-');
  for (const cls of ['0_malignant', '1_normal_or_benign']) {
    fs.mkdirSync(path.join(folder, cls));
    for (const f of fs.readdirSync(path.join(VAL, cls)).sort().slice(0, 3)) fs.copyFileSync(path.join(VAL, cls, f), path.join(folder, cls, f));
  }
  return folder;
}

describe('carelens labels set-many', () => {
  it('labels many images with one class in one call (labels:setMany), all or nothing', async () => {
    const dataDir = tempDir('carelens-cli-setmany-');
    const d = ['--data-dir', dataDir];
    expect((await run(['import', smallSet(), '--labels-from-folders', '--label-set', 'breast', '--json', ...d])).code).toBe(0);
    const images = (JSON.parse((await run(['images', 'list', '--json', ...d])).out) as { items: { id: string; labels: { className: string }[] }[] }).items;
    const malignant = images.filter((i) => i.labels[0]?.className === 'malignant').map((i) => i.id);
    const benign = images.filter((i) => i.labels[0]?.className === 'normal_or_benign').map((i) => i.id);
    expect([malignant.length, benign.length]).toEqual([3, 3]);

    // Two benign images and one already malignant, as malignant; --set left out: there is one set.
    const ids = [benign[0]!, benign[1]!, malignant[0]!];
    const r = await run(['labels', 'set-many', '--images', ids.join(','), '--label', 'malignant', '--json', ...d]);
    expect(r.code).toBe(0);
    const result = JSON.parse(r.out) as { items: { imageId: string; className: string; source: string }[]; written: { imageId: string }[] };
    expect(result.items.map((i) => [i.imageId, i.className])).toEqual(ids.map((id) => [id, 'malignant']));
    // A hand label now on each (the folder's label on the malignant one was an import's, not this person's).
    expect(result.items.map((i) => i.source)).toEqual(['hand', 'hand', 'hand']);
    expect(result.written.map((w) => w.imageId)).toEqual(ids);
    const history = JSON.parse((await run(['labels', 'history', 'breast', benign[0]!, '--json', ...d])).out) as { current: { className: string; author: string } };
    expect(history.current).toMatchObject({ className: 'malignant', author: 'system' });

    // Text output, with the set named; the same call again changes nothing.
    const text = await run(['labels', 'set-many', '--set', 'breast', '--images', ids.join(','), '--label', 'malignant', ...d]);
    expect(text.out).toBe('Labelled 3 image(s) as malignant: 0 changed, 3 already had it.\n');

    // An unknown image refuses the whole batch: the known one keeps its label.
    const bad = await run(['labels', 'set-many', '--set', 'breast', '--images', `${benign[2]!},no-such-image`, '--label', 'malignant', '--json', ...d]);
    expect(bad.code).toBe(1);
    const after = JSON.parse((await run(['labels', 'history', 'breast', benign[2]!, '--json', ...d])).out) as { current: { className: string } };
    expect(after.current.className).toBe('normal_or_benign');
  });

  it('exits 2 with what is missing: images, class, or which set when there are several', async () => {
    const dataDir = tempDir('carelens-cli-setmany-');
    const d = ['--data-dir', dataDir];
    expect((await run(['labels', 'set-many', '--label', 'x', ...d])).code).toBe(2);
    expect((await run(['labels', 'set-many', '--images', 'a,b', ...d])).code).toBe(2);
    const none = await run(['labels', 'set-many', '--images', 'a', '--label', 'x', ...d]);
    expect([none.code, none.err]).toEqual([2, expect.stringContaining('no label set yet')]);
    await run(['labels', 'create', 'one', '--classes', 'x,y', ...d]);
    await run(['labels', 'create', 'two', '--classes', 'x,y', ...d]);
    const which = await run(['labels', 'set-many', '--images', 'a', '--label', 'x', ...d]);
    expect([which.code, which.err]).toEqual([2, expect.stringContaining('--set (one, two)')]);
  });
});
