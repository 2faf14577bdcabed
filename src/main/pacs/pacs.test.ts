import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { callAs, createTestApp, ok, tempDir } from '../app/testing';
import type { App } from '../app/createApp';
import type { CallContext } from '../ipc/dispatch';
import { databaseKeyOf } from '../db/connection';
import { imagesOfPatient } from '../imaging/ports';
import { patientIdByMrn } from '../patients/ports';
import { ADMIN, CLINICIAN } from '../ml/testFindings';
import type { PacsNode, RetrieveStatus, RetrieveSummary, SendResult } from '../../shared/domain/pacs';
import { createPacsFeature } from './index';
import { addDiagnosis, fakePacs } from './testPacs';

const apps: App[] = [];
afterEach(async () => {
  while (apps.length) await apps.pop()!.close();
});

const ctx: CallContext = { transport: 'test', actor: CLINICIAN };

async function setup(research = false) {
  const app = createTestApp({ onDisk: true });
  apps.push(app);
  const fake = fakePacs();
  const feature = createPacsFeature(app.core, { imaging: app.features.imaging, clients: { dicomweb: () => fake.client, dimse: () => fake.client } });
  apps.push({ close: () => feature.dispose() } as unknown as App);
  const node = await ok<PacsNode>(callAs(app, 'pacs:addNode', { name: research ? 'Research' : 'Clinic PACS', dicomweb: { baseUrl: 'http://127.0.0.1:1/dicom-web', auth: { kind: 'basic', user: 'carelens', password: 's3cret-pass' } }, research }, ADMIN));
  const studyUids = [...new Set(fake.held.map((h) => h.ref.studyInstanceUid))];
  const retrieve = (extra: Partial<{ seriesUids: string[] }> = {}) => feature.handlers['pacs:retrieve']({ nodeId: node.id, studyUids, ...extra }, ctx) as Promise<RetrieveSummary>;
  return { app, fake, feature, node, studyUids, retrieve };
}

