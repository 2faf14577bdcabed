/**
 * The import page's paper cuts (issue 13): `~` paths, missing and empty folders, duplicates
 * listed with what they duplicate, DICOM without a Patient ID grouped by name and birth date
 * into a "no ID" patient, and ACR-NEMA dates. Real DICOM files from the shared data, copied
 * into temp folders and changed with DCMTK's dcmodify where a case needs it.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { callAs, createTestApp, SHARED_DATA, tempDir } from '../app/testing';
import type { App } from '../app/createApp';
import type { ImagingPatient, ImagingStudy, ImportReport, ImportStatus, ImportSummary } from '../../shared/domain/imaging';
import { hasNoId } from '../../shared/domain/patient';
import type { Actor } from '../../shared/domain/actor';
import type { Result } from '../../shared/ipc/envelope';
import { dicomDate } from './dicom';
import { expandHome } from '../system/ports';

const DWV = path.join(SHARED_DATA, 'dicom', 'ivmartel_dwv');
/** No Patient ID, name "Anonymized", no Study Date, Acquisition Date 1993.02.24 (the issue's file). */
const CR = path.join(DWV, 'gdcm-CR-MONO1-10-chest.dcm');
/** An MR with a Patient ID (4MR1), a Study Date and its own UIDs. */
const MR = path.join(DWV, 'nema-mr1_jply.dcm');
const PNG_DIR = path.join(SHARED_DATA, 'images', 'breastmnist', 'val', '0_malignant');
const CLINICIAN: Actor = { id: 'u-cleo', username: 'cleo', role: 'clinician' };

function value<T>(r: Result<unknown>): T {
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
  return r.value as T;
}

/** A copy of `src` at `dest` with dcmodify's edits (`-ea`, `-m`, `-i` arguments). */
function modified(src: string, dest: string, args: string[]): string {
  fs.mkdirSync(path.dirname(dest), { recursive: true });
  fs.copyFileSync(src, dest);
  execFileSync('dcmodify', ['-nb', '-q', ...args, dest]);
  return dest;
}

describe('DA values', () => {
  it('reads YYYYMMDD, the ACR-NEMA YYYY.MM.DD and YYYY-MM-DD; refuses days not in the calendar and mixed forms', () => {
    expect(dicomDate('19930224')).toBe('1993-02-24');
    expect(dicomDate('1993.02.24')).toBe('1993-02-24');
    expect(dicomDate(' 1993-02-24 ')).toBe('1993-02-24');
    expect(dicomDate('20240229\\20240301')).toBe('2024-02-29');
    expect(dicomDate('1993.02-24')).toBeNull();
    expect(dicomDate('19930230')).toBeNull();
    expect(dicomDate('20230229')).toBeNull();
    expect(dicomDate('1993.2.24')).toBeNull();
    expect(dicomDate('')).toBeNull();
  });
});

describe('~ in a path', () => {
  it('is the home folder, as a shell expands it; ~user and inner tildes are left alone', () => {
    expect(expandHome('~', '/home/ann')).toBe('/home/ann');
    expect(expandHome('~/Desktop/DICOM', '/home/ann')).toBe(path.join('/home/ann', 'Desktop/DICOM'));
    expect(expandHome('~bob/x', '/home/ann')).toBe('~bob/x');
    expect(expandHome('/data/~/x', '/home/ann')).toBe('/data/~/x');
    expect(expandHome('~/x')).toBe(path.join(os.homedir(), 'x'));
  });
});

