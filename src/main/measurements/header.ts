/**
 * What a measurement needs from an image's header: its pixel spacing (Pixel Spacing, else
 * Imager Pixel Spacing), rescale and modality. Read through the imaging feature (the stored
 * file and its DICOM parser); PNG and JPEG have no header and are uncalibrated.
 */
import type { Core } from '../core/Core';
import { AppError } from '../../shared/ipc/envelope';
import type { Calibration } from '../../shared/domain/measurements';
import { DicomError, parseDicom } from '../imaging/dicom';
import { readStoredImageBytes } from '../imaging/storedImage';
import { sniff, SNIFF_BYTES } from '../imaging/sniff';
import { calibrationFrom } from './compute';

export interface MeasurementHeader {
  calibration: Calibration;
  /** Rescale Slope / Intercept as the decoder applies them (1 / 0 when absent or not DICOM). */
  rescale: { slope: number; intercept: number };
  /** The header's modality, upper case ('' for PNG/JPEG or when absent). */
  modality: string;
}

const NONE: MeasurementHeader = { calibration: { spacing: null, source: null }, rescale: { slope: 1, intercept: 0 }, modality: '' };

/** The header facts of a file's bytes (pure; the tests feed it files they write). */
export function headerOfBytes(bytes: Uint8Array): MeasurementHeader {
  const kind = sniff(bytes.subarray(0, SNIFF_BYTES));
  if (kind !== 'dicom' && kind !== 'dicom-raw') return NONE;
  const { dataSet, info } = parseDicom(bytes);
  let imager = '';
  try {
    imager = (dataSet.string('x00181164') ?? '').replace(/\0/g, '').trim();
  } catch {
    imager = '';
  }
  return {
    calibration: calibrationFrom(info.pixelSpacing, imager),
    rescale: { slope: info.rescaleSlope ?? 1, intercept: info.rescaleIntercept ?? 0 },
    modality: info.modality,
  };
}

/** How many headers stay cached (a stored file never changes: it is addressed by its content). */
const CACHE_SIZE = 256;

/** Reads and caches headers of stored images by CareLens id. */
export class HeaderReader {
  private readonly cache = new Map<string, MeasurementHeader>();

  constructor(private readonly core: Pick<Core, 'db' | 'paths'>) {}

  header(imageId: string): MeasurementHeader {
    const known = this.cache.get(imageId);
    if (known) return known;
    const bytes = readStoredImageBytes(this.core, imageId);
    let header: MeasurementHeader;
    try {
      header = headerOfBytes(bytes);
    } catch (err) {
      if (err instanceof DicomError) {
        throw new AppError('UNSUPPORTED', `The header of image ${imageId} cannot be read: ${err.message}.`, { key: 'errors.measurements.headerUnreadable', params: { imageId, message: err.message } });
      }
      throw err;
    }
    if (this.cache.size >= CACHE_SIZE) this.cache.delete(this.cache.keys().next().value as string);
    this.cache.set(imageId, header);
    return header;
  }
}
