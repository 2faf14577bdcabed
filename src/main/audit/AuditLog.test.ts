import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3-multiple-ciphers';
import { callAs, createTestApp, tempDir } from '../app/testing';
import type { App } from '../app/createApp';
import { applyKey } from '../db/connection';
import type { AuditEntry, AuditPage, AuditVerification } from '../../shared/domain/trust';
import type { Actor } from '../../shared/domain/actor';
import { main } from '../../cli';
import { csvCell } from '../../shared/csv';

const KEY = 'a'.repeat(64);
let app: (App & { dataDir: string }) | null = null;
afterEach(async () => {
  await app?.close();
  app = null;
});

function memIo() {
  let out = '';
  let err = '';
  return {
    io: {
      stdout: { write: (s: string) => ((out += s), true) } as unknown as NodeJS.WritableStream,
      stderr: { write: (s: string) => ((err += s), true) } as unknown as NodeJS.WritableStream,
      isTty: false,
    },
    out: () => out,
    err: () => err,
  };
}

async function value<T>(p: Promise<unknown>): Promise<T> {
  const r = (await p) as { ok: boolean; value?: T; error?: unknown };
  if (!r.ok) throw new Error(JSON.stringify(r.error));
  return r.value as T;
}

describe('audit trail', () => {
  it('records who did what to which patient, chained by hash, and verifies', async () => {
    app = createTestApp();
    const p = await value<{ id: string }>(callAs(app, 'patients:create', { name: 'CompressedSamples^CT1', mrn: '1CT1' }));
    await callAs(app, 'patients:get', { id: '1CT1' });
    await callAs(app, 'patients:list', {});
    await callAs(app, 'system:status', {}); // audit 'none': not recorded
    const page = await value<AuditPage>(callAs(app, 'audit:list', { limit: 10 }));
    expect(page.items.map((e) => e.channel)).toEqual(['patients:list', 'patients:get', 'patients:create']);
    for (const e of page.items) {
      expect(e).toMatchObject({ actorName: 'system', actorRole: 'system', transport: 'test', outcome: 'ok' });
      expect(e.patientIds).toEqual([p.id]);
    }
    expect(page.items[2]!.prevHash).toBe('0'.repeat(64));
    expect(page.items[1]!.prevHash).toBe(page.items[2]!.hash);
    const v = await value<AuditVerification>(callAs(app, 'audit:verify', {}));
    expect(v).toMatchObject({ ok: true, rows: 4, firstBrokenSeq: null }); // the 4th is audit:list itself
  });

  it('a list records every patient it showed; hostile inputs stay bounded', async () => {
    app = createTestApp();
    const insert = app.core.db.prepare("INSERT INTO patients (id, mrn, name, name_search, created_at, updated_at) VALUES (?, ?, ?, ?, '2026-01-01', '2026-01-01')");
    app.core.db.transaction(() => {
      for (let i = 0; i < 300; i++) insert.run(`p${i}`, `M${i}`, `Listed ${i}`, `listed ${i}`);
    })();
    await callAs(app, 'patients:list', { limit: 500 });
    await callAs(app, 'patients:get', { id: 'x'.repeat(64) });
    const page = await value<AuditPage>(callAs(app, 'audit:list', { action: 'patients:' }));
    const list = page.items.find((e) => e.channel === 'patients:list')!;
    expect(list.patientIds).toHaveLength(300);
    expect(page.items.find((e) => e.channel === 'patients:get')).toMatchObject({ outcome: 'NOT_FOUND', patientIds: [] });
    expect((await value<AuditPage>(callAs(app, 'audit:list', { patient: 'Listed 299' }))).total).toBe(1);
  });

  it('records failures with their code and never stores a password', async () => {
    app = createTestApp();
    await callAs(app, 'patients:create', { name: '', mrn: 'X' });
    await callAs(app, 'auth:createUser', { username: 'ana', displayName: 'Ana', role: 'clinician', password: 'a secret password 1' });
    await callAs(app, 'no:such', { a: 1 });
    const page = await value<AuditPage>(callAs(app, 'audit:list', {}));
    const byChannel = Object.fromEntries(page.items.map((e) => [e.channel, e]));
    expect(byChannel['patients:create']!.outcome).toBe('VALIDATION');
    expect(byChannel['no:such']).toMatchObject({ outcome: 'VALIDATION', kind: 'unknown' });
    expect(byChannel['auth:createUser']!.detail).toContain('[redacted]');
    const csv = await value<{ csv: string; rows: number }>(callAs(app, 'audit:export', {}));
    expect(csv.csv).not.toContain('a secret password 1');
  });

  it('filters by user, patient (id, MRN or name), action, outcome and time', async () => {
    app = createTestApp();
    const clock = app.core.clock as unknown as { advance(ms: number): void };
    const ana: Actor = { id: 'u1', username: 'ana', role: 'clinician' };
    const ben: Actor = { id: 'u2', username: 'ben', role: 'reviewer' };
    const a = await value<{ id: string }>(callAs(app, 'patients:create', { name: 'José Álvarez', mrn: 'J1' }, ana));
    clock.advance(3_600_000);
    const b = await value<{ id: string }>(callAs(app, 'patients:create', { name: 'Grace Hopper', mrn: 'G1' }, ben));
    await callAs(app, 'patients:get', { id: b.id }, ana);
    await callAs(app, 'patients:update', { id: 'J1', changes: { notes: 'seen' } }, ben);
    const list = (f: object) => value<AuditPage>(callAs(app!, 'audit:list', f));
    expect((await list({ user: 'ana', action: 'patients:' })).total).toBe(2);
    expect((await list({ patient: 'jose' })).items.map((e) => e.channel).sort()).toEqual(['patients:create', 'patients:update']);
    expect((await list({ patient: a.id })).total).toBe(2);
    expect((await list({ patient: 'G1' })).items.every((e: AuditEntry) => e.patientIds.includes(b.id))).toBe(true);
    expect((await list({ action: 'change' })).total).toBe(3);
    expect((await list({ action: 'patients:get' })).total).toBe(1);
    expect((await list({ to: '2026-01-01T00:30:00Z', action: 'patients:' })).total).toBe(1);
    expect((await list({ from: '2026-01-01T00:30:00Z', action: 'patients:' })).total).toBe(3);
    expect((await list({ outcome: 'error' })).total).toBe(0);
    expect((await list({ patient: 'nobody at all' })).total).toBe(0);
    // The page names its patients (through the patients port), so the view never shows a bare id.
    const named = await list({ patient: 'jose' });
    expect(named.patients).toEqual({ [a.id]: { name: 'José Álvarez', mrn: 'J1' } });
    expect(Object.keys((await list({})).patients).sort()).toEqual([a.id, b.id].sort());
  });

  it('refuses bad filter input', async () => {
    app = createTestApp();
    for (const bad of [{ from: 'yesterday-ish' }, { limit: 0 }, { user: 5 }, { extra: 1 }]) {
      const r = await callAs(app, 'audit:list', bad);
      expect(r).toMatchObject({ ok: false, error: { code: 'VALIDATION' } });
    }
    expect(await callAs(app, 'audit:verify', { x: 1 })).toMatchObject({ ok: false, error: { code: 'VALIDATION' } });
    expect(await callAs(app, 'audit:export', { to: 12 })).toMatchObject({ ok: false, error: { code: 'VALIDATION' } });
  });

  it('the database refuses to change or delete audit rows', async () => {
    app = createTestApp();
    await callAs(app, 'patients:create', { name: 'A', mrn: 'A' });
    expect(() => app!.core.db.prepare("UPDATE audit_log SET actor_name = 'x'").run()).toThrow(/append-only/);
    expect(() => app!.core.db.prepare('DELETE FROM audit_log').run()).toThrow(/append-only/);
  });

  it('a byte changed in an audit row of the database file is found by `carelens audit verify`, which names the row', async () => {
    const dataDir = tempDir();
    process.env.CARELENS_KEY = KEY;
    const io0 = memIo();
    for (let i = 0; i < 5; i++) {
      expect(await main(['patients', 'add', '--name', `Patient ${i}`, '--mrn', `M${i}`, '--data-dir', dataDir], io0.io), io0.err()).toBe(0);
    }
    const ok = memIo();
    expect(await main(['audit', 'verify', '--data-dir', dataDir], ok.io)).toBe(0);
    expect(ok.out()).toMatch(/intact: 5 row/);

    // A second connection that knows the key drops the trigger and changes one byte of row 3.
    const raw = new Database(path.join(dataDir, 'carelens.db'));
    applyKey(raw, KEY);
    raw.exec('DROP TRIGGER audit_log_no_update');
    const before = raw.prepare('SELECT detail FROM audit_log WHERE seq = 3').pluck().get() as string;
    const i = before.indexOf('Patient 2');
    const after = before.slice(0, i) + 'Patient 7' + before.slice(i + 'Patient 2'.length);
    raw.prepare('UPDATE audit_log SET detail = ? WHERE seq = 3').run(after);
    raw.close();

    const broken = memIo();
    expect(await main(['audit', 'verify', '--data-dir', dataDir], broken.io)).toBe(1);
    expect(broken.err()).toMatch(/BROKEN at row 3/);
    const json = memIo();
    await main(['audit', 'verify', '--json', '--data-dir', dataDir], json.io);
    expect(JSON.parse(json.out())).toMatchObject({ ok: false, firstBrokenSeq: 3 });

    // The CSV export still writes every row (the broken one included) for an investigator.
    const csvFile = path.join(tempDir(), 'audit.csv');
    expect(await main(['audit', 'export', '--out', csvFile, '--data-dir', dataDir], memIo().io)).toBe(0);
    const csv = fs.readFileSync(csvFile, 'utf8').trim().split('\r\n');
    expect(csv[0]).toMatch(/^seq,at,actor_id,actor_name/);
    expect(csv.length).toBeGreaterThanOrEqual(6);
    delete process.env.CARELENS_KEY;
  });

  it('finds a deleted row and rows cut off the end', async () => {
    app = createTestApp();
    for (let i = 0; i < 4; i++) await callAs(app, 'patients:create', { name: `P${i}`, mrn: `M${i}` });
    const db = app.core.db;
    db.exec('DROP TRIGGER audit_log_no_delete');
    db.prepare('DELETE FROM audit_log WHERE seq = 2').run();
    expect(app.features.audit.log.verify()).toMatchObject({ ok: false, firstBrokenSeq: 2 });
    db.prepare('DELETE FROM audit_log WHERE seq > 1').run();
    const v = app.features.audit.log.verify();
    expect(v.ok).toBe(false);
    expect(v.problem).toMatch(/cut off the end/);
  });

  it('CSV cells are quoted and cannot run as spreadsheet formulas', () => {
    expect(csvCell('=HYPERLINK("x")')).toBe('"\'=HYPERLINK(""x"")"');
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell(12)).toBe('12');
  });
});

