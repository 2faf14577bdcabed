/**
 * Decoding a stored image by its CareLens id: the images table gives the content hash and
 * frame count, the content store the bytes. Failures become AppErrors a caller can show.
 */
import type { Core } from '../core/Core';
import { AppError } from '../../shared/ipc/envelope';
import { CodecError, Codecs } from './codecs';
import { DicomError } from './dicom';
import { PixelError } from './pixelError';
import { decodeImageBytes, type DecodedImage } from './pixels';
import { readStored } from './store';
import { storeKeysOf } from './storeKeys';
import { StoredFileError } from '../core/fileCrypto';

/**
 * Decodes one frame of a stored image by its CareLens id. Pass a long-lived `Codecs` when
 * decoding many images (the wasm codecs are then instantiated once).
 */
export async function decodeStoredImage(core: Pick<Core, 'db' | 'paths'>, imageId: string, frame = 0, codecs: Codecs = new Codecs()): Promise<DecodedImage> {
  const row = core.db.prepare('SELECT sha256, frames FROM images WHERE id = ?').get(imageId) as { sha256: string; frames: number } | undefined;
  if (!row) throw new AppError('NOT_FOUND', `No image with id ${imageId}.`, { key: 'errors.imaging.noImageWithId', params: { imageId } });
  if (!Number.isInteger(frame) || frame < 0 || frame >= row.frames) throw new AppError('VALIDATION', `Image ${imageId} has ${row.frames} frame(s); frame ${frame} does not exist.`, { key: 'errors.imaging.noSuchFrame', params: { imageId, frames: row.frames, frame } });
  const bytes = readStoredImageBytes(core, imageId);
  try {
    return await decodeImageBytes(bytes, frame, codecs);
  } catch (err) {
    if (err instanceof PixelError || err instanceof CodecError || err instanceof DicomError) throw new AppError('UNSUPPORTED', `Image ${imageId} cannot be shown: ${err.message}.`, { key: 'errors.imaging.imageCannotShown', params: { imageId, message: err.message } });
    throw err;
  }
}

/** The stored file of an image by its CareLens id, as imported (its original bytes). */
export function readStoredImageBytes(core: Pick<Core, 'db' | 'paths'>, imageId: string): Buffer {
  const row = core.db.prepare('SELECT sha256 FROM images WHERE id = ?').get(imageId) as { sha256: string } | undefined;
  if (!row) throw new AppError('NOT_FOUND', `No image with id ${imageId}.`, { key: 'errors.imaging.noImageWithId', params: { imageId } });
  let data: Buffer | null;
  try {
    // Decrypted (store.ts), whether or not the migration has reached this file yet.
    data = readStored(core.paths.store, row.sha256, storeKeysOf(core.db));
  } catch (err) {
    if (err instanceof StoredFileError) throw new AppError('VALIDATION', `Image ${imageId} cannot be read: ${err.message}`, { key: 'errors.imaging.imageCannotRead', params: { imageId, message: err.message } });
    throw err;
  }
  if (!data) throw new AppError('NOT_FOUND', `The stored file of image ${imageId} is missing from the data folder (${row.sha256.slice(0, 12)}…).`, { key: 'errors.imaging.storedFileImageMissing', params: { imageId, sha256: row.sha256.slice(0, 12) } });
  return data;
}
