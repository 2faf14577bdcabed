import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callAs, createTestApp, SHARED_DATA, tempDir } from '../app/testing';
import { createApp, type App } from '../app/createApp';
import { silentLogger } from '../core/logger';
import type { FramePixels, ImagePage, ImagingPatient, ImagingSeries, ImagingStudy, ImportReport, ImportStatus, ImportSummary, Thumbnail } from '../../shared/domain/imaging';
import type { Result } from '../../shared/ipc/envelope';
import { readStored } from './store';
import { storeKeysOf } from './storeKeys';

const DICOM = path.join(SHARED_DATA, 'dicom');
const PNEUMONIA = path.join(SHARED_DATA, 'images', 'pneumoniamnist');

function value<T>(r: Result<unknown>): T {
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
  return r.value as T;
}

describe('importing the shared DICOM folder', () => {
  let app: App & { dataDir: string };
  let summary: ImportSummary & { importId: string };
  const progress: ImportStatus[] = [];

  beforeAll(async () => {
    app = createTestApp({ onDisk: true });
    app.core.events.subscribe((name, payload) => name === 'imaging:progress' && progress.push(payload as ImportStatus));
    summary = value(await callAs(app, 'imaging:import', { paths: [DICOM] }));
  });
  afterAll(() => app.close());

  it('imports every file with its size, counts it as a duplicate, or reports it with a reason', () => {
    const index = fs.readFileSync(path.join(DICOM, 'INDEX.tsv'), 'utf8').trim().split('\n').slice(1).map((l) => l.split('\t'));
    const failed = new Map(summary.failed.map((f) => [f.path, f.reason]));
    const byPath = app.core.db.prepare('SELECT rows, columns, frames, modality FROM images WHERE original_path = ?');
    let imported = 0;
    let duplicates = 0;
    for (const c of index) {
      const file = path.join(DICOM, c[0]!);
      if (file.endsWith('.zip')) continue; // opened: its members are counted below
      const row = byPath.get(file) as { rows: number; columns: number; frames: number; modality: string } | undefined;
      if (row) {
        imported++;
        expect([file, row.rows, row.columns]).toEqual([file, Number(c[8]), Number(c[9])]);
        if (c[7]) expect(row.frames).toBe(Number(c[7]));
      } else if (failed.has(file)) {
        expect(failed.get(file)!.length).toBeGreaterThan(10);
      } else {
        // Same content or same SOP Instance UID as a file imported earlier in the walk.
        duplicates++;
        const sha = createHash('sha256').update(fs.readFileSync(file)).digest('hex');
        const known = app.core.db.prepare('SELECT COUNT(*) FROM images WHERE sha256 = ?').pluck().get(sha) as number;
        expect(known + duplicates).toBeGreaterThan(0);
      }
    }
    // The two ZIPs are opened during the walk: each member is imported, a duplicate, or reported.
    const members = app.core.db.prepare("SELECT COUNT(*) FROM images WHERE original_path LIKE '%.zip!/%'").pluck().get() as number;
    const memberFailures = summary.failed.filter((f) => f.path.includes('.zip!/')).length;
    expect(summary.failed.find((f) => f.path.includes('dwv-test_bad.zip!/'))?.reason).toMatch(/Rows \(0028,0010\) is absent/);
    const zips = index.filter((c) => c[0]!.endsWith('.zip')).length;
    const memberDuplicates = summary.duplicates - duplicates;
    expect(memberDuplicates).toBeGreaterThan(0); // bbmri.zip holds the bbmri series imported from its own files
    expect(imported + members).toBe(summary.imported);
    expect(summary.scanned).toBe(index.length + 1 - zips + members + memberFailures + memberDuplicates); // + INDEX.tsv itself
    expect(summary.failed.find((f) => f.path.endsWith('INDEX.tsv'))?.reason).toBe('not DICOM, PNG or JPEG');
    expect(summary.failed.find((f) => f.path.endsWith('bbmri_series/DICOMDIR'))?.reason).toMatch(/DICOMDIR index/);
  });

  it('reports progress and finishes in the done state with matching counts', () => {
    const last = progress[progress.length - 1]!;
    expect(last).toMatchObject({ state: 'done', phase: 'finished', processed: summary.scanned, imported: summary.imported, failed: summary.failed.length });
    expect(progress.length).toBeGreaterThan(1);
  });

  it('fills patients, studies and series, and browses them down to pixels, thumbnails and tags', async () => {
    const patients = value<ImagingPatient[]>(await callAs(app, 'imaging:patients', {}));
    expect(patients.filter((p) => p.patientId !== null).length).toBe(summary.patients);
    // DICOM files with neither Patient ID nor name (emri_small and its copies) are listed under the unassigned entry.
    expect(patients.find((p) => p.patientId === null)?.images).toBeGreaterThan(0);
    const cr = app.core.db.prepare("SELECT id, patient_id, series_id FROM images WHERE original_path LIKE '%gdcm-CR-MONO1-10-chest.dcm'").get() as { id: string; patient_id: string; series_id: string };
    const studies = value<ImagingStudy[]>(await callAs(app, 'imaging:studies', { patientId: cr.patient_id }));
    expect((await callAs(app, 'imaging:studies', { patientId: 42 })).ok).toBe(false);
    expect(studies.length).toBeGreaterThan(0);
    const crStudy = app.core.db.prepare('SELECT study_id FROM series WHERE id = ?').pluck().get(cr.series_id) as string;
    expect(studies.map((s) => s.id)).toContain(crStudy);
    const series = value<ImagingSeries[]>(await callAs(app, 'imaging:series', { studyId: crStudy }));
    expect(series.find((s) => s.id === cr.series_id)?.modality).toBe('CR');
    const page = value<ImagePage>(await callAs(app, 'imaging:images', { seriesId: cr.series_id }));
    expect(page.items.map((i) => i.id)).toContain(cr.id);
    const frame = value<FramePixels>(await callAs(app, 'imaging:frame', { id: cr.id, frame: 0 }));
    expect(frame).toMatchObject({ width: 440, height: 440, invert: true, encoding: 'int16', samples: 1 });
    expect(frame.data).toBeInstanceOf(Uint8Array);
    expect(frame.data.byteLength).toBe(440 * 440 * 2);
    const thumbs = value<Thumbnail[]>(await callAs(app, 'imaging:thumbnails', { ids: [cr.id] }));
    expect(thumbs[0]!.dataUrl).toMatch(/^data:image\/png;base64,/);
    const tags = value<{ name: string; value: string }[]>(await callAs(app, 'imaging:tags', { id: cr.id }));
    expect(tags.find((t) => t.name === 'Modality')?.value).toBe('CR');
    const rg1 = app.core.db.prepare("SELECT id FROM images WHERE original_path LIKE '%RG1_J2KI.dcm'").pluck().get() as string;
    const preview = value<FramePixels>(await callAs(app, 'imaging:frame', { id: rg1, preview: true }));
    expect(preview).toMatchObject({ reduced: true, fullWidth: 1841, fullHeight: 1955, width: 231, height: 245 });
    const multi = app.core.db.prepare("SELECT id FROM images WHERE original_path LIKE '%emri_small.dcm'").pluck().get() as string;
    const f9 = value<FramePixels>(await callAs(app, 'imaging:frame', { id: multi, frame: 9 }));
    expect([f9.frame, f9.frames]).toEqual([9, 10]);
  });

  it('keeps the report and exports it as CSV', async () => {
    const report = value<ImportReport>(await callAs(app, 'imaging:importReport', { importId: summary.importId }));
    expect(report.failures.length).toBe(summary.failed.length);
    const { csv, fileName } = value<{ csv: string; fileName: string }>(await callAs(app, 'imaging:importReportCsv', { importId: summary.importId }));
    expect(fileName).toMatch(/\.csv$/);
    expect(csv.split('\r\n')[0]).toBe('path,outcome,reason,duplicate_of_image,duplicate_of_path,duplicate_from');
    // Failures, then each duplicate with the image it duplicates (every one listed, none only counted).
    expect(report.totalDuplicates).toBe(summary.duplicates);
    expect(csv.split('\r\n').length).toBe(summary.failed.length + summary.duplicates + 2);
  });

  it('refuses bad input with field issues and unknown ids with NOT_FOUND', async () => {
    const bad = await callAs(app, 'imaging:importStart', { paths: [] });
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.error.code).toBe('VALIDATION');
    const extra = await callAs(app, 'imaging:import', { paths: [DICOM], evil: true });
    expect(extra.ok ? null : extra.error.code).toBe('VALIDATION');
    const both = await callAs(app, 'imaging:importStart', { paths: [DICOM], patientId: 'x', patientFromFolders: true });
    expect(both.ok ? null : both.error.code).toBe('VALIDATION');
    const unknownPatient = await callAs(app, 'imaging:importStart', { paths: [DICOM], patientId: 'no-such-mrn' });
    expect(unknownPatient.ok ? null : unknownPatient.error.code).toBe('NOT_FOUND');
    for (const [channel, input] of [
      ['imaging:importStatus', { importId: 'nope' }],
      ['imaging:importReport', { importId: 'nope' }],
      ['imaging:image', { id: 'nope' }],
      ['imaging:frame', { id: 'nope' }],
      ['imaging:tags', { id: 'nope' }],
    ] as const) {
      const r = await callAs(app, channel, input);
      expect([channel, r.ok ? 'ok' : r.error.code]).toEqual([channel, 'NOT_FOUND']);
    }
    const frameTooFar = await callAs(app, 'imaging:frame', { id: app.core.db.prepare('SELECT id FROM images LIMIT 1').pluck().get(), frame: 99 });
    expect(frameTooFar.ok ? null : frameTooFar.error.code).toBe('VALIDATION');
    expect((await callAs(app, 'imaging:thumbnails', { ids: [] })).ok).toBe(false);
    expect((await callAs(app, 'imaging:frame', { id: 'x', frame: -1 })).ok).toBe(false);
  });
});

