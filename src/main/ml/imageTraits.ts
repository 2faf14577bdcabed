/**
 * What kind of image a file is, read while the ml worker decodes it for the model: the
 * format, the DICOM modality, body part and photometric interpretation when it is DICOM,
 * grey or colour, and the original size. Training images' traits make a version's intended
 * use (intendedUse.ts); a new image's traits are compared with it (applicability.ts). Both
 * come from this one function, so a training image and the same image at diagnosis agree.
 */
import { parseDicom } from '../imaging/dicom';
import type { Codecs } from '../imaging/codecs';
import { decodeDicomFrame, decodeImageBytes, type DecodedImage } from '../imaging/pixels';
import { sniff } from '../imaging/sniff';

export interface ImageTraits {
  format: 'dicom' | 'png' | 'jpeg';
  /** DICOM Modality (upper case); null for PNG / JPEG or a DICOM file without one. */
  modality: string | null;
  /** DICOM BodyPartExamined (upper case); null when not given. */
  bodyPart: string | null;
  /** DICOM PhotometricInterpretation as stored; null for PNG / JPEG (they declare none). */
  photometric: string | null;
  colour: 'grey' | 'colour';
  width: number;
  height: number;
}

/** Decodes the first frame of a file CareLens can read, with its traits. */
export async function decodeWithTraits(bytes: Uint8Array, codecs: Codecs): Promise<{ decoded: DecodedImage; traits: ImageTraits }> {
  const kind = sniff(bytes.subarray(0, 512));
  if (kind === 'dicom' || kind === 'dicom-raw') {
    const parsed = parseDicom(bytes);
    const decoded = await decodeDicomFrame(parsed, 0, codecs);
    const { info } = parsed;
    return {
      decoded,
      traits: {
        format: 'dicom',
        modality: info.modality.trim() || null,
        bodyPart: info.bodyPart.trim().toUpperCase() || null,
        photometric: info.photometric || null,
        colour: decoded.samples === 3 ? 'colour' : 'grey',
        width: decoded.fullWidth,
        height: decoded.fullHeight,
      },
    };
  }
  const decoded = await decodeImageBytes(bytes, 0, codecs);
  return {
    decoded,
    traits: {
      format: kind === 'jpeg' ? 'jpeg' : 'png',
      modality: null,
      bodyPart: null,
      photometric: null,
      colour: decoded.samples === 3 ? 'colour' : 'grey',
      width: decoded.fullWidth,
      height: decoded.fullHeight,
    },
  };
}
