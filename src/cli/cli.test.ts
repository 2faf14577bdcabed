import { describe, expect, it } from 'vitest';
import { tempDir } from '../main/app/testing';
import { runCli } from './testing';

const cli = runCli;

describe('carelens CLI', () => {
  it('prints help with every command', async () => {
    const r = await cli(['--help']);
    expect(r.code).toBe(0);
    expect(r.out).toContain('serve');
    expect(r.out).toContain('patients');
  });

  it('adds and lists patients as JSON on one data folder; a duplicate MRN fails with exit 1 and changes nothing', async () => {
    const dir = tempDir();
    const add = await cli(['patients', 'add', '--name', 'Ada Lovelace', '--mrn', 'A1', '--birth-date', '1815-12-10', '--json', '--data-dir', dir]);
    expect(add.code).toBe(0);
    const ada = JSON.parse(add.out);
    expect(ada).toMatchObject({ name: 'Ada Lovelace', mrn: 'A1', birthDate: '1815-12-10' });
    const dup = await cli(['--data-dir', dir, 'patients', 'add', '--name', 'Other', '--mrn', 'A1']);
    expect(dup.code).toBe(1);
    expect(dup.out).toBe('');
    expect(dup.err).toContain('MRN A1 already belongs to another patient');
    const list = await cli(['patients', 'list', '--json', '--data-dir', dir]);
    expect(list.code).toBe(0);
    expect(JSON.parse(list.out)).toEqual({ items: [ada], total: 1 });
    const show = await cli(['patients', 'show', 'A1', '--json', '--data-dir', dir]);
    expect(JSON.parse(show.out)).toEqual(ada);
  });

  it('reports wrong usage with exit 2 and validation errors with exit 1', async () => {
    const dir = tempDir();
    expect((await cli(['nonsense', '--data-dir', dir])).code).toBe(2);
    expect((await cli(['patients', 'add', '--bogus', 'x', '--data-dir', dir])).code).toBe(2);
    const invalid = await cli(['patients', 'add', '--name', 'X', '--mrn', 'Y', '--birth-date', 'yesterday', '--data-dir', dir, '--json']);
    expect(invalid.code).toBe(1);
    expect(JSON.parse(invalid.err).error).toMatchObject({ code: 'VALIDATION', issues: [{ path: 'birthDate' }] });
    expect((await cli(['patients', 'show', 'nobody', '--data-dir', dir])).code).toBe(1);
  });
});