describe('importing PNGs with labels from folders', () => {
  it('labels by folder (prefix dropped), records splits, dedupes by content, and a re-run adds nothing', async () => {
    const app = createTestApp({ onDisk: true });
    try {
      const first = value<ImportSummary>(await callAs(app, 'imaging:import', { paths: [PNEUMONIA], labelsFromFolders: true }));
      // 3,166 PNGs, of which 8 are byte-identical copies of others (some across train/val): stored once.
      expect(first).toMatchObject({ scanned: 3167, imported: 3158, duplicates: 8, patients: 0, studies: 0, series: 0 });
      expect(first.failed).toEqual([{ path: path.join(PNEUMONIA, 'labels.csv'), reason: 'not DICOM, PNG or JPEG' }]);
      const set = app.core.db.prepare("SELECT id, created_by FROM label_sets WHERE name = 'pneumoniamnist'").get() as { id: string; created_by: string };
      expect(set.created_by).toBe('system');
      expect(app.core.db.prepare('SELECT idx, name FROM label_classes WHERE label_set_id = ? ORDER BY idx').all(set.id)).toEqual([
        { idx: 0, name: 'normal' },
        { idx: 1, name: 'pneumonia' },
      ]);
      const splits = Object.fromEntries((app.core.db.prepare('SELECT predefined_split s, COUNT(*) n FROM images GROUP BY 1').all() as { s: string; n: number }[]).map((r) => [r.s, r.n]));
      expect(splits).toEqual({ train: 2423, val: 267, test: 468 });
      const labelRows = app.core.db.prepare("SELECT COUNT(*) FROM labels WHERE source = 'imported' AND author = 'system' AND label_set_id = ?").pluck().get(set.id);
      expect(labelRows).toBe(3158);
      const one = app.core.db.prepare("SELECT l.class_name FROM labels l JOIN images i ON i.id = l.image_id WHERE i.original_path LIKE '%/test/1_pneumonia/%' LIMIT 1").pluck().get();
      expect(one).toBe('pneumonia');
      const unassigned = value<ImagePage>(await callAs(app, 'imaging:images', { unassigned: true, limit: 5 }));
      expect(unassigned.total).toBe(3158);
      expect(unassigned.items[0]!.labels[0]!.labelSet).toBe('pneumoniamnist');

      const again = value<ImportSummary>(await callAs(app, 'imaging:import', { paths: [PNEUMONIA], labelsFromFolders: true }));
      expect(again).toMatchObject({ scanned: 3167, imported: 0, duplicates: 3166 });
      expect(app.core.db.prepare('SELECT COUNT(*) FROM labels').pluck().get()).toBe(3158);
    } finally {
      await app.close();
    }
  });

  it('cancel keeps what was imported and a second run completes the rest', async () => {
    const app = createTestApp({ onDisk: true });
    try {
      let cancelled = false;
      const done = new Promise<ImportStatus>((resolve) => {
        app.core.events.subscribe((name, payload) => {
          const s = payload as ImportStatus;
          if (name !== 'imaging:progress') return;
          if (!cancelled && s.imported > 0) {
            cancelled = true;
            void callAs(app, 'imaging:importCancel', { importId: s.importId });
          }
          if (s.state !== 'running') resolve(s);
        });
      });
      value(await callAs(app, 'imaging:importStart', { paths: [PNEUMONIA] }));
      const stopped = await done;
      expect(stopped.state).toBe('cancelled');
      expect(stopped.imported).toBeLessThan(3158);
      expect(app.core.db.prepare('SELECT COUNT(*) FROM images').pluck().get()).toBe(stopped.imported);
      const rest = value<ImportSummary>(await callAs(app, 'imaging:import', { paths: [PNEUMONIA] }));
      expect(stopped.imported + rest.imported).toBe(3158);
    } finally {
      await app.close();
    }
  });
});

