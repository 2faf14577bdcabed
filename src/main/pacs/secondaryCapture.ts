/**
 * The heatmap overlay as a DICOM Secondary Capture: the source image in grey with the model's
 * Grad-CAM map blended over it (the same ramp the Diagnose view draws), a banner burned into the
 * pixels reading "DECISION SUPPORT - NOT FOR DIAGNOSIS", and the same words in the series
 * description, image comments and derivation description, so no viewer shows it unmarked.
 */
import { DECISION_SUPPORT } from './sr';
import { dicomDateTime, newUid, patientStudyModules, writePart10, type SourceInstance } from './part10';

export const SECONDARY_CAPTURE = '1.2.840.10008.5.1.4.1.1.7';
export const BANNER = 'DECISION SUPPORT - NOT FOR DIAGNOSIS';

/** A 5x7 pixel font for the banner's letters (rows top to bottom, 5 bits each). */
const GLYPHS: Record<string, string[]> = {
  A: ['01110', '10001', '10001', '11111', '10001', '10001', '10001'],
  C: ['01111', '10000', '10000', '10000', '10000', '10000', '01111'],
  D: ['11110', '10001', '10001', '10001', '10001', '10001', '11110'],
  E: ['11111', '10000', '10000', '11110', '10000', '10000', '11111'],
  F: ['11111', '10000', '10000', '11110', '10000', '10000', '10000'],
  G: ['01111', '10000', '10000', '10011', '10001', '10001', '01111'],
  I: ['01110', '00100', '00100', '00100', '00100', '00100', '01110'],
  N: ['10001', '11001', '10101', '10011', '10001', '10001', '10001'],
  O: ['01110', '10001', '10001', '10001', '10001', '10001', '01110'],
  P: ['11110', '10001', '10001', '11110', '10000', '10000', '10000'],
  R: ['11110', '10001', '10001', '11110', '10100', '10010', '10001'],
  S: ['01111', '10000', '10000', '01110', '00001', '00001', '11110'],
  T: ['11111', '00100', '00100', '00100', '00100', '00100', '00100'],
  U: ['10001', '10001', '10001', '10001', '10001', '10001', '01110'],
  '-': ['00000', '00000', '00000', '11111', '00000', '00000', '00000'],
  ' ': ['00000', '00000', '00000', '00000', '00000', '00000', '00000'],
};

/** The Diagnose view's blue -> yellow -> red ramp (HeatmapCanvas.vue). */
function colour(v: number): [number, number, number] {
  const t = Math.max(0, Math.min(1, v));
  if (t < 0.5) return [Math.round(40 + 2 * t * 215), Math.round(60 + 2 * t * 180), Math.round(200 - 2 * t * 170)];
  return [255, Math.round(240 - (t - 0.5) * 2 * 200), 30];
}

function sampleHeatmap(h: { width: number; height: number; values: number[] }, u: number, v: number): number {
  // Bilinear, with u, v in 0..1 over the image (pixel centres).
  const x = Math.max(0, Math.min(h.width - 1, u * h.width - 0.5));
  const y = Math.max(0, Math.min(h.height - 1, v * h.height - 0.5));
  const x0 = Math.floor(x);
  const y0 = Math.floor(y);
  const x1 = Math.min(h.width - 1, x0 + 1);
  const y1 = Math.min(h.height - 1, y0 + 1);
  const fx = x - x0;
  const fy = y - y0;
  const at = (xx: number, yy: number) => h.values[yy * h.width + xx] ?? 0;
  return (at(x0, y0) * (1 - fx) + at(x1, y0) * fx) * (1 - fy) + (at(x0, y1) * (1 - fx) + at(x1, y1) * fx) * fy;
}

