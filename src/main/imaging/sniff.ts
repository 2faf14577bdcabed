/**
 * Recognises a file by its first bytes, never by its name: clinicians' folders hold DICOM
 * without an extension, `.jpg` files that are PNGs, READMEs and ZIPs side by side.
 */
export type SniffedKind = 'dicom' | 'dicom-raw' | 'png' | 'jpeg' | 'zip' | 'unknown';

/** How many leading bytes `sniff` needs to decide. */
export const SNIFF_BYTES = 512;

const PNG_SIG = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/**
 * 'dicom' has the 128-byte preamble and "DICM"; 'dicom-raw' is a bare data set (no preamble,
 * no meta header: old ACR-NEMA style exports), recognised by a plausible first element.
 */
export function sniff(head: Uint8Array): SniffedKind {
  if (head.length >= 132 && head[128] === 0x44 && head[129] === 0x49 && head[130] === 0x43 && head[131] === 0x4d) return 'dicom';
  if (head.length >= 8 && PNG_SIG.every((b, i) => head[i] === b)) return 'png';
  if (head.length >= 3 && head[0] === 0xff && head[1] === 0xd8 && head[2] === 0xff) return 'jpeg';
  if (head.length >= 4 && head[0] === 0x50 && head[1] === 0x4b && head[2] === 0x03 && head[3] === 0x04) return 'zip';
  if (looksLikeRawDataSet(head)) return 'dicom-raw';
  return 'unknown';
}

/** Whether a raw data set starting at byte 0 uses explicit VRs (two upper-case letters after the tag). */
export function rawIsExplicit(head: Uint8Array): boolean {
  const a = head[4] ?? 0;
  const b = head[5] ?? 0;
  return a >= 0x41 && a <= 0x5a && b >= 0x41 && b <= 0x5a;
}

function looksLikeRawDataSet(head: Uint8Array): boolean {
  if (head.length < 12) return false;
  const group = head[0]! | (head[1]! << 8);
  const element = head[2]! | (head[3]! << 8);
  // A data set starts with a low group (0002 meta, 0008 identification) and ascending small elements.
  if (group !== 0x0008 && group !== 0x0002) return false;
  if (element > 0x00ff) return false;
  if (rawIsExplicit(head)) return true;
  const len = head[4]! | (head[5]! << 8) | (head[6]! << 16) | (head[7]! << 24);
  return len >= 0 && len < 1024;
}
