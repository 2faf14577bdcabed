import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import dicomParser from 'dicom-parser';
import { describe, expect, it } from 'vitest';
import { SHARED_DATA } from '../app/testing';
import { AppError } from '../../shared/ipc/envelope';
import { deidentifyDicom } from './dicomDeid';
import { Pseudonymizer } from './deidentify';

const DICOM = path.join(SHARED_DATA, 'dicom');
const p = new Pseudonymizer(Buffer.alloc(32, 7));
const opts = { pseudonymizer: p, patientId: 'patient-1', pseudonym: p.patient('patient-1') };

function parse(buf: Uint8Array) {
  return dicomParser.parseDicom(new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength));
}

function pixelBytes(ds: dicomParser.DataSet, buf: Uint8Array): Buffer {
  const el = ds.elements.x7fe00010!;
  if (el.fragments) return Buffer.concat(el.fragments.map((f) => Buffer.from(buf.buffer, buf.byteOffset + f.position, f.length)));
  return Buffer.from(buf.buffer, buf.byteOffset + el.dataOffset, el.length);
}

describe('DICOM de-identification (PS3.15 Basic Profile)', () => {
  for (const file of [
    'ivmartel_dwv/gdcm-CR-MONO1-10-chest.dcm',
    'cornerstonejs_cornerstone3D/CTImage.dcm_LittleEndianImplicitTransferSyntax_1.2.840.10008.1.2.dcm',
    'cornerstonejs_dicomParser/encapsulated/single-frame/CT1_UNC.fragmented_bot_jpeg_ls.80.dcm',
    'pydicom_pydicom-data/MR-SIEMENS-DICOM-WithOverlays.dcm',
  ]) {
    it(`de-identifies ${path.basename(file)} and keeps its pixels`, () => {
      const original = fs.readFileSync(path.join(DICOM, file));
      const before = parse(original);
      const out = deidentifyDicom(original, opts);
      const after = parse(out);
      expect(after.string('x00100010')).toBe(opts.pseudonym);
      expect(after.string('x00100020')).toBe(opts.pseudonym);
      expect(after.string('x00100030') ?? '').toBe('');
      expect(after.string('x00120062')).toBe('YES');
      expect(after.string('x00280303')).toBe('MODIFIED');
      for (const tag of ['x00080080', 'x00081030', 'x0008103e', 'x00081070', 'x00101010', 'x00104000']) expect(after.elements[tag]).toBeUndefined();
      // No private tags are left.
      expect(Object.keys(after.elements).filter((t) => parseInt(t.slice(1, 5), 16) % 2 === 1)).toEqual([]);
      // Identifying text of the original is gone from the bytes.
      const text = Buffer.from(out).toString('latin1');
      for (const tag of ['x00100010', 'x00100020', 'x00080080', 'x00081030']) {
        const v = before.string(tag)?.trim();
        if (v && v.length >= 4) expect(text).not.toContain(v);
      }
      // UIDs are remapped the same way as in the reports, and consistently between meta and data set.
      const study = before.string('x0020000d')!.replace(/\0/g, '').trim();
      expect(after.string('x0020000d')).toBe(p.uid(study));
      expect(after.string('x00080018')).toBe(after.string('x00020003'));
      expect(after.string('x00080018')).not.toBe(before.string('x00080018'));
      expect(after.string('x00080016')).toBe(before.string('x00080016'));
      expect(after.string('x00020010')).toBe(before.string('x00020010'));
      // Dates moved by the patient's fixed shift.
      const date = before.string('x00080020');
      if (date) expect(after.string('x00080020')).toBe(p.shiftDate('patient-1', date.trim()));
      // The image itself is untouched.
      expect(pixelBytes(after, out).equals(pixelBytes(before, original))).toBe(true);
      // The same file gives the same output every time.
      expect(deidentifyDicom(original, opts).equals(out)).toBe(true);
    });
  }

  it('refuses big endian and deflated files rather than half-doing them', () => {
    for (const file of ['cornerstonejs_dicomParser/CT1_UNC.explicit_big_endian.dcm', 'cornerstonejs_cornerstone3D/CTImage.dcm_DeflatedExplicitVRLittleEndianTransferSyntax_1.2.840.10008.1.2.1.99.dcm']) {
      expect(() => deidentifyDicom(fs.readFileSync(path.join(DICOM, file)), opts)).toThrow(/not de-identified/);
    }
    expect(() => deidentifyDicom(Buffer.from('not dicom at all'), opts)).toThrow(/no Part 10 header/);
  });

  it('every readable file of the shared DICOM set is either de-identified into a file that parses again, or refused with a reason', () => {
    const rows = fs.readFileSync(path.join(DICOM, 'INDEX.tsv'), 'utf8').trim().split('\n').slice(1).map((l) => l.split('\t'));
    const readable = rows.filter((r) => r[14]!.startsWith('ok')).map((r) => r[0]!);
    expect(readable.length).toBeGreaterThan(60);
    let hasDcmdump = true;
    try {
      execFileSync('dcmdump', ['--version'], { stdio: 'ignore' });
    } catch {
      hasDcmdump = false;
      console.log('dcmdump (DCMTK) is not installed: outputs are checked with dicom-parser only');
    }
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'carelens-deid-'));
    let done = 0;
    for (const file of readable) {
      let out: Buffer;
      try {
        out = deidentifyDicom(fs.readFileSync(path.join(DICOM, file)), opts);
      } catch (err) {
        expect(err, file).toBeInstanceOf(AppError);
        expect((err as AppError).code).toBe('UNSUPPORTED');
        continue;
      }
      expect(parse(out).string('x00100010'), file).toBe(opts.pseudonym);
      if (hasDcmdump) {
        const target = path.join(dir, `${done}.dcm`);
        fs.writeFileSync(target, out);
        // -q prints only warnings and errors: a clean file prints nothing on stderr.
        const result = spawnSync('dcmdump', ['-q', target], { encoding: 'utf8', stdio: ['ignore', 'ignore', 'pipe'] });
        expect(result.stderr, file).toBe('');
        expect(result.status, file).toBe(0);
      }
      done++;
    }
    expect(done).toBeGreaterThan(60);
  });
});
