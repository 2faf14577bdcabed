import { describe, expect, it } from 'vitest';
import { trainingShift } from '../../shared/domain/ml';
import { batchPixels, defaultHyper } from './trainer';

// A 4x4 one-channel image with distinct values 1..16, row-major.
const img = Float32Array.from({ length: 16 }, (_, i) => i + 1);
const at = (a: Float32Array, y: number, x: number) => a[y * 4 + x]!;
// A fixed sequence of "random" numbers: flip? then dx, dy draws.
const seq = (...v: number[]) => {
  let i = 0;
  return () => v[i++ % v.length]!;
};

describe('training augmentation (batchPixels)', () => {
  it('copies unchanged without flip or shift', () => {
    expect(Array.from(batchPixels(img, [0], 4, 1, false, Math.random))).toEqual(Array.from(img));
  });

  it('mirrors left-right', () => {
    const out = batchPixels(img, [0], 4, 1, true, seq(0.1));
    expect([at(out, 0, 0), at(out, 0, 3), at(out, 2, 1)]).toEqual([4, 1, 11]);
  });

  it('shifts by whole pixels with zero fill, within +-shift', () => {
    // no flip (0.9), dx from 0.99 -> +1, dy from 0.0 -> -1 with shift 1
    const out = batchPixels(img, [0], 4, 1, true, seq(0.9, 0.99, 0.0), 1);
    // output (y, x) = input (y + 1, x - 1); column 0 and the last row are filled with 0
    expect(at(out, 0, 1)).toBe(at(img, 1, 0));
    expect(at(out, 2, 3)).toBe(at(img, 3, 2));
    expect([at(out, 0, 0), at(out, 3, 2)]).toEqual([0, 0]);
  });

  it('shifts by the recorded maxShift; versions saved without it by the old rule (default with flips: 2 px)', () => {
    expect(trainingShift('default', defaultHyper('default').augment)).toBe(2);
    expect(trainingShift('seed-cnn', defaultHyper('seed-cnn').augment)).toBe(0);
    expect(trainingShift('seed-cnn', { horizontalFlip: true, maxShift: 3 })).toBe(3);
    expect(trainingShift('default', { horizontalFlip: true, maxShift: 0 })).toBe(0);
    expect(trainingShift('default', { horizontalFlip: true })).toBe(2);
    expect(trainingShift('default', { horizontalFlip: false })).toBe(0);
    expect(trainingShift('seed-cnn', { horizontalFlip: true })).toBe(0);
  });
});