describe('killing the process mid-import', () => {
  it('leaves a database that passes integrity_check, holds every image it said it imported, and the next import completes the rest', async () => {
    const dataDir = tempDir('carelens-kill-');
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, 'fixtures/importChild.ts'), dataDir, PNEUMONIA], { stdio: ['ignore', 'pipe', 'pipe'] });
    let saidImported = 0;
    let buffer = '';
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('the child never reported progress')), 60_000);
      child.stdout.on('data', (chunk: Buffer) => {
        buffer += chunk.toString();
        let nl: number;
        while ((nl = buffer.indexOf('\n')) >= 0) {
          const line = buffer.slice(0, nl);
          buffer = buffer.slice(nl + 1);
          const s = JSON.parse(line) as ImportStatus;
          if (s.imported > saidImported) saidImported = s.imported;
          if (saidImported >= 300) {
            child.kill('SIGKILL');
            clearTimeout(timer);
            resolve();
          }
        }
      });
      child.on('exit', () => resolve());
    });
    await new Promise((r) => child.once('exit', r).once('close', r));
    expect(saidImported).toBeGreaterThanOrEqual(300);

    const app = createApp({ dataDir, runtime: 'test', logger: silentLogger });
    try {
      const db = app.core.db;
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
      const row = db.prepare('SELECT id, state, imported FROM imports').get() as { id: string; state: string; imported: number };
      expect(row.state).toBe('interrupted'); // marked when the app next opened
      expect(row.imported).toBeLessThan(3158); // it really was killed mid-way
      const images = db.prepare('SELECT sha256 FROM images').pluck().all() as string[];
      expect(images.length).toBe(row.imported);
      expect(images.length).toBeGreaterThanOrEqual(saidImported);
      for (const sha of images) {
        const bytes = readStored(app.core.paths.store, sha, storeKeysOf(app.core.db))!;
        expect(createHash('sha256').update(bytes).digest('hex')).toBe(sha);
      }
      const rest = value<ImportSummary>(await callAs(app, 'imaging:import', { paths: [PNEUMONIA], labelsFromFolders: true }));
      expect(row.imported + rest.imported).toBe(3158);
      expect(db.prepare('SELECT COUNT(*) FROM images').pluck().get()).toBe(3158);
    } finally {
      await app.close();
    }
  });
});

describe('the one write path', () => {
  it('refuses to import into an in-memory database (the worker writes on its own connection) and records nothing', async () => {
    const app = createTestApp();
    try {
      const r = await callAs(app, 'imaging:importStart', { paths: [PNEUMONIA] });
      expect(r.ok ? null : r.error.code).toBe('UNSUPPORTED');
      expect(app.core.db.prepare('SELECT COUNT(*) FROM imports').pluck().get()).toBe(0);
    } finally {
      await app.close();
    }
  });
});
