import type { FramePixels } from '../../../../shared/domain/imaging';

/** A frame's pixel values, decoded once from the base64 the main process sends. */
export function framePixelValues(f: FramePixels): ArrayLike<number> {
  const bin = atob(f.data);
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  switch (f.encoding) {
    case 'int16':
      return new Int16Array(bytes.buffer);
    case 'uint16':
      return new Uint16Array(bytes.buffer);
    case 'float32':
      return new Float32Array(bytes.buffer);
    default:
      return bytes;
  }
}

export interface Window {
  center: number;
  width: number;
}

/**
 * Fills RGBA pixels: grey through the window (DICOM PS3.3 C.11.2.1.2 linear function),
 * inverted when `invert` (MONOCHROME1 shown as it should be, or the user's invert);
 * colour copied. A 64k lookup table makes window drags cheap for integer data.
 */
export function renderRgba(f: FramePixels, values: ArrayLike<number>, win: Window, invert: boolean, out: Uint8ClampedArray): void {
  const n = f.width * f.height;
  if (f.samples === 3) {
    for (let i = 0; i < n; i++) {
      let r = values[i * 3]!, g = values[i * 3 + 1]!, b = values[i * 3 + 2]!;
      if (invert) {
        r = 255 - r;
        g = 255 - g;
        b = 255 - b;
      }
      out[i * 4] = r;
      out[i * 4 + 1] = g;
      out[i * 4 + 2] = b;
      out[i * 4 + 3] = 255;
    }
    return;
  }
  const w = Math.max(1, win.width);
  const lo = win.center - 0.5 - (w - 1) / 2;
  const scale = 255 / Math.max(1e-9, w - 1);
  const map = (v: number) => {
    let g = (v - lo) * scale;
    g = g < 0 ? 0 : g > 255 ? 255 : g;
    return invert ? 255 - g : g;
  };
  if (f.encoding === 'int16' || f.encoding === 'uint16') {
    const offset = f.encoding === 'int16' ? 32768 : 0;
    const lut = new Uint8ClampedArray(65536);
    const from = Math.max(0, Math.floor(f.min) + offset);
    const to = Math.min(65535, Math.ceil(f.max) + offset);
    for (let k = from; k <= to; k++) lut[k] = map(k - offset);
    for (let i = 0; i < n; i++) {
      const g = lut[values[i]! + offset]!;
      out[i * 4] = out[i * 4 + 1] = out[i * 4 + 2] = g;
      out[i * 4 + 3] = 255;
    }
    return;
  }
  for (let i = 0; i < n; i++) {
    const g = map(values[i]!);
    out[i * 4] = out[i * 4 + 1] = out[i * 4 + 2] = g;
    out[i * 4 + 3] = 255;
  }
}

/** Window presets: the file's own, then the CT classics (in Hounsfield units). */
export function windowPresets(f: Pick<FramePixels, 'modality' | 'windowCenter' | 'windowWidth' | 'windowFromFile' | 'min' | 'max' | 'samples'>): { id: string; label: string; key: string; window: Window }[] {
  if (f.samples === 3) return [];
  const list = [
    { id: 'file', label: f.windowFromFile ? 'From file' : 'Default', key: '1', window: { center: f.windowCenter, width: f.windowWidth } },
    { id: 'full', label: 'Full range', key: '2', window: { center: (f.min + f.max) / 2, width: Math.max(1, f.max - f.min) } },
  ];
  if (f.modality === 'CT') {
    list.push(
      { id: 'lung', label: 'Lung', key: '3', window: { center: -600, width: 1500 } },
      { id: 'soft', label: 'Soft tissue', key: '4', window: { center: 40, width: 400 } },
      { id: 'bone', label: 'Bone', key: '5', window: { center: 400, width: 1800 } },
      { id: 'brain', label: 'Brain', key: '6', window: { center: 40, width: 80 } },
    );
  }
  return list;
}