describe('importing: paths, duplicates, DICOM without Patient ID, old dates', () => {
  let app: App & { dataDir: string };
  let home: string;
  const savedHome = process.env.HOME;
  let folder: string;
  let first: ImportSummary & { importId: string };

  beforeAll(async () => {
    // A home folder of our own, so `~/...` and the clinician's allowed folders are ours.
    home = fs.realpathSync(tempDir('carelens-home-'));
    process.env.HOME = home;
    folder = path.join(home, 'Desktop', 'DICOM');
    fs.mkdirSync(folder, { recursive: true });
    fs.copyFileSync(CR, path.join(folder, 'cr.dcm'));
    fs.copyFileSync(CR, path.join(folder, 'cr-copy.dcm')); // the same bytes again: a duplicate within the import
    // Jane Roe without a Patient ID, two studies, the old date form: one "no ID" patient.
    const common = ['-ea', '(0010,0020)', '-i', '(0010,0010)=Roe^Jane', '-i', '(0010,0030)=19600101', '-i', '(0010,0040)=F'];
    modified(MR, path.join(folder, 'jane', 'a.dcm'), [...common, '-i', '(0008,0020)=1999.03.04', '-i', '(0020,000D)=1.2.826.0.1.3680043.10.1.1', '-i', '(0008,0018)=1.2.826.0.1.3680043.10.1.11', '-i', '(0020,000E)=1.2.826.0.1.3680043.10.1.12']);
    modified(MR, path.join(folder, 'jane', 'b.dcm'), [...common.map((a) => a.replace('Roe^Jane', 'ROE^JANE^^')), '-i', '(0008,0020)=20010506', '-i', '(0020,000D)=1.2.826.0.1.3680043.10.1.2', '-i', '(0008,0018)=1.2.826.0.1.3680043.10.1.21', '-i', '(0020,000E)=1.2.826.0.1.3680043.10.1.22']);
    // Neither ID nor name, two different studies: each stays unassigned, as its own study.
    for (const [n, uid] of [['x', '3'], ['y', '4']] as const) {
      modified(MR, path.join(folder, 'nobody', `${n}.dcm`), ['-ea', '(0010,0020)', '-ea', '(0010,0010)', '-i', `(0020,000D)=1.2.826.0.1.3680043.10.1.${uid}`, '-i', `(0008,0018)=1.2.826.0.1.3680043.10.1.${uid}1`, '-i', `(0020,000E)=1.2.826.0.1.3680043.10.1.${uid}2`]);
    }
    fs.copyFileSync(path.join(PNG_DIR, fs.readdirSync(PNG_DIR)[0]!), path.join(folder, 'loose.png'));
    app = createTestApp({ onDisk: true });
    first = value(await callAs(app, 'imaging:import', { paths: ['~/Desktop/DICOM'] }, CLINICIAN));
  });
  afterAll(async () => {
    process.env.HOME = savedHome;
    await app.close();
  });

  it('reads ~/Desktop/DICOM as the folder in the home folder, not <cwd>/~/Desktop/DICOM', async () => {
    expect(first).toMatchObject({ scanned: 7, imported: 6, duplicates: 1, failed: [] });
    const status = value<ImportStatus>(await callAs(app, 'imaging:importStatus', { importId: first.importId }, CLINICIAN));
    expect(status).toMatchObject({ state: 'done', paths: [folder] });
    expect(fs.existsSync(path.join(process.cwd(), '~'))).toBe(false);
  });

  it('groups DICOM without a Patient ID by name and birth date into one patient marked "no ID"', async () => {
    const patients = value<ImagingPatient[]>(await callAs(app, 'imaging:patients', {}, CLINICIAN));
    const jane = patients.find((p) => p.name === 'Roe Jane')!;
    expect(jane).toMatchObject({ studies: 2, images: 2 });
    expect(hasNoId(jane)).toBe(true);
    // Not a number that could pass for a hospital's MRN.
    expect(jane.mrn).toMatch(/^NO-ID:[0-9a-f]{16}$/);
    const record = app.core.db.prepare('SELECT birth_date, sex, notes FROM patients WHERE id = ?').get(jane.patientId) as { birth_date: string; sex: string; notes: string };
    expect(record).toMatchObject({ birth_date: '1960-01-01', sex: 'F' });
    expect(record.notes).toMatch(/Two people can share a name and birth date/);
    // The issue's CR: a placeholder name and no birth date, so its study is a "no ID" patient of its own.
    const anonymized = patients.find((p) => p.name === 'Anonymized')!;
    expect(hasNoId(anonymized)).toBe(true);
    expect(anonymized.mrn).not.toBe(jane.mrn);
    // A patient with a real Patient ID is not marked.
    expect(patients.filter((p) => p.patientId && !hasNoId(p))).toEqual([]);
  });

  it('keeps files with neither ID nor name unassigned, each study on its own, apart from the PNG', async () => {
    const unassigned = value<ImagingPatient[]>(await callAs(app, 'imaging:patients', {}, CLINICIAN)).find((p) => p.patientId === null)!;
    expect(unassigned).toMatchObject({ studies: 2, images: 3 });
    const studies = value<ImagingStudy[]>(await callAs(app, 'imaging:studies', { patientId: null }, CLINICIAN));
    expect(studies.map((s) => s.images).sort()).toEqual([1, 1]);
    const loose = app.core.db.prepare("SELECT COUNT(*) FROM images WHERE patient_id IS NULL AND series_id IS NULL AND format = 'png'").pluck().get();
    expect(loose).toBe(1);
  });

  it('reads the study date in the old form, and from the Acquisition Date when the Study Date is absent', async () => {
    const patients = value<ImagingPatient[]>(await callAs(app, 'imaging:patients', {}, CLINICIAN));
    const janeStudies = value<ImagingStudy[]>(await callAs(app, 'imaging:studies', { patientId: patients.find((p) => p.name === 'Roe Jane')!.patientId }, CLINICIAN));
    expect(janeStudies.map((s) => s.studyDate)).toEqual(['2001-05-06', '1999-03-04']);
    const crStudies = value<ImagingStudy[]>(await callAs(app, 'imaging:studies', { patientId: patients.find((p) => p.name === 'Anonymized')!.patientId }, CLINICIAN));
    expect(crStudies.map((s) => s.studyDate)).toEqual(['1993-02-24']);
  });

  it('lists each duplicate with the file it duplicates, within this import or from an earlier one, in the report and its CSV', async () => {
    const report = value<ImportReport>(await callAs(app, 'imaging:importReport', { importId: first.importId }, CLINICIAN));
    const storedCr = app.core.db.prepare("SELECT id FROM images WHERE original_path = ?").pluck().get(path.join(folder, 'cr-copy.dcm')) ? 'cr-copy.dcm' : 'cr.dcm';
    const dupOf = storedCr === 'cr.dcm' ? 'cr-copy.dcm' : 'cr.dcm';
    expect(report.totalDuplicates).toBe(1);
    expect(report.duplicates).toEqual([
      { path: path.join(folder, dupOf), match: 'same-file', originalImageId: expect.any(String), originalPath: path.join(folder, storedCr), withinImport: true },
    ]);

    // Again, plus one file whose SOP Instance UID is held in other bytes.
    modified(CR, path.join(folder, 'cr-edited.dcm'), ['-i', '(0008,1030)=edited description']);
    const again = value<ImportSummary & { importId: string }>(await callAs(app, 'imaging:import', { paths: [folder] }, CLINICIAN));
    expect(again).toMatchObject({ imported: 0, duplicates: 8 });
    const second = value<ImportReport>(await callAs(app, 'imaging:importReport', { importId: again.importId }, CLINICIAN));
    expect(second.duplicates.every((d) => !d.withinImport)).toBe(true);
    expect(second.duplicates.find((d) => d.path.endsWith('cr-edited.dcm'))).toMatchObject({ match: 'same-instance', originalPath: path.join(folder, storedCr) });
    expect(second.duplicates.find((d) => d.path.endsWith('loose.png'))).toMatchObject({ match: 'same-file', originalPath: path.join(folder, 'loose.png') });

    const { csv } = value<{ csv: string }>(await callAs(app, 'imaging:importReportCsv', { importId: again.importId }, CLINICIAN));
    const lines = csv.trim().split('\r\n');
    expect(lines[0]).toBe('path,outcome,reason,duplicate_of_image,duplicate_of_path,duplicate_from');
    expect(lines).toHaveLength(1 + 8);
    expect(lines.find((l) => l.includes('cr-edited.dcm'))).toContain('same SOP Instance UID');
    expect(lines.find((l) => l.includes('cr-edited.dcm'))).toContain(',an earlier import');
  });
});

