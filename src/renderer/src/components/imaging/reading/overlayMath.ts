/**
 * The arithmetic behind the viewport's corner overlays: orientation letters at the edges from
 * Image Orientation (Patient) (0020,0037), and a scale bar from the millimetres per screen pixel.
 * Pure functions, tested in overlayMath.test.ts.
 */

/** The patient's axes in DICOM's LPS space: +x Left, +y Posterior, +z Head. */
const LETTERS: [string, string][] = [
  ['L', 'R'],
  ['P', 'A'],
  ['H', 'F'],
];

/** A component below this (cosine) is not named: 0.25 keeps a slightly tilted slice "A", a 30 degree oblique "AF". */
const OBLIQUE = 0.25;

/**
 * The letters for a direction in patient space, largest component first (e.g. [0, 0.9, -0.4] -> "PF").
 * Empty for a zero vector.
 */
export function directionLetters(v: readonly number[]): string {
  const parts = [0, 1, 2]
    .map((i) => ({ i, v: v[i] ?? 0 }))
    .filter((p) => Number.isFinite(p.v) && p.v !== 0)
    .sort((a, b) => Math.abs(b.v) - Math.abs(a.v));
  const first = parts[0];
  if (!first) return '';
  return parts
    .filter((p) => p === first || Math.abs(p.v) >= OBLIQUE)
    .map((p) => LETTERS[p.i]![p.v > 0 ? 0 : 1])
    .join('');
}

export interface EdgeLetters {
  top: string;
  bottom: string;
  left: string;
  right: string;
}

/**
 * Parses Image Orientation (Patient) as the tags panel shows it ("1\0\0\0\1\0"): six numbers,
 * the row direction (along a row, to the right) then the column direction (down a column).
 * Null when absent or malformed.
 */
export function parseOrientation(value: string | null | undefined): number[] | null {
  if (!value) return null;
  const nums = value.split('\\').map((s) => Number(s.trim()));
  if (nums.length !== 6 || nums.some((n) => !Number.isFinite(n))) return null;
  const len = (a: number, b: number, c: number) => Math.hypot(a, b, c);
  if (len(nums[0]!, nums[1]!, nums[2]!) < 0.5 || len(nums[3]!, nums[4]!, nums[5]!) < 0.5) return null;
  return nums;
}

/** The letters at the four edges of an unrotated, unflipped image with this orientation. */
export function edgeLetters(orientation: readonly number[] | null): EdgeLetters | null {
  if (!orientation || orientation.length !== 6) return null;
  const row = orientation.slice(0, 3);
  const col = orientation.slice(3, 6);
  const neg = (v: number[]) => v.map((x) => -x);
  return { right: directionLetters(row), left: directionLetters(neg(row)), bottom: directionLetters(col), top: directionLetters(neg(col)) };
}

/** Round lengths a scale bar may show, in millimetres. */
const STEPS_MM = [0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50, 100, 200, 500, 1000];

/**
 * The longest round length whose bar fits in `maxPx` screen pixels, and its length in pixels.
 * Null when the spacing is unknown (uncalibrated) or not positive, or not even 0.1 mm fits.
 */
export function scaleBar(mmPerScreenPixel: number | null | undefined, maxPx: number): { mm: number; px: number } | null {
  if (!mmPerScreenPixel || !Number.isFinite(mmPerScreenPixel) || mmPerScreenPixel <= 0 || maxPx <= 0) return null;
  let best: { mm: number; px: number } | null = null;
  for (const mm of STEPS_MM) {
    const px = mm / mmPerScreenPixel;
    if (px <= maxPx) best = { mm, px };
  }
  return best;
}
