/**
 * `npm run bench -- labels [images]`: how long the labelling calls take on a whole data set.
 * Registers the real PneumoniaMNIST PNGs (3166 by default) as image rows in an in-memory
 * database with every migration, gives half of them a label history (with undos and reviews),
 * then times the calls the labelling view makes per key press.
 */
import { fixedClock } from '../src/main/core/clock';
import { silentLogger } from '../src/main/core/logger';
import { openDatabase } from '../src/main/db/connection';
import { allMigrations } from '../src/main/app/migrations';
import { LabelService } from '../src/main/labels/LabelService';
import { insertSharedImages } from '../src/main/labels/testImages';
import { fmt, median, percentile } from './util';

async function time(label: string, runs: number, fn: (i: number) => Promise<unknown> | unknown): Promise<void> {
  const ms: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await fn(i);
    ms.push(performance.now() - t0);
  }
  console.log(`${label.padEnd(44)} median ${fmt(median(ms), 2).padStart(8)} ms   p95 ${fmt(percentile(ms, 95), 2).padStart(8)} ms   (${runs} runs)`);
}

export default async function labelsBench(args: string[]): Promise<void> {
  const count = Number(args[0] ?? 3166);
  const db = openDatabase({ file: ':memory:', migrations: allMigrations() });
  const clock = fixedClock();
  const service = new LabelService({ db, clock, logger: silentLogger });
  const images = insertSharedImages(db, { count });
  const set = service.createSet({ name: 'PneumoniaMNIST', classes: ['normal', 'pneumonia'] }, 'ana');
  const half = images.slice(0, Math.floor(images.length / 2));
  for (const [i, img] of half.entries()) {
    await service.setLabel(set.id, img.id, i % 3 === 0 ? 'normal' : 'pneumonia', 'ana');
    if (i % 7 === 0) await service.undo(set.id, img.id, 'ana');
    else if (i % 10 === 1) await service.review(set.id, img.id, 'ben', i % 20 === 1 ? 'normal' : undefined);
  }
  const rows = (db.prepare('SELECT COUNT(*) AS n FROM labels').get() as { n: number }).n;
  console.log(`${images.length} images, ${rows} label rows (half labelled, 1 in 7 undone, 1 in 10 reviewed)`);
  const unlabeled = images.slice(half.length);
  await time('labels:queue next (whole set, 2000 items)', 20, () => service.queue(set.id, 'next', 'ana', { limit: 2000 }));
  await time('labels:queue disagreements', 20, () => service.queue(set.id, 'disagreements', 'ana'));
  await time('labels:image (detail with history)', 200, (i) => service.detail(set.id, half[i % half.length]!.id, 'ana'));
  await time('labels:set (write + detail)', 200, (i) => service.setLabel(set.id, unlabeled[i % unlabeled.length]!.id, 'normal', 'carl'));
  await time('labels:undo', 100, (i) => service.undo(set.id, unlabeled[i % unlabeled.length]!.id, 'carl'));
  // The grid: one class key on a page of 120 thumbnails, then Z on that batch.
  const batches: number[][] = [];
  await time('labels:setMany (120 images)', 10, async (i) => batches.push((await service.setMany(set.id, unlabeled.slice(i * 120, i * 120 + 120).map((x) => x.id), 'pneumonia', 'dana')).written.map((w) => w.labelId)));
  await time('labels:undoMany (120 images)', 10, (i) => service.undoMany(set.id, batches[i]!, 'dana'));
  await time('labels:agreement', 20, () => service.agreement(set.id));
  await time('labels:export current (CSV)', 5, () => service.exportCsv(set.id));
  await time('labels:sets (counts for every set)', 20, () => service.listSets());
  db.close();
}
