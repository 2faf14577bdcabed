import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { SHARED_DATA, tempDir } from '../../main/app/testing';
import { runCli } from '../testing';

const cli = runCli;

const KEYS = ['mode', 'split', 'seed', 'rmse', 'mae', 'precisionAt10', 'recallAt10', 'ndcgAt10', 'hitRate', 'coverage', 'fitMs', 'recommendP50Ms'];

describe('carelens eval-recommender', () => {
  it('prints one JSON object per mode (an array for --mode all) on MovieLens as it is', async () => {
    // A small slice of the real ratings (the first 60 users) keeps this fast; the full run is in docs/recommender.md.
    const dir = tempDir();
    const lines = fs.readFileSync(path.join(SHARED_DATA, 'ratings', 'movielens-latest-small', 'ratings.csv'), 'utf8').split('\n');
    const slice = [lines[0], ...lines.slice(1).filter((l) => l && Number(l.split(',')[0]) <= 60)].join('\n');
    const file = path.join(dir, 'ratings.csv');
    fs.writeFileSync(file, slice);
    const movies = path.join(SHARED_DATA, 'ratings', 'movielens-latest-small', 'movies.csv');
    const one = await cli(['eval-recommender', '--interactions', file, '--item-features', movies, '--mode', 'popular', '--split', 'leave-one-out', '--seed', '3', '--json']);
    expect(one.code, one.err).toBe(0);
    const r = JSON.parse(one.out);
    expect(Object.keys(r)).toEqual(expect.arrayContaining(KEYS));
    expect(r).toMatchObject({ mode: 'popular', split: 'leave-one-out', seed: 3, relevanceThreshold: 4 });
    const all = await cli(['eval-recommender', '--interactions', file, '--mode', 'all', '--split', 'temporal', '--json']);
    expect(all.code, all.err).toBe(0);
    const rs = JSON.parse(all.out) as { mode: string; testInteractions: number }[];
    expect(rs.map((x) => x.mode)).toEqual(['bias', 'popular', 'user', 'item', 'content', 'hybrid']);
    const table = await cli(['eval-recommender', '--interactions', file, '--mode', 'user']);
    expect(table.out).toMatch(/mode\s+RMSE\s+MAE\s+P@10/);
  });

  it('names the row and column of a bad CSV (exit 1) and refuses a wrong command line (exit 2)', async () => {
    const dir = tempDir();
    const bad = path.join(dir, 'bad.csv');
    fs.writeFileSync(bad, 'user,item,value\nu1,i1,5\nu1,i2,lots\n');
    const r = await cli(['eval-recommender', '--interactions', bad, '--json']);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.err).error).toMatchObject({ code: 'VALIDATION', issues: [{ path: 'row 3, column value' }] });
    expect((await cli(['eval-recommender'])).code).toBe(2);
    expect((await cli(['eval-recommender', '--interactions', bad, '--split', 'sideways'])).code).toBe(2);
    expect((await cli(['recommend'])).code).toBe(2);
  });
});

describe('carelens recommend and careplans', () => {
  it('loads the demo catalog, records a condition, and recommends with reasons (text and --json)', async () => {
    const dir = tempDir();
    expect((await cli(['careplans', 'demo', '--data-dir', dir])).out).toContain('10 created');
    expect((await cli(['patients', 'add', '--name', 'Lin', '--mrn', 'L1', '--birth-date', '1990-04-04', '--data-dir', dir])).code).toBe(0);
    expect((await cli(['careplans', 'conditions', 'L1', '--code', 'I10', '--words', 'hypertension', '--data-dir', dir])).out).toContain('I10');
    const text = await cli(['recommend', 'L1', '-k', '2', '--data-dir', dir]);
    expect(text.code, text.err).toBe(0);
    expect(text.out).toContain('Hypertension');
    expect(text.out).toMatch(/why: A plan for hypertension/);
    const json = await cli(['recommend', 'L1', '--mode', 'content', '--json', '--data-dir', dir]);
    const list = JSON.parse(json.out);
    expect(list.items.map((i: { planId: string }) => i.planId).sort()).toEqual(['demo-hypertension-ace', 'demo-hypertension-ccb']);
    const none = await cli(['recommend', 'nobody', '--json', '--data-dir', dir]);
    expect(none.code).toBe(1);
    expect(JSON.parse(none.err).error.code).toBe('NOT_FOUND');
    const exported = await cli(['careplans', 'export-plans', '--data-dir', dir]);
    expect(exported.out.split('\n')).toHaveLength(12); // header, 10 plans, final newline
  });
});
