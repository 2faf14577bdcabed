import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Codecs } from './codecs';
import { parseDicom, TS, type ParsedDicom } from './dicom';
import { decodeDicomFrame } from './pixels';
import { TRANSFER_SYNTAXES } from './transferSyntaxes';

// Same folder as app/testing's SHARED_DATA; imported directly so this pure test does not build the whole app.
const DICOM = path.resolve(__dirname, '../../../../shared/data/dicom');
const CT = 'cornerstonejs_cornerstone3D';
const HTJ2K = 'pydicom_pydicom-data/HTJ2K_08_RGB.dcm';

const CODECS = ['jpeg8', 'jpeg12', 'jpegLossless', 'jpegLs', 'jpeg2000'] as const;
type CodecName = (typeof CODECS)[number];

/** The codec each syntax must reach; null: read or unpacked without one. */
const EXPECTED_CODEC: Record<string, CodecName | null> = {
  [TS.implicitLE]: null,
  [TS.explicitLE]: null,
  [TS.deflatedLE]: null,
  [TS.explicitBE]: null,
  [TS.rle]: null,
  [TS.deflatedImageFrame]: null,
  [TS.jpegBaseline]: 'jpeg8',
  // The CT samples of these three are 12-bit, which only the 12-bit decoder reads.
  [TS.jpegExtended]: 'jpeg12',
  [TS.jpegSpectral]: 'jpeg12',
  [TS.jpegProgressive]: 'jpeg12',
  [TS.jpegLossless14]: 'jpegLossless',
  [TS.jpegLosslessSV1]: 'jpegLossless',
  [TS.jpegLsLossless]: 'jpegLs',
  [TS.jpegLsNear]: 'jpegLs',
  [TS.j2kLossless]: 'jpeg2000',
  [TS.j2k]: 'jpeg2000',
  [TS.htj2kLossless]: 'jpeg2000',
  [TS.htj2kRpcl]: 'jpeg2000',
  [TS.htj2k]: 'jpeg2000',
};

/** A file in that syntax: the CT slice where the shared folder has it; the two HTJ2K variants it lacks reuse the HTJ2K sample. */
function sample(uid: string): ParsedDicom {
  const ct = fs.readdirSync(path.join(DICOM, CT)).find((f) => f.startsWith('CTImage.dcm_') && f.endsWith(`_${uid}.dcm`));
  const file = ct ? `${CT}/${ct}` : uid === TS.deflatedImageFrame ? 'pydicom_pydicom-data/liver_deflate.dcm' : HTJ2K;
  const parsed = parseDicom(fs.readFileSync(path.join(DICOM, file)));
  if (uid !== TS.htj2kLossless && uid !== TS.htj2kRpcl) expect(parsed.info.transferSyntax).toBe(uid);
  return relabel(parsed, uid);
}

const relabel = (p: ParsedDicom, transferSyntax: string): ParsedDicom => ({ dataSet: p.dataSet, info: { ...p.info, transferSyntax } });

describe('the transfer syntax table', () => {
  const codecs = new Codecs();
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('lists every syntax dicom.ts names', () => {
    expect([...TRANSFER_SYNTAXES.keys()].sort()).toEqual(Object.values(TS).sort());
  });

  it.each([...TRANSFER_SYNTAXES.keys()])('decodes %s through its codec', async (uid) => {
    const parsed = sample(uid);
    const spies = CODECS.map((name) => vi.spyOn(codecs, name));
    const d = await decodeDicomFrame(parsed, 0, codecs);
    expect([d.width, d.height]).toEqual([parsed.info.columns, parsed.info.rows]);
    expect(d.max).toBeGreaterThan(d.min);
    expect(CODECS.filter((_, i) => spies[i]!.mock.calls.length > 0)).toEqual(EXPECTED_CODEC[uid] ? [EXPECTED_CODEC[uid]] : []);
  });

  it('refuses a syntax it does not list, naming it, even one spelled like a prototype key', async () => {
    const rle = sample(TS.rle);
    await expect(decodeDicomFrame(relabel(rle, '1.2.3.4'), 0, codecs)).rejects.toThrow('transfer syntax 1.2.3.4 is not supported');
    await expect(decodeDicomFrame(relabel(rle, 'constructor'), 0, codecs)).rejects.toThrow('transfer syntax constructor is not supported');
    // Unknown syntaxes are presumed compressed: native pixel data under one is reported as such.
    await expect(decodeDicomFrame(relabel(sample(TS.explicitLE), '1.2.3.4'), 0, codecs)).rejects.toThrow('transfer syntax 1.2.3.4 says compressed, but the pixel data is not encapsulated');
  });
});
