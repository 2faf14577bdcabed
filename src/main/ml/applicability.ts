/**
 * Is an image of the kind a model version was trained on? Its traits (imageTraits.ts) are
 * compared with the version's intended use (intendedUse.ts). Some mismatches put the image
 * outside the model's scope (the answer does not apply); others are only noted. The rules,
 * and why, are in docs/ml.md ("Intended use and applicability").
 */
import type { Applicability, IntendedUse, MlMessage } from '../../shared/domain/ml';
import type { ImageTraits } from './imageTraits';

/** The applicability of a prediction whose version recorded no intended use (trained before it was). */
export function applicabilityNotRecorded(version: number): Applicability {
  return {
    inScope: true,
    reasons: [`Not checked: model v${version} was trained before CareLens recorded what a model was trained on; retrain it to check images against its training data.`],
    notes: [{ key: 'notRecorded', params: { version } }],
  };
}

/** Projection radiography under two DICOM modality codes: CR (plates) and DX (digital). */
const SAME_KIND: Record<string, string> = { CR: 'projection radiography', DX: 'projection radiography' };

const FORMAT_NAMES: Record<ImageTraits['format'], string> = { dicom: 'DICOM', png: 'PNG', jpeg: 'JPEG' };

const list = (xs: readonly string[]) => (xs.length <= 1 ? (xs[0] ?? '') : `${xs.slice(0, -1).join(', ')} or ${xs.at(-1)!}`);

/** This image as words: "a DICOM CT", "a PNG image without a modality". */
function describe(t: ImageTraits): string {
  if (t.modality) return `a ${FORMAT_NAMES[t.format]} ${t.modality}`;
  return `a ${FORMAT_NAMES[t.format]} image without a modality`;
}

/** What the training images were, as words: "CR images", "PNG images without a modality", or both. */
function trainedOn(u: IntendedUse): string {
  const parts: string[] = [];
  if (u.modalities.length) parts.push(`${list(u.modalities)} images`);
  if (u.imagesWithoutModality > 0) parts.push(`${list(u.formats.filter((f) => f !== 'dicom').map((f) => FORMAT_NAMES[f as ImageTraits['format']] ?? f)) || 'DICOM'} images without a modality`);
  return list(parts);
}

/** The formats of the training images that had no modality, as names ("PNG"), DICOM when none. */
function formatsWithoutModality(u: IntendedUse): string[] {
  if (u.imagesWithoutModality === 0) return [];
  const names = u.formats.filter((f) => f !== 'dicom').map((f) => FORMAT_NAMES[f as ImageTraits['format']] ?? f);
  return names.length ? names : ['DICOM'];
}

/**
 * The image compared with the version's intended use: out-of-scope reasons first, then notes.
 * Each reason is English text (CLI, logs) with its key and parameters beside it (`notes`,
 * one for one) for the renderer to word in the user's language.
 */
export function assessApplicability(u: IntendedUse, t: ImageTraits): Applicability {
  const outText: string[] = [];
  const noteText: string[] = [];
  const outKeys: MlMessage[] = [];
  const noteKeys: MlMessage[] = [];
  const out = { push: (text: string, m: MlMessage) => (outText.push(text), outKeys.push(m)) };
  const notes = { push: (text: string, m: MlMessage) => (noteText.push(text), noteKeys.push(m)) };
  const trained = { trainedModalities: u.modalities, trainedFormats: formatsWithoutModality(u) };
  const format = FORMAT_NAMES[t.format];

  // Modality: a different modality (or a modality where training had none, or none where training always had one) is out of scope.
  if (t.modality) {
    if (!u.modalities.includes(t.modality)) {
      const near = SAME_KIND[t.modality] && u.modalities.some((m) => SAME_KIND[m] === SAME_KIND[t.modality!]);
      if (near) notes.push(`The model was trained on ${list(u.modalities)} images; this image is ${t.modality} (also ${SAME_KIND[t.modality]}).`, { key: 'modalityNear', params: { modality: t.modality }, lists: { trained: u.modalities } });
      else out.push(`The model was trained on ${trainedOn(u)}; this image is ${describe(t)}.`, { key: 'modalityOther', params: { format, modality: t.modality }, lists: trained });
    }
  } else if (u.imagesWithoutModality === 0) {
    out.push(`The model was trained on ${trainedOn(u)}; this image is ${describe(t)}, so it cannot be confirmed to be ${list(u.modalities)}.`, {
      key: 'modalityMissing',
      params: { format },
      lists: { ...trained, expected: u.modalities },
    });
  }

  // Body part: a different recorded body part is out of scope; a missing one is noted.
  if (t.bodyPart && u.bodyParts.length && !u.bodyParts.includes(t.bodyPart)) {
    out.push(`The model was trained on images of the ${list(u.bodyParts)}; this image is of the ${t.bodyPart}.`, { key: 'bodyPart', params: { bodyPart: t.bodyPart }, lists: { trained: u.bodyParts } });
  } else if (!t.bodyPart && u.bodyParts.length && u.imagesWithoutBodyPart === 0) {
    notes.push(`This image does not record its body part; the model was trained on images of the ${list(u.bodyParts)}.`, { key: 'bodyPartMissing', lists: { trained: u.bodyParts } });
  }

  // Colour: grey and colour images are different kinds of picture (a photograph, a Doppler or stained image).
  if (!u.colour.includes(t.colour)) out.push(`The model was trained on ${u.colour.join(' and ')} images; this one is ${t.colour}.`, { key: 'colour', lists: { trained: u.colour, colour: [t.colour] } });

  // Photometric interpretation (DICOM): MONOCHROME1 is inverted before the model sees it, so only noted.
  if (t.photometric && u.photometric.length && !u.photometric.includes(t.photometric)) {
    notes.push(`The model was trained on ${list(u.photometric)} images; this one is ${t.photometric}.`, { key: 'photometric', params: { value: t.photometric }, lists: { trained: u.photometric } });
  }

  // Format: compression and bit depth differ, but the pixels are the same kind: noted (unless the modality reason already named it).
  const formatSaid = outText.some((r) => r.includes(`this image is ${describe(t)}`));
  if (!u.formats.includes(t.format) && !formatSaid) {
    const names = u.formats.map((f) => FORMAT_NAMES[f as ImageTraits['format']] ?? f);
    notes.push(`The model was trained on ${list(names)} files; this one is ${format}.`, { key: 'format', params: { format }, lists: { trained: names } });
  }

  // Size: every image is resized to the model's input, so a size outside the training range is noted.
  const { minWidth, maxWidth, minHeight, maxHeight } = u.size;
  if (t.width < minWidth || t.width > maxWidth || t.height < minHeight || t.height > maxHeight) {
    const range = (a: number, b: number) => (a === b ? `${a}` : `${a}-${b}`);
    notes.push(`The model was trained on images ${range(minWidth, maxWidth)} x ${range(minHeight, maxHeight)} pixels; this one is ${t.width} x ${t.height}.`, {
      key: 'size',
      params: { width: range(minWidth, maxWidth), height: range(minHeight, maxHeight), w: t.width, h: t.height },
    });
  }
  return { inScope: outText.length === 0, reasons: [...outText, ...noteText], notes: [...outKeys, ...noteKeys] };
}