describe('folders that are missing, unreadable or empty', () => {
  let app: App & { dataDir: string };
  afterEach(async () => {
    await app?.close();
  });

  it('a missing folder is an error naming it, and no import is recorded', async () => {
    app = createTestApp({ onDisk: true });
    const missing = path.join(tempDir(), 'no-such-folder');
    const r = await callAs(app, 'imaging:importStart', { paths: [missing] });
    expect(r).toMatchObject({ ok: false, error: { code: 'NOT_FOUND', key: 'errors.imaging.importFolderMissing', params: { path: missing }, issues: [{ path: 'paths.0' }] } });
    expect(r.ok ? '' : r.error.message).toContain(missing);
    const tilde = await callAs(app, 'imaging:importStart', { paths: ['~/carelens-surely-not-here-0f3a'] });
    expect(tilde.ok ? '' : tilde.error.message).toContain(`~/carelens-surely-not-here-0f3a (${path.join(os.homedir(), 'carelens-surely-not-here-0f3a')})`);
    expect(value<ImportStatus[]>(await callAs(app, 'imaging:imports', {}))).toEqual([]);
  });

  it('a path that is neither a folder nor a file is refused', async () => {
    app = createTestApp({ onDisk: true });
    const r = await callAs(app, 'imaging:importStart', { paths: ['/dev/null'] });
    expect(r).toMatchObject({ ok: false, error: { code: 'VALIDATION', key: 'errors.imaging.importNotFolder' } });
  });

  it('an empty folder finishes with nothing found (not an error, and not a failure)', async () => {
    app = createTestApp({ onDisk: true });
    const empty = tempDir();
    const summary = value<ImportSummary & { importId: string }>(await callAs(app, 'imaging:import', { paths: [empty] }));
    expect(summary).toMatchObject({ scanned: 0, imported: 0, failed: [] });
    expect(value<ImportStatus>(await callAs(app, 'imaging:importStatus', { importId: summary.importId }))).toMatchObject({ state: 'done', found: 0, error: null });
  });

});
