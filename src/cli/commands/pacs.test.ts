import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../../main/app/testing';
import { orthancAvailable, startOrthanc, type OrthancInstance } from '../../main/pacs/protocol/orthancHarness';
import { TEST_FILES } from '../../main/pacs/testPacs';
import { runCli } from '../testing';

const skip = orthancAvailable();
if (skip) console.warn(`carelens pacs CLI tests skipped: ${skip}`);

describe('carelens pacs: usage', () => {
  it('answers a wrong command line with exit code 2 and a bad node with words', async () => {
    const dir = tempDir();
    expect((await runCli(['pacs', 'frobnicate', '--data-dir', dir])).code).toBe(2);
    expect((await runCli(['pacs', 'retrieve', 'X', '--data-dir', dir])).code).toBe(2);
    const bad = await runCli(['pacs', 'add', 'X', '--json', '--data-dir', dir]);
    expect(bad.code).toBe(1);
    expect(JSON.parse(bad.err).error.code).toBe('VALIDATION');
    const none = await runCli(['pacs', 'echo', 'Nowhere', '--json', '--data-dir', dir]);
    expect(none.code).toBe(1);
    expect(JSON.parse(none.err).error.message).toMatch(/No PACS node "Nowhere"/);
  });
});

describe.skipIf(skip !== null)('carelens pacs against Orthanc', () => {
  let orthanc: OrthancInstance;
  beforeAll(async () => {
    orthanc = await startOrthanc();
    await orthanc.upload(TEST_FILES);
  }, 60_000);
  afterAll(async () => {
    await orthanc?.stop();
  });

  it('adds, lists, echoes, queries, retrieves (twice) and removes, each --json printing one value', async () => {
    const dir = tempDir();
    const pw = path.join(dir, 'pw.txt');
    fs.writeFileSync(pw, 'not-needed-by-orthanc\n');
    const added = await runCli(['pacs', 'add', 'Orthanc', '--dicomweb', orthanc.dicomWebUrl, '--user', 'carelens', '--password-file', pw, '--aet', orthanc.aet, '--host', '127.0.0.1', '--port', String(orthanc.dicomPort), '--calling-aet', 'CARELENS', '--json', '--data-dir', dir]);
    expect(added.code, added.err).toBe(0);
    expect(JSON.parse(added.out)).toMatchObject({ name: 'Orthanc', dicomweb: { auth: 'basic', hasSecret: true }, dimse: { calledAet: orthanc.aet, port: orthanc.dicomPort } });
    expect(added.out).not.toContain('not-needed-by-orthanc');
    const list = JSON.parse((await runCli(['pacs', 'list', '--json', '--data-dir', dir])).out);
    expect(list).toHaveLength(1);

    const echo = await runCli(['pacs', 'echo', 'Orthanc', '--json', '--data-dir', dir]);
    const e = JSON.parse(echo.out);
    expect(e.dicomweb).toMatchObject({ ok: true });
    expect(Object.keys(e).sort()).toEqual(['dicomweb', 'dimse']);

    const q = await runCli(['pacs', 'query', 'Orthanc', '--study-date', '20120101-20121231', '--modality', 'MR', '--json', '--data-dir', dir]);
    expect(q.code, q.err).toBe(0);
    const studies = JSON.parse(q.out);
    expect(studies).toHaveLength(1);
    expect(studies[0]).toMatchObject({ patientName: '20120215_ASLtest_human', studyDate: '20120215', numberOfInstances: 6 });
    for (const k of ['studyInstanceUid', 'patientId', 'patientName', 'studyDate', 'modalities', 'numberOfSeries', 'numberOfInstances']) expect(studies[0]).toHaveProperty(k);

    const r = await runCli(['pacs', 'retrieve', 'Orthanc', '--study', studies[0].studyInstanceUid, '--json', '--data-dir', dir]);
    expect(r.code, r.err).toBe(0);
    expect(JSON.parse(r.out)).toMatchObject({ scanned: 6, imported: 6, duplicates: 0, failed: [] });
    const again = JSON.parse((await runCli(['pacs', 'retrieve', 'Orthanc', '--study', studies[0].studyInstanceUid, '--json', '--data-dir', dir])).out);
    expect(again).toMatchObject({ imported: 0, alreadyStored: 6, fetched: 0 });

    const unreviewed = await runCli(['pacs', 'send', 'Orthanc', '--diagnosis', 'no-such-diagnosis', '--json', '--data-dir', dir]);
    expect(unreviewed.code).toBe(1);
    expect(JSON.parse(unreviewed.err).error.code).toBe('NOT_FOUND');

    expect(JSON.parse((await runCli(['pacs', 'remove', 'Orthanc', '--json', '--data-dir', dir])).out)).toEqual({ removed: true });
    expect(JSON.parse((await runCli(['pacs', 'list', '--json', '--data-dir', dir])).out)).toEqual([]);
  }, 120_000);
});
