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

const VRS = new Set('AE AS AT CS DA DS DT FD FL IS LO LT OB OD OF OL OV OW PN SH SL SQ SS ST SV TM UC UI UL UN UR US UT UV'.split(' '));
const LONG_VR = new Set(['OB', 'OD', 'OF', 'OL', 'OV', 'OW', 'SQ', 'UC', 'UN', 'UR', 'UT', 'UV']);

/**
 * A bare data set (no preamble, no meta header; implicit VR little endian as older
 * modalities wrote them, or explicit) is recognised by its first elements: the first is in
 * group 0008 (identification) or 0002 (a meta group without preamble), and every element read
 * within the head has ascending tags, a known VR when explicit, and a length that fits the
 * group (identification elements are short; odd lengths, which old writers leave, pass). At
 * least three elements must read cleanly (or the whole file, if it is that small), so random
 * binary that happens to start with 08 00 is not taken for DICOM.
 */
function looksLikeRawDataSet(head: Uint8Array): boolean {
  if (head.length < 12) return false;
  const group = head[0]! | (head[1]! << 8);
  const element = head[2]! | (head[3]! << 8);
  // Group 0008 may start at any element (some writers have no 0008,00xx); a meta group starts low.
  if (group !== 0x0008 && !(group === 0x0002 && element <= 0x00ff)) return false;
  const explicit = rawIsExplicit(head);
  const view = new DataView(head.buffer, head.byteOffset, head.byteLength);
  let pos = 0;
  let last = -1;
  let read = 0;
  while (pos + 8 <= head.length && read < 8) {
    const g = view.getUint16(pos, true);
    const e = view.getUint16(pos + 2, true);
    const tag = g * 0x10000 + e;
    if (tag <= last || (g % 2 === 1 && g < 0x0009)) return false;
    if (g > 0x7fe0) break;
    last = tag;
    let length: number;
    let headerSize: number;
    if (explicit) {
      const vr = String.fromCharCode(head[pos + 4]!, head[pos + 5]!);
      if (!VRS.has(vr)) return false;
      if (LONG_VR.has(vr)) {
        if (pos + 12 > head.length) break;
        length = view.getUint32(pos + 8, true);
        headerSize = 12;
      } else {
        length = view.getUint16(pos + 6, true);
        headerSize = 8;
      }
    } else {
      length = view.getUint32(pos + 4, true);
      headerSize = 8;
    }
    read++;
    if (length === 0xffffffff) break; // a sequence of undefined length: its items are not walked here
    // The identification groups hold text and small binary values, never megabytes.
    if (g <= 0x0010 && length > 0x10000) return false;
    pos += headerSize + length;
    if (pos >= head.length) break;
  }
  // Three clean elements; or a whole small file read to its exact end. An element running
  // past what was read proves nothing.
  return read >= 3 || (read >= 1 && head.length < SNIFF_BYTES && pos === head.length);
}

