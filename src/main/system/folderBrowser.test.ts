import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callAs, createTestApp, tempDir } from '../app/testing';
import type { App } from '../app/createApp';
import type { Actor } from '../../shared/domain/actor';
import type { FolderListing } from '../../shared/ipc/system';
import type { Result } from '../../shared/ipc/envelope';
import { startWebHost } from '../ipc/webHost';
import { TestBrowser } from '../ipc/testWebClient';

const CLINICIAN: Actor = { id: 'u-cleo', username: 'cleo', role: 'clinician' };

function value<T>(r: Result<unknown>): T {
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
  return r.value as T;
}

describe('system:browseFolder (the web host folder browser)', () => {
  let app: App & { dataDir: string };
  let home: string;
  let root: string;
  let outside: string;
  const savedHome = process.env.HOME;
  const browse = (input: { path?: string; showHidden?: boolean }, actor: Actor | null = CLINICIAN) => callAs(app, 'system:browseFolder', input, actor);

  beforeAll(() => {
    home = fs.realpathSync(tempDir('carelens-home-'));
    root = fs.realpathSync(tempDir('carelens-root-'));
    outside = fs.realpathSync(tempDir('carelens-outside-'));
    process.env.HOME = home;
    for (const d of ['Desktop/DICOM/study 1', 'Desktop/DICOM/study 2', 'b-scans', 'A-scans', '.cache']) fs.mkdirSync(path.join(home, d), { recursive: true });
    fs.writeFileSync(path.join(home, 'Desktop', 'DICOM', 'one.dcm'), 'x');
    fs.writeFileSync(path.join(home, 'Desktop', 'DICOM', 'two.dcm'), 'x');
    fs.writeFileSync(path.join(home, 'notes.txt'), 'x');
    fs.mkdirSync(path.join(outside, 'secret'));
    fs.symlinkSync(outside, path.join(home, 'link-out'));
    fs.symlinkSync(path.join(home, 'A-scans'), path.join(home, 'link-in'));
    fs.mkdirSync(path.join(root, 'pacs-export'));
    app = createTestApp();
    app.core.settings.set('system.folderRoots', JSON.stringify([root]));
  });
  afterAll(async () => {
    process.env.HOME = savedHome;
    await app.close();
  });

  it('starts at the home folder: folders only, sorted by name, hidden ones hidden, links out left out', async () => {
    const l = value<FolderListing>(await browse({}));
    expect(l).toMatchObject({ path: home, root: home, parent: null, files: 1, truncated: false });
    expect(l.entries.map((e) => e.name)).toEqual(['A-scans', 'b-scans', 'Desktop', 'link-in']);
    expect(l.entries.every((e) => e.kind === 'folder' && e.path === path.join(home, e.name))).toBe(true);
    expect(l.places).toEqual([
      { name: '~', path: home, home: true },
      { name: path.basename(root), path: root, home: false },
    ]);
    const hidden = value<FolderListing>(await browse({ showHidden: true }));
    expect(hidden.entries.map((e) => e.name)).toContain('.cache');
  });

  it('walks down with breadcrumbs and a parent, counts the files in the folder, and takes ~', async () => {
    const l = value<FolderListing>(await browse({ path: '~/Desktop/DICOM' }));
    expect(l).toMatchObject({ path: path.join(home, 'Desktop', 'DICOM'), parent: path.join(home, 'Desktop'), files: 2 });
    expect(l.entries.map((e) => e.name)).toEqual(['study 1', 'study 2']);
    expect(l.crumbs.map((c) => c.name)).toEqual(['~', 'Desktop', 'DICOM']);
    expect(l.crumbs[0]!.path).toBe(home);
    const inRoot = value<FolderListing>(await browse({ path: root }));
    expect(inRoot).toMatchObject({ root, parent: null, entries: [{ name: 'pacs-export' }] });
  });

  it('refuses folders outside the home folder and the roots, through .. or a link, and tells nothing of them', async () => {
    for (const p of [outside, path.join(home, '..'), path.join(home, '..', path.basename(outside)), path.join(home, 'link-out'), path.join(home, 'link-out', 'secret'), '/etc', path.join(outside, 'missing')]) {
      const r = await browse({ path: p });
      expect([p, r.ok ? 'ok' : r.error.code]).toEqual([p, 'FORBIDDEN']);
      expect(JSON.stringify(r)).not.toMatch(/"entries"|"crumbs"/);
    }
  });

  it('says which folder is missing or not a folder inside the roots, and wants a full path', async () => {
    expect(await browse({ path: path.join(home, 'nope') })).toMatchObject({ ok: false, error: { code: 'NOT_FOUND', key: 'errors.system.browseFolderMissing' } });
    expect(await browse({ path: path.join(home, 'notes.txt') })).toMatchObject({ ok: false, error: { code: 'VALIDATION', key: 'errors.system.fileNotFolder' } });
    expect(await browse({ path: 'Desktop' })).toMatchObject({ ok: false, error: { code: 'VALIDATION', key: 'errors.system.browseNotAbsolute' } });
  });

});

describe('system:browseFolder over the web host', () => {
  it('answers only a signed-in session', async () => {
    const app = createTestApp({ onDisk: true });
    const trust = app.features.trust.service;
    const host = await startWebHost({ dispatch: app.dispatch, events: app.core.events, logger: app.core.logger, rendererDir: null, audience: (s, n) => trust.mayReceiveEvents(s, n) });
    try {
      const admin = await TestBrowser.open(host);
      expect((await admin.call('auth:setup', { username: 'admin', displayName: 'Admin', password: 'correct horse battery staple' })).ok).toBe(true);
      const anonymous = await TestBrowser.open(host);
      const refused = await anonymous.call('system:browseFolder', {});
      expect(refused.ok).toBe(false);
      expect(JSON.stringify(refused)).not.toMatch(/"entries"/);
      expect(await admin.call('system:browseFolder', {})).toMatchObject({ ok: true, value: { path: fs.realpathSync(os.homedir()) } });
    } finally {
      await host.close();
      await app.close();
    }
  });
});
