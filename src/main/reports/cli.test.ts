import fs from 'node:fs';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { main } from '../../cli';
import { tempDir } from '../app/testing';

function io() {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d) => (out += String(d)));
  stderr.on('data', (d) => (err += String(d)));
  return { io: { stdout, stderr, isTty: false }, out: () => out, err: () => err };
}

describe('carelens report', () => {
  it('exports patients named by MRN or id to a folder, and refuses wrong usage', async () => {
    const dataDir = tempDir();
    const add = io();
    expect(await main(['--data-dir', dataDir, '--json', 'patients', 'add', '--name', '张伟', '--mrn', 'Z1', '--birth-date', '1970-02-03'], add.io)).toBe(0);
    const id = JSON.parse(add.out()).id as string;
    expect(await main(['--data-dir', dataDir, 'patients', 'add', '--name', 'Ada Lovelace', '--mrn', 'A1'], io().io)).toBe(0);
    const out = path.join(tempDir(), 'reports');
    const run = io();
    expect(await main(['--data-dir', dataDir, '--json', 'report', 'Z1', id, 'A1', '--format', 'csv', '--deidentify', '--out', out], run.io)).toBe(0);
    const job = JSON.parse(run.out());
    expect(job).toMatchObject({ state: 'done', total: 2, done: 2, deidentified: true, startedBy: 'system' });
    const files = fs.readdirSync(out).sort();
    expect(files).toHaveLength(3);
    expect(files).toContain('index.csv');
    for (const f of files) expect(fs.readFileSync(path.join(out, f), 'utf8')).not.toMatch(/张伟|Ada Lovelace|1970-02-03/);

    const again = io();
    expect(await main(['--data-dir', dataDir, 'report', 'A1', '--out', out], again.io)).toBe(1);
    expect(again.err()).toContain('not empty');
    expect(await main(['--data-dir', dataDir, 'report', '--format', 'pdf'], io().io)).toBe(2);
    expect(await main(['--data-dir', dataDir, 'report', 'A1', '--format', 'xml'], io().io)).toBe(2);
    expect(await main(['--data-dir', dataDir, 'report', 'A1', '--bogus'], io().io)).toBe(2);
  });
});
