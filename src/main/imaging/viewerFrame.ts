/**
 * A decoded frame as the viewer receives it (`imaging:frame`): grey modality values in the
 * narrowest exact type (int16, uint16, else float32) or 8-bit RGB, as little-endian bytes, with
 * the frame's place in space and its calibration. Made in the decode worker, so the main thread
 * only passes the bytes on (transferred, never copied or base64-encoded).
 */
import { geometryFromValues, type FramePixels } from '../../shared/domain/imaging';
import { calibrationFrom } from '../../shared/domain/measurements';
import type { DecodedImage } from './pixels';

/** FramePixels without what the main thread adds (ids, modality, timing). */
export type ViewerFrame = Omit<FramePixels, 'imageId' | 'modality' | 'decodeMs' | 'cached'>;

/** The narrowest exact encoding of a frame's values, as bytes over the same or a new buffer. */
export function compactValues(d: Pick<DecodedImage, 'samples' | 'data' | 'min' | 'max'>): { encoding: FramePixels['encoding']; bytes: Uint8Array } {
  if (d.samples === 3) return { encoding: 'rgb8', bytes: d.data as Uint8Array };
  const data = d.data as Float32Array;
  let integral = true;
  for (let i = 0; i < data.length && integral; i++) integral = Number.isInteger(data[i]!);
  if (integral && d.min >= -32768 && d.max <= 32767) return { encoding: 'int16', bytes: new Uint8Array(Int16Array.from(data).buffer) };
  if (integral && d.min >= 0 && d.max <= 65535) return { encoding: 'uint16', bytes: new Uint8Array(Uint16Array.from(data).buffer) };
  return { encoding: 'float32', bytes: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
}

export function toViewerFrame(d: DecodedImage): ViewerFrame {
  const { encoding, bytes } = compactValues(d);
  const h = d.header;
  return {
    frame: d.frame,
    frames: d.frames,
    width: d.width,
    height: d.height,
    fullWidth: d.fullWidth,
    fullHeight: d.fullHeight,
    reduced: d.width !== d.fullWidth || d.height !== d.fullHeight,
    samples: d.samples,
    encoding,
    data: bytes,
    geometry: geometryFromValues(h?.orientation, h?.position, h?.frameOfReferenceUID),
    calibration: calibrationFrom(h?.pixelSpacing, h?.imagerPixelSpacing),
    photometric: d.photometric,
    windowCenter: d.windowCenter,
    windowWidth: d.windowWidth,
    windowFromFile: d.windowFromFile,
    invert: d.invert,
    min: d.min,
    max: d.max,
  };
}