/** Burns the banner across the top: white capitals on black, as wide as fits. */
function burnBanner(rgb: Uint8Array, width: number, height: number): void {
  const scale = Math.max(1, Math.min(3, Math.floor((width - 8) / (BANNER.length * 6))));
  const bandH = 7 * scale + 6;
  for (let y = 0; y < Math.min(bandH, height); y++) rgb.fill(0, y * width * 3, (y + 1) * width * 3);
  const textW = BANNER.length * 6 * scale;
  const x0 = Math.max(2, Math.floor((width - textW) / 2));
  [...BANNER].forEach((ch, k) => {
    const glyph = GLYPHS[ch] ?? GLYPHS[' ']!;
    for (let gy = 0; gy < 7; gy++)
      for (let gx = 0; gx < 5; gx++) {
        if (glyph[gy]![gx] !== '1') continue;
        for (let sy = 0; sy < scale; sy++)
          for (let sx = 0; sx < scale; sx++) {
            const x = x0 + (k * 6 + gx) * scale + sx;
            const y = 3 + gy * scale + sy;
            if (x < width && y < height) rgb.fill(255, (y * width + x) * 3, (y * width + x) * 3 + 3);
          }
      }
  });
}

/** RGB pixels: the grey image with the heatmap over it and the banner. */
export function heatmapOverlayRgb(gray: { width: number; height: number; data: Uint8Array }, heatmap: { width: number; height: number; values: number[] }, opacity = 0.45): Uint8Array {
  const { width, height } = gray;
  const rgb = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      const g = gray.data[i]!;
      const v = sampleHeatmap(heatmap, (x + 0.5) / width, (y + 0.5) / height);
      const a = opacity * (0.25 + 0.75 * Math.max(0, Math.min(1, v)));
      const [r, gg, b] = colour(v);
      rgb[i * 3] = Math.round(g * (1 - a) + r * a);
      rgb[i * 3 + 1] = Math.round(g * (1 - a) + gg * a);
      rgb[i * 3 + 2] = Math.round(g * (1 - a) + b * a);
    }
  burnBanner(rgb, width, height);
  return rgb;
}

export interface HeatmapCapture {
  source: SourceInstance;
  gray: { width: number; height: number; data: Uint8Array };
  heatmap: { width: number; height: number; values: number[] };
  model: { name: string; version: string };
  now: Date;
}

/** The Secondary Capture as Part-10 bytes, with its UIDs. */
export function buildHeatmapCapture(c: HeatmapCapture): { part10: Buffer; seriesInstanceUid: string; sopInstanceUid: string } {
  const seriesInstanceUid = newUid();
  const sopInstanceUid = newUid();
  const { date, time } = dicomDateTime(c.now);
  const rgb = heatmapOverlayRgb(c.gray, c.heatmap);
  // Even length: PixelData is padded to an even number of bytes.
  const pixels = new Uint8Array(rgb.length + (rgb.length % 2));
  pixels.set(rgb);
  // The marking comes first, so no truncating display or field can drop it.
  const words = `${DECISION_SUPPORT}: CareLens heatmap of ${c.model.name}, version ${c.model.version}`;
  const dataset = {
    ...patientStudyModules(c.source),
    SOPClassUID: SECONDARY_CAPTURE,
    SOPInstanceUID: sopInstanceUid,
    Modality: 'OT',
    SeriesInstanceUID: seriesInstanceUid,
    SeriesNumber: 9902,
    SeriesDescription: `${DECISION_SUPPORT}: CareLens heatmap`,
    ConversionType: 'WSD',
    Manufacturer: 'CareLens',
    InstanceNumber: 1,
    PatientOrientation: '',
    ContentDate: date,
    ContentTime: time,
    InstanceCreationDate: date,
    InstanceCreationTime: time,
    ImageType: ['DERIVED', 'SECONDARY'],
    DerivationDescription: words.slice(0, 1024),
    ImageComments: words.slice(0, 10240),
    // The banner names no patient: the pixels identify the patient only if the source's did.
    BurnedInAnnotation: c.source.burnedInAnnotation === 'YES' ? 'YES' : 'NO',
    SourceImageSequence: [{ ReferencedSOPClassUID: c.source.sopClassUid, ReferencedSOPInstanceUID: c.source.sopInstanceUid }],
    SamplesPerPixel: 3,
    PhotometricInterpretation: 'RGB',
    PlanarConfiguration: 0,
    Rows: c.gray.height,
    Columns: c.gray.width,
    BitsAllocated: 8,
    BitsStored: 8,
    HighBit: 7,
    PixelRepresentation: 0,
    PixelData: [pixels.buffer],
    _vrMap: { PixelData: 'OB' },
  };
  return { part10: writePart10(dataset), seriesInstanceUid, sopInstanceUid };
}
