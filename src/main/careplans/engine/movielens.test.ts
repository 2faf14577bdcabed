import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { SHARED_DATA } from '../../app/testing';
import { evaluate, readFeatures, readInteractions } from './evaluate';

const dir = path.join(SHARED_DATA, 'ratings', 'movielens-latest-small');

/**
 * The engine on real MovieLens data, held-out metrics only. To stay fast it runs on a
 * quarter of the users (every user whose id is divisible by 4, all their ratings); the
 * full-data numbers are in docs/recommender.md (carelens eval-recommender).
 */
describe('MovieLens offline evaluation (random 80/20 split, seed 42, half of the users)', () => {
  it('collaborative modes beat the bias baseline on RMSE; the hybrid ranks best on NDCG@10', () => {
    const ratings = readInteractions(fs.readFileSync(path.join(dir, 'ratings.csv'), 'utf8')).filter((r) => Number(r.user) % 2 === 0);
    const genres = readFeatures(fs.readFileSync(path.join(dir, 'movies.csv'), 'utf8'));
    const results = evaluate(ratings, genres, null, { modes: ['bias', 'popular', 'user', 'item', 'content', 'hybrid'], split: 'random', seed: 42, threshold: 4 });
    const by = Object.fromEntries(results.map((r) => [r.mode, r]));
    console.table(results.map(({ mode, rmse, mae, precisionAt10, recallAt10, ndcgAt10, hitRate, coverage, fitMs }) => ({ mode, rmse, mae, precisionAt10, recallAt10, ndcgAt10, hitRate, coverage, fitMs })));
    for (const r of results) {
      expect(r.testInteractions).toBeGreaterThan(4000);
      expect(r.rankedUsers).toBeGreaterThan(100);
      expect(Number.isFinite(r.rmse) && r.rmse > 0.5 && r.rmse < 1.2).toBe(true);
    }
    expect(by.user!.rmse).toBeLessThan(by.bias!.rmse);
    expect(by.item!.rmse).toBeLessThan(by.bias!.rmse);
    const others = results.filter((r) => r.mode !== 'hybrid').map((r) => r.ndcgAt10);
    expect(by.hybrid!.ndcgAt10).toBeGreaterThan(Math.max(...others));
    // Every collaborative mode ranks better than the popularity baseline.
    expect(by.user!.ndcgAt10).toBeGreaterThan(by.popular!.ndcgAt10);
    expect(by.item!.ndcgAt10).toBeGreaterThan(by.popular!.ndcgAt10);
  }, 600_000);
});
