import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SHARED_DATA, tempDir } from '../app/testing';
import { Codecs } from './codecs';
import { parseDicom, TS } from './dicom';
import { hasTool } from './fixtures/dicomBytes';
import { decodeDicomFrame } from './pixels';
import { decodeFrameValues, samplesStored } from './transferSyntaxes';

/**
 * Pixel parity with dcmtk 3.6.7 on every file in ../shared/data/dicom: dcmtk uncompresses
 * (dcmdjpeg, dcmdrle, dcmdjpls; dcmconv for the native syntaxes, which also byte-swaps big
 * endian and inflates deflated data sets), `dcmdump +W` writes the raw Pixel Data, and this
 * test reads the stored values from those bytes itself (stored bits masked, sign extended).
 * CareLens's stored values (decodeFrameValues) and modality values (decodeDicomFrame, stored
 * x Rescale Slope + Intercept as dcmdump prints them) must equal them, every frame; colour
 * images are compared as 8-bit RGB against `dcm2pnm +op` (palette applied, YBR converted).
 *
 * Exact for every lossless syntax, and for JPEG-LS near-lossless and JPEG lossless too
 * (their decoding is fully specified: any conforming decoder gives the same samples). The one
 * bound: DCT-based JPEG (.50/.51/.53/.55), whose inverse DCT and chroma upsampling the
 * standard leaves to the implementation (ISO 10918-1 A.3.3 only bounds the IDCT's error);
 * libjpeg-turbo / dcmjs-imaging's libjpeg and dcmtk's IJG libjpeg may differ by a few levels:
 * at most 1% of the sample range (2 for 8-bit, 41 for 12-bit) per sample, and a mean
 * absolute difference under 0.5. JPEG 2000 / HTJ2K are not compared: dcmtk 3.6.7 has no
 * JPEG 2000 decoder (no dcmdjp2k); pixels.test.ts checks them against the native CT slice.
 */
const DICOM = path.join(SHARED_DATA, 'dicom');
const TOOLS = ['dcmdump', 'dcmconv', 'dcmdjpeg', 'dcmdrle', 'dcmdjpls', 'dcm2pnm'];
const missing = TOOLS.filter((t) => !hasTool(t));
if (missing.length > 0) console.log(`[parity] skipped: dcmtk tools missing (${missing.join(', ')}); install dcmtk (.ci/run does)`);

const DCT_JPEG = new Set<string>([TS.jpegBaseline, TS.jpegExtended, TS.jpegSpectral, TS.jpegProgressive]);
const NATIVE = new Set<string>([TS.implicitLE, TS.explicitLE, TS.explicitBE, TS.deflatedLE]);
const work = tempDir('carelens-parity-');
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

function run(tool: string, args: string[]): { ok: boolean; out: string; err: string } {
  const r = spawnSync(tool, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  return { ok: r.status === 0, out: r.stdout ?? '', err: r.stderr ?? '' };
}

function files(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(path.join(dir, e.name)) : [path.join(dir, e.name)]));
}

/** The top-level value dcmdump prints for each tag, else the first nested one (Enhanced MF functional groups). */
function header(file: string): Map<string, string> {
  const tags = ['0002,0010', '0028,0002', '0028,0004', '0028,0006', '0028,0100', '0028,0101', '0028,0103', '0028,1052', '0028,1053'];
  const r = run('dcmdump', ['-q', '-Un', ...tags.flatMap((t) => ['+P', t]), file]);
  const out = new Map<string, string>();
  for (const nested of [false, true]) {
    for (const line of r.out.split('\n')) {
      const m = (nested ? /^\s*\(([0-9a-f]{4},[0-9a-f]{4})\) \w\w (?:\[([^\]]*)\]|=?(\S+))/i : /^\(([0-9a-f]{4},[0-9a-f]{4})\) \w\w (?:\[([^\]]*)\]|=?(\S+))/i).exec(line);
      if (m && !out.has(m[1]!)) out.set(m[1]!, (m[2] ?? m[3] ?? '').trim());
    }
  }
  return out;
}

interface Outcome {
  file: string;
  status: 'equal' | 'within' | 'differ' | 'skipped';
  note: string;
}

