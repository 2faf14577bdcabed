/**
 * `npm run bench -- trust [rows]`: the costs the trust feature adds. Per-call audit
 * append (dispatch of a real channel with and without the gate's record), chain
 * verification per 1,000 rows, scrypt login hash, encrypted vs plain database writes,
 * and a backup. Medians of repeated runs; this machine is shared, so read the spread.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3-multiple-ciphers';
import { createApp } from '../src/main/app/createApp';
import { silentLogger } from '../src/main/core/logger';
import { SYSTEM_ACTOR } from '../src/shared/domain/actor';
import { applyKey } from '../src/main/db/connection';
import { hashPassword } from '../src/main/trust/passwords';

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'carelens-bench-'));

export default async function trustBench(args: string[]): Promise<void> {
  const rows = Number(args[0] ?? 5000);
  const key = { hex: '5'.repeat(64), source: 'env' as const, where: 'bench' };
  const app = createApp({ dataDir: tmp(), runtime: 'cli', logger: silentLogger, databaseKey: key });
  const ctx = { transport: 'cli' as const, actor: SYSTEM_ACTOR };
  try {
    // A call through the dispatcher (validation, handler, audit append with patient lookup).
    const per: number[] = [];
    for (let round = 0; round < 5; round++) {
      const t = process.hrtime.bigint();
      for (let i = 0; i < rows / 5; i++) await app.call('patients:create', { name: `Bench ${round}-${i}`, mrn: `B${round}-${i}` }, ctx);
      per.push(Number(process.hrtime.bigint() - t) / 1e6 / (rows / 5));
    }
    console.log(`patients:create through dispatch + audit append: median ${median(per).toFixed(3)} ms/call (${rows} calls, 5 rounds)`);
    const appendOnly: number[] = [];
    for (let round = 0; round < 5; round++) {
      const t = process.hrtime.bigint();
      for (let i = 0; i < 1000; i++) app.features.trust.auditLog.append({ actorId: 'b', actorName: 'bench', actorRole: 'admin', transport: 'cli', channel: 'bench:x', kind: 'read', outcome: 'ok', patientIds: [], detail: '{"input":{}}' });
      appendOnly.push(Number(process.hrtime.bigint() - t) / 1e6 / 1000);
    }
    console.log(`audit append alone (BEGIN IMMEDIATE, read last hash, SHA-256, insert, head): median ${median(appendOnly).toFixed(3)} ms/row`);
    const verify: number[] = [];
    let n = 0;
    for (let round = 0; round < 5; round++) {
      const t = process.hrtime.bigint();
      const v = app.features.audit.log.verify();
      n = v.rows;
      verify.push(Number(process.hrtime.bigint() - t) / 1e6);
    }
    console.log(`audit verify of ${n} rows: median ${median(verify).toFixed(1)} ms (${((median(verify) / n) * 1000).toFixed(2)} ms per 1,000 rows)`);
    const file = path.join(tmp(), 'b.clbackup');
    const t = process.hrtime.bigint();
    const info = app.features.trust.backups.backup(file);
    console.log(`backup of a ${(info.databaseBytes / 2 ** 20).toFixed(1)} MiB database: ${(Number(process.hrtime.bigint() - t) / 1e6).toFixed(0)} ms`);
  } finally {
    await app.close();
  }

  const hashes: number[] = [];
  for (let i = 0; i < 5; i++) {
    const t = process.hrtime.bigint();
    await hashPassword('correct horse battery staple');
    hashes.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  console.log(`scrypt password hash (N=2^15, r=8, p=1): median ${median(hashes).toFixed(0)} ms`);

  for (const encrypted of [false, true]) {
    const db = new Database(path.join(tmp(), 'x.db'));
    if (encrypted) applyKey(db, key.hex);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)');
    const ins = db.prepare('INSERT INTO t (v) VALUES (?)');
    const t = process.hrtime.bigint();
    for (let i = 0; i < 20000; i++) ins.run('x'.repeat(200));
    const ms = Number(process.hrtime.bigint() - t) / 1e6;
    const t2 = process.hrtime.bigint();
    db.prepare('SELECT COUNT(*), SUM(LENGTH(v)) FROM t').get();
    const scan = Number(process.hrtime.bigint() - t2) / 1e6;
    console.log(`${encrypted ? 'SQLCipher' : 'plain    '} database: 20,000 single-row commits ${ms.toFixed(0)} ms, full scan ${scan.toFixed(1)} ms`);
    db.close();
  }
}
