import { describe, expect, it } from 'vitest';
import { tempDir } from '../../main/app/testing';
import { runCli } from '../testing';

describe('carelens patients allergy', () => {
  it('records, lists, removes and states "no known allergies"; show has the allergy line', async () => {
    const dir = tempDir();
    expect((await runCli(['patients', 'add', '--name', 'Grace Hopper', '--mrn', 'GH1', '--data-dir', dir])).code).toBe(0);
    expect((await runCli(['patients', 'show', 'GH1', '--data-dir', dir])).out).toMatch(/^allergies {2}Allergies not recorded$/m);

    const added = await runCli(['patients', 'allergy', 'add', 'GH1', '--substance', 'penicillin', '--reaction', 'anaphylaxis', '--severity', 'Severe', '--json', '--data-dir', dir]);
    expect(added.code).toBe(0);
    const record = JSON.parse(added.out);
    expect(record).toMatchObject({ status: 'recorded', allergies: [{ substance: 'penicillin', reaction: 'anaphylaxis', severity: 'severe', recordedBy: 'system' }] });
    expect((await runCli(['patients', 'show', 'GH1', '--data-dir', dir])).out).toMatch(/^allergies {2}penicillin, anaphylaxis, severe$/m);
    const listed = await runCli(['patients', 'allergy', 'list', 'GH1', '--data-dir', dir]);
    expect(listed.out).toContain(`${record.allergies[0].id}  penicillin — anaphylaxis (severe)`);

    const refused = await runCli(['patients', 'allergy', 'none', 'GH1', '--data-dir', dir]);
    expect(refused.code).toBe(1);
    expect(refused.err).toContain('remove them first');
    const bad = await runCli(['patients', 'allergy', 'add', 'GH1', '--substance', 'x', '--code', 'abc', '--code-system', 'SNOMED CT', '--json', '--data-dir', dir]);
    expect(bad.code).toBe(1);
    expect(JSON.parse(bad.err).error).toMatchObject({ code: 'VALIDATION', issues: [{ path: 'allergy.code' }] });
    expect((await runCli(['patients', 'allergy', 'add', '--data-dir', dir])).code).toBe(2);
    expect((await runCli(['patients', 'allergy', 'forget', 'GH1', '--data-dir', dir])).code).toBe(2);

    const removed = await runCli(['patients', 'allergy', 'remove', 'GH1', record.allergies[0].id, '--reason', 'entered in error', '--data-dir', dir]);
    expect(removed.code).toBe(0);
    expect(removed.out).toContain('Allergies not recorded');
    const none = await runCli(['patients', 'allergy', 'none', 'GH1', '--data-dir', dir]);
    expect(none.out).toMatch(/^No known allergies \(stated by system, \d{4}-\d\d-\d\d\)$/m);
    expect((await runCli(['patients', 'show', 'GH1', '--data-dir', dir])).out).toContain('No known allergies');
  });
});
