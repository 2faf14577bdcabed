/**
 * One decoded image to the model's input, exactly as training, evaluation and prediction
 * all do it: intensity first (grey through the image's window — the DICOM file's VOI window
 * when it has one, else its min-max; 8-bit PNG as stored; inverted for MONOCHROME1 — or
 * colour as RGB), then resized to size x size, then divided by 255.
 *
 * 'letterbox' keeps the aspect ratio: the long side fills the input, the short side is scaled
 * by the same factor and centred (an odd remainder puts the extra pixel below / right), and
 * the border is 0 (black, the background of a windowed film). 'stretch' squeezes each side to
 * the input (versions saved before letterboxing keep it; for square images both agree).
 */
import type { ResizeMode } from '../../shared/domain/mlInput';
import { resize, toGray8 } from '../imaging/display';
import type { DecodedImage } from '../imaging/pixels';

/** Where the image lands inside the square input: its scaled size and offset. */
export function letterboxBox(width: number, height: number, size: number): { width: number; height: number; left: number; top: number } {
  const scale = size / Math.max(width, height);
  const w = Math.min(size, Math.max(1, Math.round(width * scale)));
  const h = Math.min(size, Math.max(1, Math.round(height * scale)));
  return { width: w, height: h, left: Math.floor((size - w) / 2), top: Math.floor((size - h) / 2) };
}

/**
 * Writes one image's model input (size x size x channels, values 0..1) into `out` at
 * `offset`. Colour stays RGB when `channels` is 3; grey is repeated over 3 channels; colour
 * becomes luma for 1 channel.
 */
export function writeModelInput(decoded: DecodedImage, size: number, channels: number, mode: ResizeMode, out: Float32Array, offset: number): void {
  const box = mode === 'letterbox' ? letterboxBox(decoded.width, decoded.height, size) : { width: size, height: size, left: 0, top: 0 };
  const per = size * size * channels;
  if (box.width !== size || box.height !== size) out.fill(0, offset, offset + per);
  if (channels === 3 && decoded.samples === 3) {
    const rgb = resize(decoded.data as Uint8Array, decoded.width, decoded.height, 3, box.width, box.height);
    for (let y = 0; y < box.height; y++) {
      const o = offset + ((y + box.top) * size + box.left) * 3;
      const s = y * box.width * 3;
      for (let i = 0; i < box.width * 3; i++) out[o + i] = rgb[s + i]! / 255;
    }
    return;
  }
  const g = toGray8(decoded, { width: box.width, height: box.height }).data;
  for (let y = 0; y < box.height; y++) {
    for (let x = 0; x < box.width; x++) {
      const v = g[y * box.width + x]! / 255;
      const o = offset + ((y + box.top) * size + x + box.left) * channels;
      for (let c = 0; c < channels; c++) out[o + c] = v;
    }
  }
}
