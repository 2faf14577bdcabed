import { describe, expect, it } from 'vitest';
import { angleAt, calibrationFrom, lengthOf, parseSpacing, probeAt, roiStats } from './compute';

describe('measurement arithmetic', () => {
  it('angles: a right angle, a straight line, and the physical angle with non-square pixels', () => {
    expect(angleAt([10, 0], [0, 0], [0, 10], null)).toBeCloseTo(90, 12);
    expect(angleAt([10, 0], [0, 0], [-10, 0], [1, 1])).toBeCloseTo(180, 12);
    expect(angleAt([10, 0], [0, 0], [10, 10], null)).toBeCloseTo(45, 12);
    // Rows 2 mm apart, columns 1 mm: the pixel diagonal (10, 10) is (10 mm, 20 mm), atan(2) from the x axis.
    expect(angleAt([10, 0], [0, 0], [10, 10], [2, 1])).toBeCloseTo((Math.atan(2) * 180) / Math.PI, 12);
    expect(angleAt([0, 0], [0, 0], [1, 1], null)).toBeNull();
  });

  it('lengths: the y step scales by the first spacing value, the x step by the second', () => {
    expect(lengthOf([0, 0], [4, 0], [0.5, 0.25])).toEqual({ px: 4, mm: 1 });
    expect(lengthOf([0, 0], [0, 4], [0.5, 0.25])).toEqual({ px: 4, mm: 2 });
    expect(lengthOf([0, 0], [3, 4], null)).toEqual({ px: 5, mm: null });
  });

  it('probe: nearest pixel centre; the stored value undoes the rescale', () => {
    const frame = { width: 3, height: 2, values: [10, 20, 30, 40, 50, 60] };
    expect(probeAt(frame, [1.4, 0.6], { slope: 2, intercept: -100 })).toEqual({ raw: 75, value: 50 });
    expect(probeAt(frame, [2.5, -0.5], { slope: 1, intercept: 0 })).toEqual({ raw: 30, value: 30 });
  });

  it('ROI: pixels whose centres are inside; population SD; area from the shape', () => {
    const frame = { width: 4, height: 4, values: Array.from({ length: 16 }, (_, i) => i) };
    const r = roiStats(frame, 'rectangle', [0.5, 0.5], [2.5, 2.5], [2, 3])!;
    // Centres (1..2, 1..2): values 5, 6, 9, 10.
    expect(r).toMatchObject({ count: 4, mean: 7.5, min: 5, max: 10, areaPx: 4, areaMm2: 24 });
    expect(r.sd).toBeCloseTo(Math.sqrt((2.5 ** 2 + 1.5 ** 2 + 1.5 ** 2 + 2.5 ** 2) / 4), 12);
    // The circle in the box (0,0)-(4,4), centre (2, 2), radius 2: rows 0-3 keep 1, 3, 4 and 3 pixel centres
    // (column 4 of row 2 is inside the circle but outside the 4-pixel-wide image).
    const e = roiStats(frame, 'ellipse', [0, 0], [4, 4], null)!;
    expect(e.count).toBe(11);
    expect(e.min).toBe(2);
    expect(e.max).toBe(15);
    expect(e.areaPx).toBeCloseTo(Math.PI * 4, 12);
    expect(roiStats(frame, 'ellipse', [0.2, 0.2], [0.6, 0.6], null)).toBeNull();
  });

  it('spacing: two positive numbers, Pixel Spacing first, Imager Pixel Spacing next', () => {
    expect(parseSpacing('0.5\\0.25')).toEqual([0.5, 0.25]);
    expect(parseSpacing('0.000\\0.000')).toBeNull();
    expect(parseSpacing('0.5')).toBeNull();
    expect(parseSpacing('')).toBeNull();
    expect(calibrationFrom('0.1\\0.2', '0.3\\0.3')).toEqual({ spacing: [0.1, 0.2], source: 'PixelSpacing' });
    expect(calibrationFrom('0\\0', '0.3\\0.4')).toEqual({ spacing: [0.3, 0.4], source: 'ImagerPixelSpacing' });
    expect(calibrationFrom(null, null)).toEqual({ spacing: null, source: null });
  });
});
