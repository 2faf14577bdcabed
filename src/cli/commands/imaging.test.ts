import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { SHARED_DATA, tempDir } from '../../main/app/testing';
import { runCli } from '../testing';

const run = runCli;

describe('carelens import / images list', () => {
  it('prints exactly the summary object with --json, then lists the images', async () => {
    const dataDir = tempDir('carelens-cli-imaging-');
    const folder = path.join(SHARED_DATA, 'dicom', 'ivmartel_dwv', 'bbmri_series');
    const r = await run(['import', folder, '--labels-from-folders', '--json', '--data-dir', dataDir]);
    expect(r.code).toBe(0);
    const summary = JSON.parse(r.out) as Record<string, unknown>;
    expect(Object.keys(summary)).toEqual(['scanned', 'imported', 'duplicates', 'failed', 'patients', 'studies', 'series', 'images']);
    // bbmri.zip is opened: its two members are copies of two slices met earlier in the walk.
    expect(summary).toMatchObject({ scanned: 10, imported: 6, duplicates: 2, patients: 1, studies: 1, series: 1, images: 6 });
    expect((summary.failed as { path: string }[]).map((f) => path.basename(f.path)).sort()).toEqual(['DICOMDIR', 'bbmri.dcmdir']);

    const list = await run(['images', 'list', '--json', '--data-dir', dataDir]);
    expect(list.code).toBe(0);
    const page = JSON.parse(list.out) as { total: number; items: { modality: string; rows: number; labels: { labelSet: string; className: string }[] }[] };
    expect(page.total).toBe(6);
    // Files directly in the given folder have no class folder, so no label.
    expect(page.items[0]).toMatchObject({ modality: 'MR', rows: 256, labels: [] });

    const again = await run(['import', folder, '--json', '--data-dir', dataDir]);
    expect(JSON.parse(again.out)).toMatchObject({ imported: 0, duplicates: 8 });
  });

  it('refuses a folder that does not exist with an error naming it, not a crash and not an empty success', async () => {
    const dataDir = tempDir('carelens-cli-imaging-');
    const missing = path.join(dataDir, 'no-such-folder');
    const r = await run(['import', missing, '--json', '--data-dir', dataDir]);
    expect(r.code).not.toBe(0);
    expect(`${r.out}${r.err}`).toContain(`The folder ${missing} does not exist`);
  });

  it('exits 2 with the usage for a missing folder argument or an unknown option', async () => {
    expect((await run(['import', '--json'])).code).toBe(2);
    expect((await run(['import', 'x', '--bogus'])).code).toBe(2);
    expect((await run(['images', 'list', '--limit', 'many'])).code).toBe(2);
  });
});

describe('carelens import-report', () => {
  it('lists duplicates with the file each duplicates, as --json and the CSV do, beside the failures', async () => {
    const dataDir = tempDir('carelens-cli-report-');
    const folder = path.join(SHARED_DATA, 'dicom', 'ivmartel_dwv', 'bbmri_series');
    const first = await run(['import', folder, '--data-dir', dataDir]);
    const importId = /Import (\S+)/.exec(first.out)![1]!;
    const json = JSON.parse((await run(['import-report', importId, '--json', '--data-dir', dataDir])).out) as { duplicates: { path: string; originalPath: string; withinImport: boolean }[]; failures: { path: string }[] };
    expect(json.duplicates.length).toBe(2);

    const text = await run(['import-report', importId, '--data-dir', dataDir]);
    expect(text.code).toBe(0);
    const lines = text.out.split('\n');
    for (const f of json.failures) expect(lines).toContainEqual(expect.stringContaining(`  ${f.path}: `));
    expect(lines).toContainEqual('Duplicates, not stored again (2):');
    for (const d of json.duplicates) {
      // Each duplicate on its line, naming the stored file it copies and where that came from.
      const line = lines.find((l) => l.startsWith(`  ${d.path}: `));
      expect(line).toContain(d.originalPath);
      expect(line).toContain(d.withinImport ? 'earlier in this import' : 'from an earlier import');
    }

    // Importing again: every file is a duplicate of the first import's copy.
    const again = /Import (\S+)/.exec((await run(['import', folder, '--data-dir', dataDir])).out)![1]!;
    const second = (await run(['import-report', again, '--data-dir', dataDir])).out;
    expect(second).toContain('Duplicates, not stored again (8):');
    expect(second.split('\n').filter((l) => l.includes('from an earlier import'))).toHaveLength(8);
    expect(second).not.toContain('Not imported (0)');
  });
});
