import { describe, expect, it } from 'vitest';
import type { FramePixels } from '../../../../shared/domain/imaging';
import { framePixelValues, renderRgba, windowPresets } from './render';

function frame(values: number[], over: Partial<FramePixels> = {}): FramePixels {
  const a = Int16Array.from(values);
  const bytes = new Uint8Array(a.buffer);
  let bin = '';
  for (const b of bytes) bin += String.fromCharCode(b);
  return {
    imageId: 'i', frame: 0, frames: 1, width: values.length, height: 1, fullWidth: values.length, fullHeight: 1, reduced: false, samples: 1, encoding: 'int16', data: btoa(bin), photometric: 'MONOCHROME2',
    modality: 'CT', windowCenter: 40, windowWidth: 400, windowFromFile: true, invert: false, min: Math.min(...values), max: Math.max(...values), decodeMs: 1, ...over,
  };
}

describe('viewer rendering', () => {
  it('decodes the base64 values, negative HU included', () => {
    expect(Array.from(framePixelValues(frame([-1024, 0, 40, 3000])))).toEqual([-1024, 0, 40, 3000]);
  });

  it('windows linearly (below the window black, above white, centre mid-grey) and inverts', () => {
    const f = frame([-1024, 40, 3000]);
    const out = new Uint8ClampedArray(12);
    renderRgba(f, framePixelValues(f), { center: 40, width: 400 }, false, out);
    expect([out[0], out[4], out[8]]).toEqual([0, 128, 255]);
    expect(out[3]).toBe(255);
    renderRgba(f, framePixelValues(f), { center: 40, width: 400 }, true, out);
    expect([out[0], out[4], out[8]]).toEqual([255, 127, 0]);
  });

  it('offers the file window plus lung, soft tissue and bone for CT only', () => {
    expect(windowPresets(frame([0, 1])).map((p) => p.id)).toEqual(['file', 'full', 'lung', 'soft', 'bone', 'brain']);
    expect(windowPresets(frame([0, 1], { modality: 'MR' })).map((p) => p.id)).toEqual(['file', 'full']);
    expect(windowPresets(frame([0, 1], { samples: 3 }))).toEqual([]);
  });
});
