import { describe, expect, it } from 'vitest';
import { directionLetters, edgeLetters, parseOrientation, scaleBar } from './overlayMath';

describe('orientation letters', () => {
  it('names an axial slice as radiologists read it: patient right on the screen left, anterior at the top', () => {
    expect(edgeLetters(parseOrientation('1\\0\\0\\0\\1\\0'))).toEqual({ left: 'R', right: 'L', top: 'A', bottom: 'P' });
  });

  it('names a coronal and a sagittal slice', () => {
    expect(edgeLetters(parseOrientation('1\\0\\0\\0\\0\\-1'))).toEqual({ left: 'R', right: 'L', top: 'H', bottom: 'F' });
    expect(edgeLetters(parseOrientation('0\\1\\0\\0\\0\\-1'))).toEqual({ left: 'A', right: 'P', top: 'H', bottom: 'F' });
  });

  it('gives two letters for an oblique direction, largest first, and ignores a slight tilt', () => {
    const c = Math.cos(Math.PI / 6);
    const s = Math.sin(Math.PI / 6);
    expect(directionLetters([0, c, -s])).toBe('PF');
    expect(directionLetters([0.05, 0.998, 0])).toBe('P');
  });

  it('refuses a missing or malformed orientation', () => {
    expect(parseOrientation(undefined)).toBeNull();
    expect(parseOrientation('1\\0\\0')).toBeNull();
    expect(parseOrientation('1\\0\\0\\0\\x\\0')).toBeNull();
    expect(parseOrientation('0\\0\\0\\0\\0\\0')).toBeNull();
    expect(edgeLetters(null)).toBeNull();
  });
});

describe('scale bar', () => {
  it('picks the longest round length that fits', () => {
    // 0.5 mm per screen pixel, 120 px available: 50 mm is 100 px, 100 mm would be 200 px.
    expect(scaleBar(0.5, 120)).toEqual({ mm: 50, px: 100 });
    expect(scaleBar(0.07, 150)).toEqual({ mm: 10, px: 10 / 0.07 });
  });

  it('shows none when the spacing is unknown', () => {
    expect(scaleBar(null, 200)).toBeNull();
    expect(scaleBar(0, 200)).toBeNull();
    expect(scaleBar(Number.NaN, 200)).toBeNull();
    expect(scaleBar(1, 0.05)).toBeNull();
  });
});