function uncompress(file: string, ts: string, out: string): boolean {
  if (NATIVE.has(ts)) return run('dcmconv', ['+te', file, out]).ok;
  if (DCT_JPEG.has(ts) || ts === TS.jpegLossless14 || ts === TS.jpegLosslessSV1) return run('dcmdjpeg', [file, out]).ok;
  if (ts === TS.rle) return run('dcmdrle', [file, out]).ok;
  if (ts === TS.jpegLsLossless || ts === TS.jpegLsNear) return run('dcmdjpls', [file, out]).ok;
  return false;
}

/** Stored values from dcmtk's raw little-endian pixel bytes, masked to Bits Stored and sign extended. */
function storedValues(raw: Buffer, bits: number, stored: number, signed: boolean): number[] {
  const out: number[] = [];
  if (bits === 1) {
    for (const byte of raw) for (let b = 0; b < 8; b++) out.push((byte >> b) & 1); // bit-packed, least significant bit first
    return out;
  }
  const size = bits / 8;
  for (let o = 0; o + size <= raw.length; o += size) {
    let v = size === 1 ? raw[o]! : size === 2 ? raw.readUInt16LE(o) : raw.readUInt32LE(o);
    if (stored < 32) {
      v = v % 2 ** stored;
      if (signed && v >= 2 ** (stored - 1)) v -= 2 ** stored;
    } else if (signed && v >= 2 ** 31) v -= 2 ** 32;
    out.push(v);
  }
  return out;
}

function readPpm(file: string): Buffer {
  const b = fs.readFileSync(file);
  // P6 <w> <h> <max> then one whitespace byte.
  let fields = 0;
  let i = 0;
  while (fields < 4) {
    while (/\s/.test(String.fromCharCode(b[i]!))) i++;
    while (!/\s/.test(String.fromCharCode(b[i]!))) i++;
    fields++;
  }
  return b.subarray(i + 1);
}

let serial = 0;