function dcmtk(tool: string, file: string): string | null {
  try {
    return execFileSync(tool, [file], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

describe('PACS nodes', () => {
  it('an administrator adds a node; its secret is sealed in the database and never returned', async () => {
    const { app, node } = await setup();
    expect(node.dicomweb).toEqual({ baseUrl: 'http://127.0.0.1:1/dicom-web', auth: 'basic', user: 'carelens', hasSecret: true, hasCa: false });
    const listed = await ok<PacsNode[]>(callAs(app, 'pacs:nodes', {}, CLINICIAN));
    expect(JSON.stringify(listed)).not.toContain('s3cret-pass');
    const raw = app.core.db.prepare('SELECT auth_secret FROM pacs_nodes WHERE id = ?').pluck().get(node.id) as Buffer;
    expect(databaseKeyOf(app.core.db)).not.toBeNull();
    expect(Buffer.from(raw).toString('latin1')).not.toContain('s3cret-pass');
    // The audit row of the add does not hold the password either.
    const audit = JSON.stringify(app.core.db.prepare("SELECT detail FROM audit_log WHERE channel = 'pacs:addNode'").all());
    expect(audit).not.toContain('s3cret-pass');
  });

  it('refuses a clinician, a node without a protocol, a bad URL and a bad AE title', async () => {
    const app = createTestApp();
    apps.push(app);
    const clinician = await callAs(app, 'pacs:addNode', { name: 'X', dicomweb: { baseUrl: 'http://127.0.0.1:1' } }, CLINICIAN);
    expect(clinician.ok ? null : clinician.error.code).toBe('FORBIDDEN');
    for (const bad of [{ name: 'X' }, { name: 'X', dicomweb: { baseUrl: 'ftp://x' } }, { name: 'X', dimse: { calledAet: 'A\\B', host: '127.0.0.1', port: 104 } }, { name: 'X', dimse: { calledAet: 'ORTHANC', host: '127.0.0.1', port: 0 } }, { name: 'X', dimse: { calledAet: 'ORTHANC', host: '127.0.0.1', port: 104, retrieve: 'move' } }]) {
      const r = await callAs(app, 'pacs:addNode', bad, ADMIN);
      expect(r.ok ? null : r.error.code, JSON.stringify(bad)).toBe('VALIDATION');
    }
    const r = await callAs(app, 'pacs:query', { nodeId: 'nope' }, CLINICIAN);
    expect(r.ok ? null : r.error.code).toBe('NOT_FOUND');
  });
});

describe('PACS retrieve into the import pipeline', () => {
  it('imports every instance with patients, studies and series from the tags; a re-retrieve imports nothing', async () => {
    const { app, fake, feature, retrieve } = await setup();
    const first = await retrieve();
    expect(first.state).toBe('done');
    expect(first.failed).toEqual([]);
    expect(first.imported).toBe(fake.held.length);
    const status = feature.retriever.status(first.retrieveId);
    expect(status.bytes).toBe(fake.held.reduce((n, h) => n + h.bytes.length, 0));
    expect(first.studies).toBe(3);
    expect(first.retrievedStudies.every((s) => s.studyId)).toBe(true);
    const mr = patientIdByMrn(app.core.db, fake.held[0]!.patientId)!;
    expect(imagesOfPatient(app.core.db, mr)).toHaveLength(6);
    expect(first.patientIds).toContain(mr);

    const again = await retrieve();
    expect(again).toMatchObject({ state: 'done', found: fake.held.length, alreadyStored: fake.held.length, fetched: 0, imported: 0 });
    expect(fake.fetched).toHaveLength(fake.held.length);
  });

  it('retrieves only the series asked for', async () => {
    const { fake, retrieve } = await setup();
    const s = await retrieve({ seriesUids: [fake.held[0]!.ref.seriesInstanceUid] });
    expect(s.imported).toBe(6);
  });

  it('reports an instance that fails and one that arrives truncated, stores the rest, and resumes', async () => {
    const { fake, feature, retrieve } = await setup();
    const [a, b] = [fake.held[1]!.ref.sopInstanceUid, fake.held[6]!.ref.sopInstanceUid];
    fake.faults.fail.add(a);
    fake.faults.truncate.add(b);
    const s = await retrieve();
    expect(s.imported).toBe(fake.held.length - 2);
    expect(s.failed.map((f) => f.path).sort()).toEqual([`pacs://Clinic PACS/${a}`, `pacs://Clinic PACS/${b}`].sort());
    expect(s.failed.find((f) => f.path.endsWith(a))!.reason).toMatch(/404/);
    fake.faults.fail.clear();
    fake.faults.truncate.clear();
    feature.retriever.resume(s.retrieveId, { actor: 'carol', ctx });
    await feature.retriever.waitFor(s.retrieveId);
    const resumed = feature.retriever.summary(s.retrieveId);
    // The truncated copy's bytes were stored in no image row: the resume fetches both again.
    expect(resumed).toMatchObject({ state: 'done', alreadyStored: fake.held.length - 2, fetched: 2, imported: 2, failed: [] });
  });

  it('is cancelled midway, keeps what it stored, and resumes without fetching it again', async () => {
    const { fake, feature, node, studyUids } = await setup();
    fake.faults.delayMs = 40;
    const events: RetrieveStatus[] = [];
    const started = feature.retriever.start({ nodeId: node.id, studyUids }, { actor: 'carol', ctx });
    await new Promise<void>((resolve) => {
      const timer = setInterval(() => {
        const s = feature.retriever.status(started.retrieveId);
        events.push(s);
        if (s.fetched >= 3) {
          clearInterval(timer);
          feature.retriever.cancel(started.retrieveId);
          resolve();
        }
      }, 10);
    });
    await feature.retriever.waitFor(started.retrieveId);
    const cancelled = feature.retriever.summary(started.retrieveId);
    expect(cancelled.state).toBe('cancelled');
    expect(cancelled.imported).toBeGreaterThanOrEqual(3);
    expect(cancelled.imported).toBeLessThan(fake.held.length);
    expect(events.some((e) => e.phase === 'fetching' && e.found === fake.held.length)).toBe(true);
    fake.faults.delayMs = 0;
    feature.retriever.resume(started.retrieveId, { actor: 'carol', ctx });
    await feature.retriever.waitFor(started.retrieveId);
    const done = feature.retriever.summary(started.retrieveId);
    expect(done.state).toBe('done');
    expect(done.alreadyStored + done.imported).toBe(fake.held.length);
    // Nothing was fetched twice.
    expect(new Set(fake.fetched).size).toBe(fake.fetched.length);
  });

  it('a PACS that is down fails the retrieve with words, storing nothing', async () => {
    const { app, fake, retrieve } = await setup();
    fake.faults.down = true;
    const s = await retrieve();
    expect(s.state).toBe('failed');
    expect(s.imported).toBe(0);
    expect(s.failed[0]!.reason).toMatch(/cannot be reached/);
    expect(app.core.db.prepare('SELECT COUNT(*) FROM images').pluck().get()).toBe(0);
  });
});

describe('sending reviewed findings', () => {
  async function withImage(research = false) {
    const s = await setup(research);
    await s.retrieve();
    const chest = s.fake.held[6]!; // the CR chest image
    const imageId = s.app.core.db.prepare('SELECT id FROM images WHERE sop_instance_uid = ?').pluck().get(chest.ref.sopInstanceUid) as string;
    return { ...s, imageId, chest, diagnosisId: addDiagnosis(s.app, imageId) };
  }

  it('refuses an unreviewed diagnosis, sending nothing', async () => {
    const { fake, feature, node, diagnosisId } = await withImage();
    await expect(feature.handlers['pacs:send']({ nodeId: node.id, diagnosisIds: [diagnosisId] }, ctx)).rejects.toThrow(/not been reviewed/);
    expect(fake.stored).toHaveLength(0);
  });

  it('sends an SR that dsrdump reads back with the model version and reviewer, and a marked Secondary Capture', async () => {
    const { app, fake, feature, node, diagnosisId, chest } = await withImage();
    await ok(callAs(app, 'ml:review', { diagnosisId, decision: 'override', className: 'normal', reason: 'Clear lungs on my reading' }, CLINICIAN));
    const r = (await feature.handlers['pacs:send']({ nodeId: node.id, diagnosisIds: [diagnosisId] }, ctx)) as SendResult;
    expect(r.sent).toEqual([expect.objectContaining({ diagnosisId, ok: true, deidentified: false })]);
    expect(fake.stored).toHaveLength(2);
    const dir = tempDir();
    const [srFile, scFile] = [path.join(dir, 'sr.dcm'), path.join(dir, 'sc.dcm')];
    fs.writeFileSync(srFile, fake.stored[0]!);
    fs.writeFileSync(scFile, fake.stored[1]!);
    const sr = dcmtk('dsrdump', srFile);
    if (sr === null) return console.warn('dsrdump (dcmtk) is not installed: the SR was not read back');
    expect(sr).toMatch(/Comprehensive SR Document/);
    expect(sr).toMatch(/"Algorithm Version"\)="3 \(/);
    expect(sr).toMatch(/"Person Observer Name"\)="carol"/);
    expect(sr).toMatch(/"Clinician decision"\)="overridden"/);
    expect(sr).toMatch(/"Clinician's class"\)="normal"/);
    expect(sr).toMatch(/"Calibrated confidence"\)="0.87"/);
    expect(sr).toMatch(/"Comment"\)="Decision support, not for d/);
    expect(sr).toMatch(/Source of Measurement/);
    const srTags = dcmtk('dcmdump', srFile)!;
    expect(srTags).toContain(chest.ref.sopInstanceUid);
    expect(srTags).toContain(chest.ref.studyInstanceUid);
    const sc = dcmtk('dcmdump', scFile)!;
    expect(sc).toMatch(/SecondaryCaptureImageStorage/);
    expect(sc).toMatch(/Decision support, not for diagnosis/);
    expect(sc).toContain(chest.ref.studyInstanceUid);
    expect(app.core.db.prepare('SELECT ok FROM pacs_sends WHERE diagnosis_id = ?').pluck().get(diagnosisId)).toBe(1);
  });

  it('sends only de-identified copies to a research node', async () => {
    const { app, fake, feature, node, diagnosisId, chest } = await withImage(true);
    await ok(callAs(app, 'ml:review', { diagnosisId, decision: 'confirm', reason: '' }, CLINICIAN));
    await expect(feature.handlers['pacs:send']({ nodeId: node.id, diagnosisIds: [diagnosisId] }, ctx)).rejects.toThrow(/research node/);
    const r = (await feature.handlers['pacs:send']({ nodeId: node.id, diagnosisIds: [diagnosisId], deidentify: true }, ctx)) as SendResult;
    expect(r.sent[0]).toMatchObject({ ok: true, deidentified: true });
    for (const b of fake.stored) {
      expect(b.toString('latin1')).not.toContain(chest.ref.studyInstanceUid);
      expect(b.toString('latin1')).toContain('CL-');
    }
  });
});
