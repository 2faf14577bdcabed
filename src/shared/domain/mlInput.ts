/**
 * How a model version's images become its input: the size and channels proposed from the
 * label set's images (src/main/ml/inputProposal.ts), what was used, and how each image was
 * resized and normalised. Shared by the main process, the renderer and the CLI.
 */

/** The input sizes CareLens proposes (square, pixels). */
export const INPUT_SIZES = [28, 64, 112, 224] as const;

/** Labelled-image counts below which the proposal caps the size: [fewer than, cap]; 224 above. */
export const DATA_SET_CAPS: readonly (readonly [number, number])[] = [
  [300, 64],
  [3000, 112],
];

/**
 * Resizing to the square input: 'letterbox' keeps the aspect ratio (scaled so the long side
 * fills the input, centred, the rest zero); 'stretch' squeezes each side to the input size
 * (versions saved before letterboxing).
 */
export type ResizeMode = 'letterbox' | 'stretch';

/** What bounded the proposed size. */
export type SizeLimit = 'median' | 'dataSet' | 'architecture' | 'smallest';

/** What the proposal saw in the imaging index (no image decoded) and what it proposes. */
export interface InputProposal {
  inputSize: number;
  channels: 1 | 3;
  /** Labelled images looked at, and those with a known size. */
  images: number;
  sized: number;
  medianWidth: number | null;
  medianHeight: number | null;
  /** Median of each image's shorter side. */
  medianShortSide: number | null;
  minShortSide: number | null;
  maxLongSide: number | null;
  /** Share of images stored grey (one sample per pixel, or a PNG whose channels are equal). */
  greyShare: number;
  /** Modalities with their image counts, most frequent first ('' for none recorded). */
  modalities: { modality: string; images: number }[];
  /** DICOM images, and those whose file carries a VOI window (Window Center / Width). */
  dicomImages: number;
  dicomWithWindow: number;
  /** The size the median alone allows, and what capped it. */
  sizeFromMedian: number;
  limitedBy: SizeLimit;
  /** The largest size the data set's image count allows. */
  dataSetCap: number;
  /** The reason in English (CLI, logs); the renderer words it from the fields above. */
  reason: string;
}

/** A version's input as recorded with its hyper-parameters. */
export interface InputPreprocessing {
  resize: ResizeMode;
  /** What the data proposed (null when the label set's images could not be summarised). */
  proposal: InputProposal | null;
  /** 'proposed': size and channels are the proposal's; 'chosen': the user set one or both. */
  source: 'proposed' | 'chosen';
  /**
   * Intensity before resizing: grey DICOM through the file's VOI window (Window Center /
   * Width) when it has one, else the image's own min-max; 8-bit grey PNG as stored (0-255);
   * grey JPEG min-max; colour 0-255 per channel. Then divided by 255.
   */
  normalisation: 'voi-window-else-min-max';
}

/** How a version's images were resized: recorded, or (versions saved before it was) stretched. */
export function resizeModeOf(h: { input?: InputPreprocessing }): ResizeMode {
  return h.input?.resize ?? 'stretch';
}

/**
 * A validation set carved from the training images, when a predefined split has train and
 * test but no validation images: stratified by class, seeded. The chosen images are stored
 * with the version's split assignments (as 'val'); their ids are kept here too, so the card
 * and a rerun can say which.
 */
export interface ValidationCarve {
  fraction: number;
  seed: number;
  /** Images moved from train to validation, per class. */
  classCounts: Record<string, number>;
  imageIds: string[];
}