async function compare(file: string, codecs: Codecs): Promise<Outcome> {
  const rel = path.relative(DICOM, file);
  const bytes = fs.readFileSync(file);
  let parsed;
  try {
    parsed = parseDicom(bytes);
  } catch {
    return { file: rel, status: 'skipped', note: 'not DICOM for CareLens' };
  }
  const info = parsed.info;
  if (info.pixelData === null) return { file: rel, status: 'skipped', note: 'no pixel data' };
  if (!info.rows || !info.columns) return { file: rel, status: 'skipped', note: 'no Rows/Columns' };
  const ts = info.transferSyntax;
  // Short names: dcmdump shortens long file names in what it prints.
  const base = path.join(work, `f${++serial}`);
  const plain = `${base}.plain.dcm`;
  if (!uncompress(file, ts, plain)) return { file: rel, status: 'skipped', note: `dcmtk does not decode ${ts}` };
  const h = header(plain);
  const n = info.rows * info.columns;
  const lossy = DCT_JPEG.has(ts);

  let maxDiff = 0;
  let sumDiff = 0;
  let count = 0;
  let bound = 0;
  const colour = info.samplesPerPixel === 3 || info.photometric === 'PALETTE COLOR';
  if (colour) {
    fs.mkdirSync(`${base}.ppm`, { recursive: true });
    if (!run('dcm2pnm', ['+op', '+Fa', plain, path.join(`${base}.ppm`, 'f')]).ok) return { file: rel, status: 'skipped', note: 'dcm2pnm cannot render it' };
    bound = lossy ? 2 : 0;
    for (let f = 0; f < info.frames; f++) {
      const ppmFile = info.frames > 1 ? path.join(`${base}.ppm`, `f.${f}.ppm`) : fs.existsSync(path.join(`${base}.ppm`, 'f.0.ppm')) ? path.join(`${base}.ppm`, 'f.0.ppm') : path.join(`${base}.ppm`, 'f');
      const theirs = readPpm(ppmFile);
      const ours = (await decodeDicomFrame(parsed, f, codecs)).data;
      if (theirs.length !== ours.length) return { file: rel, status: 'differ', note: `frame ${f + 1}: ${ours.length} RGB bytes vs dcmtk's ${theirs.length}` };
      for (let i = 0; i < ours.length; i++) {
        const d = Math.abs(ours[i]! - theirs[i]!);
        sumDiff += d;
        if (d > maxDiff) maxDiff = d;
      }
      count += ours.length;
    }
  } else {
    const dumpDir = `${base}.raw`;
    fs.mkdirSync(dumpDir, { recursive: true });
    const dump = run('dcmdump', ['-q', '+W', dumpDir, plain]);
    // The top level's Pixel Data (not an icon image's inside a sequence, printed indented).
    const rawName = /^\(7fe0,00(?:10|08|09)\) O[BWFD] =(\S+)/m.exec(dump.out)?.[1];
    if (!rawName) return { file: rel, status: 'skipped', note: 'dcmdump wrote no pixel data' };
    const raw = fs.readFileSync(rawName);
    const bits = Number(h.get('0028,0100'));
    const stored = Number(h.get('0028,0101') ?? bits);
    const signed = h.get('0028,0103') === '1';
    const float = info.pixelData !== 'integer';
    const theirs = float ? Array.from(info.pixelData === 'double' ? new Float64Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.length)) : new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.length))) : storedValues(raw, bits, stored, signed);
    const slope = Number(h.get('0028,1053') ?? 1) || 1;
    const intercept = Number(h.get('0028,1052') ?? 0) || 0;
    const range = 2 ** (info.bitsStored ?? bits);
    bound = lossy ? Math.ceil(range / 100) : 0;
    const testFrames = info.frames;
    for (let f = 0; f < testFrames; f++) {
      const decoded = await decodeDicomFrame(parsed, f, codecs);
      let ourStored: ArrayLike<number> | null = null;
      if (!float) {
        const fv = await decodeFrameValues(ts, { ds: parsed.dataSet, frame: f, frames: info.frames, rows: info.rows, cols: info.columns, samplesPerPixel: 1, bitsAllocated: info.bitsAllocated!, bitsStored: info.bitsStored ?? info.bitsAllocated!, signed: info.pixelRepresentation === 1, planar: false, photometric: info.photometric, codecs });
        ourStored = fv.values;
      }
      for (let i = 0; i < n; i++) {
        const t = theirs[f * n * samplesStored(info) + i]!;
        let d = Math.abs(decoded.data[i]! - Math.fround(float ? t : t * slope + intercept)) / (float ? 1 : slope);
        if (ourStored) {
          let s = ourStored[i]!;
          const sb = info.bitsStored ?? bits;
          if (sb < 32) {
            s = ((s % 2 ** sb) + 2 ** sb) % 2 ** sb;
            if (signed && s >= 2 ** (sb - 1)) s -= 2 ** sb;
          }
          d = Math.max(d, Math.abs(s - t));
        }
        sumDiff += d;
        if (d > maxDiff) maxDiff = d;
      }
      count += n;
    }
  }
  const mean = sumDiff / Math.max(1, count);
  const note = `${ts}, ${info.frames} frame(s), ${count} samples, max |diff| ${maxDiff}, mean ${mean.toFixed(3)}${lossy ? ` (bound ${bound}, mean < 0.5)` : ''}`;
  if (maxDiff === 0) return { file: rel, status: 'equal', note };
  if (lossy && maxDiff <= bound && mean < 0.5) return { file: rel, status: 'within', note };
  return { file: rel, status: 'differ', note };
}

describe('pixel parity with dcmtk on ../shared/data/dicom', () => {
  it.skipIf(missing.length > 0)('stored and modality values equal dcmtk\'s (lossy JPEG within its stated bound)', async () => {
    const codecs = new Codecs();
    const outcomes: Outcome[] = [];
    for (const file of files(DICOM).sort()) outcomes.push(await compare(file, codecs));
    const by = (s: Outcome['status']) => outcomes.filter((o) => o.status === s);
    const compared = outcomes.length - by('skipped').length;
    console.log(
      `[parity] files ${outcomes.length}: compared ${compared} / equal ${by('equal').length} / within bound ${by('within').length} / differing ${by('differ').length} / not compared ${by('skipped').length}\n` +
        outcomes.map((o) => `  ${o.status.padEnd(7)} ${o.file}: ${o.note}`).join('\n'),
    );
    expect(by('differ').map((o) => `${o.file}: ${o.note}`)).toEqual([]);
    expect(by('equal').length).toBeGreaterThan(30);
  }, 120_000);
});