describe('audit trail, raw file damage', () => {
  it('a byte changed in the encrypted file itself is found and named by the row where reading stops', async () => {
    const dataDir = tempDir();
    process.env.CARELENS_KEY = KEY;
    const a = createTestApp({ onDisk: true, dataDir });
    try {
      // createTestApp resolved CARELENS_KEY; enough rows to fill several pages.
      for (let i = 0; i < 150; i++) await callAs(a, 'patients:create', { name: `Row Filler ${i}`, mrn: `R${i}`, notes: 'n'.repeat(200) });
      expect(a.features.audit.log.verify().ok).toBe(true);
      a.core.db.pragma('wal_checkpoint(TRUNCATE)');
    } finally {
      await a.close();
    }
    const file = path.join(dataDir, 'carelens.db');
    const reader = new Database(file);
    applyKey(reader, KEY);
    const leaves = reader.prepare("SELECT pageno FROM dbstat WHERE name = 'audit_log' AND pagetype = 'leaf' ORDER BY pageno").pluck().all() as number[];
    const pageSize = reader.pragma('page_size', { simple: true }) as number;
    reader.close();
    expect(leaves.length).toBeGreaterThan(3);
    const page = leaves[Math.floor(leaves.length / 2)]!;
    const bytes = fs.readFileSync(file);
    const at = (page - 1) * pageSize + 1000;
    bytes[at] = bytes[at]! ^ 0xff;
    fs.writeFileSync(file, bytes);

    const io = memIo();
    expect(await main(['audit', 'verify', '--data-dir', dataDir], io.io)).toBe(1);
    const m = /BROKEN at row (\d+): Row \d+ cannot be read: the database file was altered on disk/.exec(io.err());
    expect(m, io.err()).not.toBeNull();
    const row = Number(m![1]);
    expect(row).toBeGreaterThan(1);
    expect(row).toBeLessThan(150);
    delete process.env.CARELENS_KEY;
  });
});
