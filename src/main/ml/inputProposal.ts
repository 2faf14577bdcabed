/**
 * Input size and channels proposed from a label set's images, read from the imaging index
 * (rows, columns, samples per pixel, photometric, modality, window): no image is decoded.
 *
 * Size: the largest of 28 / 64 / 112 / 224 not above the images' median short side (a
 * model should not invent detail most images do not have: upsampling a 28 px image to 112
 * costs 16x the compute and adds nothing), capped by the number of labelled images (fewer
 * than 300: 64; fewer than 3,000: 112; else 224 — a small set cannot teach the network to
 * use fine detail, and each step up in size costs about 4x per epoch), and at 28 for the
 * seed-cnn reference (its dense layer grows with the square of the input: 3.2 M weights at
 * 28, 50 M at 112). Channels: RGB when at least half the images are stored in colour, else
 * grey. MedMNIST sets (28 x 28 grey) get 28 grey, what they were trained at before.
 */
import type { Architecture } from '../../shared/domain/ml';
import { DATA_SET_CAPS, INPUT_SIZES, type InputProposal, type SizeLimit } from '../../shared/domain/mlInput';

/** What the imaging index says about one image (ImageRecord's fields). */
export interface ImageSummary {
  rows: number | null;
  columns: number | null;
  samplesPerPixel: number | null;
  photometric: string | null;
  modality: string | null;
  format: string;
  windowCenter: number | null;
  windowWidth: number | null;
}

const COLOUR_PHOTOMETRIC = /^(RGB|YBR|PALETTE)/i;

function median(values: number[]): number | null {
  if (!values.length) return null;
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Whether the index records an image as colour (3 samples, or a colour photometric interpretation). */
export function isColour(i: Pick<ImageSummary, 'samplesPerPixel' | 'photometric'>): boolean {
  return (i.samplesPerPixel ?? 1) === 3 || COLOUR_PHOTOMETRIC.test(i.photometric ?? '');
}

/** The largest size a data set of `images` labelled images allows. */
export function dataSetCap(images: number): number {
  for (const [below, cap] of DATA_SET_CAPS) if (images < below) return cap;
  return INPUT_SIZES[INPUT_SIZES.length - 1]!;
}

const LIMIT_WORDS: Record<SizeLimit, string> = {
  median: 'the median short side',
  dataSet: 'the number of labelled images',
  architecture: 'the seed-cnn reference architecture (28 px only)',
  smallest: 'the smallest input CareLens offers',
};

/** The proposal for these images (pure: the same summaries give the same answer). */
export function proposeInput(images: ImageSummary[], architecture: Architecture = 'default'): InputProposal {
  const sized = images.filter((i) => (i.rows ?? 0) > 0 && (i.columns ?? 0) > 0);
  const shortSides = sized.map((i) => Math.min(i.rows!, i.columns!));
  const medianShortSide = median(shortSides);
  const medianWidth = median(sized.map((i) => i.columns!));
  const medianHeight = median(sized.map((i) => i.rows!));
  const fits = INPUT_SIZES.filter((s) => medianShortSide !== null && s <= medianShortSide);
  const sizeFromMedian = fits.length ? fits[fits.length - 1]! : INPUT_SIZES[0];
  const cap = dataSetCap(images.length);
  let inputSize: number = sizeFromMedian;
  let limitedBy: SizeLimit = fits.length ? 'median' : 'smallest';
  if (architecture === 'seed-cnn' && inputSize > INPUT_SIZES[0]) {
    inputSize = INPUT_SIZES[0];
    limitedBy = 'architecture';
  } else if (inputSize > cap) {
    inputSize = cap;
    limitedBy = 'dataSet';
  }
  const colour = images.filter(isColour).length;
  const greyShare = images.length ? (images.length - colour) / images.length : 1;
  const channels: 1 | 3 = images.length && colour / images.length >= 0.5 ? 3 : 1;
  const counts = new Map<string, number>();
  for (const i of images) {
    const m = (i.modality ?? '').trim().toUpperCase();
    counts.set(m, (counts.get(m) ?? 0) + 1);
  }
  const modalities = [...counts].map(([modality, n]) => ({ modality, images: n })).sort((a, b) => b.images - a.images || (a.modality < b.modality ? -1 : 1));
  const dicom = images.filter((i) => i.format === 'dicom');
  const dicomWithWindow = dicom.filter((i) => i.windowCenter !== null && i.windowWidth !== null && i.windowWidth > 0).length;

  const pctGrey = Math.round(greyShare * 100);
  const modalityWords = modalities.map((m) => (m.modality ? m.modality : 'no modality recorded')).slice(0, 3).join(', ');
  const sizeWords = medianWidth !== null ? `median ${medianWidth} x ${medianHeight} px (short side ${medianShortSide})` : 'no image size recorded';
  const reason =
    `${images.length} images: ${sizeWords}, ${pctGrey}% grey, ${modalityWords}` +
    ` -> ${inputSize} x ${inputSize} ${channels === 3 ? 'RGB' : 'grey'} (size limited by ${LIMIT_WORDS[limitedBy]}` +
    `${limitedBy === 'dataSet' ? `: fewer than ${DATA_SET_CAPS.find(([below]) => images.length < below)![0]} images allow at most ${cap}` : ''})` +
    (dicom.length ? `; ${dicomWithWindow} of ${dicom.length} DICOM images carry a VOI window, the rest are min-max normalised` : '');
  return {
    inputSize,
    channels,
    images: images.length,
    sized: sized.length,
    medianWidth,
    medianHeight,
    medianShortSide,
    minShortSide: shortSides.length ? shortSides.reduce((a, b) => Math.min(a, b)) : null,
    maxLongSide: sized.length ? sized.reduce((a, i) => Math.max(a, i.rows!, i.columns!), 0) : null,
    greyShare,
    modalities,
    dicomImages: dicom.length,
    dicomWithWindow,
    sizeFromMedian,
    limitedBy,
    dataSetCap: cap,
    reason,
  };
}
