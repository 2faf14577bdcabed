import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createApp, type App } from '../app/createApp';
import { SHARED_DATA, callAs, ok, tempDir } from '../app/testing';
import { silentLogger } from '../core/logger';
import { fixedClock } from '../core/clock';
import { parseDicom } from '../imaging/dicom';
import { storePath, thumbnailPath } from '../imaging/store';
import { storeKeysOf } from '../imaging/storeKeys';
import type { ImagePage, ImportSummary, Thumbnail } from '../../shared/domain/imaging';

const DICOM = path.join(SHARED_DATA, 'dicom');
const key = { hex: 'c'.repeat(64), source: 'env' as const, where: 'CARELENS_KEY' };
let app: App | null = null;
afterEach(async () => {
  await app?.close();
  app = null;
});

function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...filesUnder(p));
    else if (e.isFile()) out.push(p);
  }
  return out;
}

/**
 * Patient names, IDs and birth dates of the shared DICOM files, read with CareLens's own parser,
 * both as the file holds them (Doe^John, 19500112) and as CareLens shows them. Values shorter
 * than 6 characters are left out: they match random ciphertext by chance.
 */
function patientValues(): string[] {
  const values = new Set<string>();
  for (const file of filesUnder(DICOM)) {
    let parsed: ReturnType<typeof parseDicom>;
    try {
      parsed = parseDicom(fs.readFileSync(file));
    } catch {
      continue; // not DICOM (the index) or a file the parser refuses: the import refuses it too
    }
    const ds = parsed.dataSet as { string(tag: string): string | undefined };
    for (const v of [ds.string('x00100010'), ds.string('x00100020'), ds.string('x00100030'), parsed.info.patientName, parsed.info.patientId, parsed.info.birthDate]) {
      const t = v?.trim();
      if (t && t.length >= 6) values.add(t);
    }
  }
  return [...values];
}

function leaks(root: string, values: string[]): string[] {
  const found: string[] = [];
  for (const file of filesUnder(root)) {
    const bytes = fs.readFileSync(file);
    for (const v of values) {
      if (bytes.includes(Buffer.from(v, 'latin1')) || bytes.includes(Buffer.from(v, 'utf8'))) found.push(`${path.relative(root, file)}: ${v}`);
    }
  }
  return found;
}

describe('encryption at rest', () => {
  it('after importing ../shared/data/dicom, no patient name, ID or birth date appears in any file under the data folder (WAL and backups included)', async () => {
    const values = patientValues();
    expect(values.length).toBeGreaterThan(20);
    expect(values).toContain('CompressedSamples^CT1');
    expect(values).toContain('19500112');
    // The search finds them where they are in clear: in the source files.
    expect(leaks(DICOM, values).length).toBeGreaterThan(values.length / 2);

    const dataDir = tempDir();
    app = createApp({ dataDir, runtime: 'test', logger: silentLogger, clock: fixedClock(), databaseKey: key });
    const summary = await ok<ImportSummary>(callAs(app, 'imaging:import', { paths: [DICOM] }));
    expect(summary.imported).toBeGreaterThan(40);
    // Everything a user does next goes through the same files: thumbnails, pixels, tags, a backup.
    const page = await ok<ImagePage>(callAs(app, 'imaging:images', { limit: 500 }));
    const thumbs = await ok<Thumbnail[]>(callAs(app, 'imaging:thumbnails', { ids: page.items.map((i) => i.id) }));
    expect(thumbs.filter((t) => t.dataUrl).length).toBeGreaterThan(40);
    const dicom = page.items.find((i) => i.format === 'dicom')!;
    await ok(callAs(app, 'imaging:frame', { id: dicom.id }));
    expect((await ok<unknown[]>(callAs(app, 'imaging:tags', { id: dicom.id }))).length).toBeGreaterThan(10);
    await ok(callAs(app, 'auth:backup', {}));
    expect(fs.readdirSync(path.join(dataDir, 'backups')).length).toBe(1);
    // While the app is open, the WAL holds the newest pages.
    expect(fs.existsSync(path.join(dataDir, 'carelens.db-wal'))).toBe(true);
    expect(leaks(dataDir, values)).toEqual([]);
    // Stored originals are named by a keyed hash, never by the sha256 anyone can compute from a public file.
    const shas = app.core.db.prepare('SELECT sha256 FROM images').pluck().all() as string[];
    const names = new Set(filesUnder(path.join(dataDir, 'store')).map((f) => path.basename(f)));
    for (const sha of shas) {
      expect(names.has(sha)).toBe(false);
      expect(fs.existsSync(storePath(app.core.paths.store, sha, storeKeysOf(app.core.db)))).toBe(true);
    }
    await app.close();
    app = null;
    expect(leaks(dataDir, values)).toEqual([]);
  });

  it('one flipped byte in a stored file or a thumbnail gives a clear error for that image only; nothing crashes', async () => {
    const dataDir = tempDir();
    app = createApp({ dataDir, runtime: 'test', logger: silentLogger, clock: fixedClock(), databaseKey: key });
    await ok(callAs(app, 'imaging:import', { paths: [path.join(DICOM, 'cornerstonejs_cornerstone3D')] }));
    const page = await ok<ImagePage>(callAs(app, 'imaging:images', { limit: 500 }));
    const [victim, other] = page.items.filter((i) => i.format === 'dicom');
    const keys = storeKeysOf(app.core.db);
    const shaOf = (id: string) => app!.core.db.prepare('SELECT sha256 FROM images WHERE id = ?').pluck().get(id) as string;
    const flip = (file: string) => {
      const b = fs.readFileSync(file);
      b[Math.floor(b.length / 2)]! ^= 0x01;
      fs.writeFileSync(file, b);
    };
    flip(storePath(app.core.paths.store, shaOf(victim!.id), keys));
    flip(thumbnailPath(app.core.paths.thumbnails, shaOf(victim!.id), keys));
    for (const channel of ['imaging:frame', 'imaging:tags'] as const) {
      const r = (await callAs(app, channel, { id: victim!.id })) as { ok: boolean; error?: { code: string; message: string } };
      expect(r.ok).toBe(false);
      expect(r.error!.code).not.toBe('INTERNAL');
      expect(r.error!.message).toMatch(/failed its integrity check/);
    }
    const thumbs = await ok<Thumbnail[]>(callAs(app, 'imaging:thumbnails', { ids: [victim!.id, other!.id] }));
    expect(thumbs[0]!.dataUrl).toBeNull();
    expect(thumbs[1]!.dataUrl).toMatch(/^data:image\/png;base64,/);
    // The decode worker survived: the next image opens.
    await ok(callAs(app, 'imaging:frame', { id: other!.id }));
    const dec = await app.features.imaging.service.decode(other!.id).then(() => 'ok');
    expect(dec).toBe('ok');
    await expect(app.features.imaging.service.decode(victim!.id)).rejects.toThrow(/failed its integrity check/);
  });
});
