import { createHash } from 'node:crypto';
import type { Db } from '../db/connection';
import type { Clock } from '../core/clock';
import type { AuditEntry, AuditPage, AuditVerification } from '../../shared/domain/trust';
import type { AuditFilter } from '../../shared/ipc/audit';
import { toCsv } from '../../shared/csv';
import { patientIdsMatching, patientsByIds } from '../patients/ports';

/** The hash a chain starts from (there is no row before the first). */
export const GENESIS_HASH = '0'.repeat(64);

/** What a caller appends; seq, time and the hashes are the log's. */
export type AuditAppend = Omit<AuditEntry, 'seq' | 'at' | 'prevHash' | 'hash'>;

interface AuditRow {
  seq: number;
  at: string;
  actor_id: string;
  actor_name: string;
  actor_role: string;
  transport: string;
  channel: string;
  kind: string;
  outcome: string;
  patient_ids: string;
  detail: string;
  prev_hash: string;
  hash: string;
}

/**
 * The hash of one row: SHA-256 over a canonical serialisation of every column but the
 * hash itself (a JSON array in a fixed column order; JSON escapes make it unambiguous),
 * including the previous row's hash, which is what chains the rows.
 */
export function rowHash(row: Omit<AuditRow, 'hash'>): string {
  const canonical = JSON.stringify([
    row.seq,
    row.at,
    row.actor_id,
    row.actor_name,
    row.actor_role,
    row.transport,
    row.channel,
    row.kind,
    row.outcome,
    row.patient_ids,
    row.detail,
    row.prev_hash,
  ]);
  return createHash('sha256').update(canonical, 'utf8').digest('hex');
}

function toEntry(r: AuditRow): AuditEntry {
  let patientIds: string[] = [];
  try {
    const parsed = JSON.parse(r.patient_ids) as unknown;
    if (Array.isArray(parsed)) patientIds = parsed.filter((x): x is string => typeof x === 'string');
  } catch {
    // a tampered row: verify names it; the list still shows it
  }
  return {
    seq: r.seq,
    at: r.at,
    actorId: r.actor_id,
    actorName: r.actor_name,
    actorRole: r.actor_role,
    transport: r.transport,
    channel: r.channel,
    kind: r.kind,
    outcome: r.outcome,
    patientIds,
    detail: r.detail,
    prevHash: r.prev_hash,
    hash: r.hash,
  };
}

/** ISO bounds from a filter's from/to; a bare date as `to` means the end of that day. */
function bound(value: string | undefined, end: boolean): string | null {
  if (!value) return null;
  if (end && /^\d{4}-\d{2}-\d{2}$/.test(value)) return new Date(Date.parse(value + 'T23:59:59.999Z')).toISOString();
  return new Date(Date.parse(value)).toISOString();
}

/**
 * The append-only, hash-chained audit trail. Appends take the database's write lock
 * (BEGIN IMMEDIATE) before reading the last hash, so two processes (the app and the CLI)
 * writing at once still make one chain.
 */
export class AuditLog {
  private readonly appendTx: (entry: AuditAppend) => number;

  constructor(private readonly core: { db: Db; clock: Clock }) {
    const db = core.db;
    const last = db.prepare('SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1');
    const insert = db.prepare(
      `INSERT INTO audit_log (seq, at, actor_id, actor_name, actor_role, transport, channel, kind, outcome, patient_ids, detail, prev_hash, hash)
       VALUES (@seq, @at, @actor_id, @actor_name, @actor_role, @transport, @channel, @kind, @outcome, @patient_ids, @detail, @prev_hash, @hash)`,
    );
    const head = db.prepare('INSERT INTO audit_head (id, seq, hash) VALUES (1, @seq, @hash) ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash');
    const tx = db.transaction((e: AuditAppend) => {
      const prev = last.get() as { seq: number; hash: string } | undefined;
      const row: Omit<AuditRow, 'hash'> = {
        seq: (prev?.seq ?? 0) + 1,
        at: core.clock.now().toISOString(),
        actor_id: e.actorId,
        actor_name: e.actorName,
        actor_role: e.actorRole,
        transport: e.transport,
        channel: e.channel,
        kind: e.kind,
        outcome: e.outcome,
        patient_ids: JSON.stringify(e.patientIds),
        detail: e.detail,
        prev_hash: prev?.hash ?? GENESIS_HASH,
      };
      const hash = rowHash(row);
      insert.run({ ...row, hash });
      head.run({ seq: row.seq, hash });
      return row.seq;
    });
    this.appendTx = (e) => tx.immediate(e);
  }

  /** Appends one row and returns its seq. */
  append(entry: AuditAppend): number {
    return this.appendTx(entry);
  }

  /**
   * Walks the chain from the first row: each row's seq follows the previous one, its
   * prev_hash is the previous row's hash, and its hash is the hash of its contents. The
   * first row that fails is named; the head record catches rows cut off the end.
   */
  verify(): AuditVerification {
    const db = this.core.db;
    let expectedSeq = 1;
    let prevHash = GENESIS_HASH;
    let rows = 0;
    const broken = (seq: number, problem: string): AuditVerification => ({ ok: false, rows, headHash: prevHash, firstBrokenSeq: seq, problem });
    const rowsInOrder = db.prepare('SELECT * FROM audit_log ORDER BY seq').iterate() as IterableIterator<AuditRow>;
    const problem = ((): AuditVerification | null => {
      for (;;) {
        let step: IteratorResult<AuditRow>;
        try {
          step = rowsInOrder.next();
        } catch (err) {
          // An encrypted page whose authentication fails (a byte changed in the file itself).
          return broken(expectedSeq, `Row ${expectedSeq} cannot be read: the database file was altered on disk where it is stored (${(err as Error).message}).`);
        }
        if (step.done) break;
        const r = step.value;
        if (r.seq !== expectedSeq) {
          return broken(expectedSeq, r.seq > expectedSeq ? `Row ${expectedSeq} is missing: ${r.seq - expectedSeq} row(s) were removed before row ${r.seq}.` : `Row ${r.seq} appears twice or out of order.`);
        }
        if (r.prev_hash !== prevHash) return broken(r.seq, `Row ${r.seq} does not point at the row before it (prev_hash differs): a row before it was changed or removed.`);
        const { hash, ...rest } = r;
        if (rowHash(rest) !== hash) return broken(r.seq, `Row ${r.seq} was changed after it was written (its contents do not match its hash).`);
        prevHash = hash;
        expectedSeq++;
        rows++;
      }
      return null;
    })();
    // Stopping early leaves the statement open: close it, or the connection stays busy.
    rowsInOrder.return?.();
    if (problem) return problem;
    const head = db.prepare('SELECT seq, hash FROM audit_head WHERE id = 1').get() as { seq: number; hash: string } | undefined;
    if (head && (head.seq !== rows || head.hash !== prevHash)) {
      return broken(Math.min(head.seq, rows + 1), head.seq > rows ? `The trail ends at row ${rows}, but row ${head.seq} was written: ${head.seq - rows} row(s) were cut off the end.` : `The head record (row ${head.seq}) does not match the last row ${rows}.`);
    }
    if (!head && rows > 0) return broken(rows, 'The head record of the trail is missing.');
    return { ok: true, rows, headHash: prevHash, firstBrokenSeq: null, problem: null };
  }

  private where(filter: AuditFilter): { sql: string; params: unknown[] } {
    const clauses: string[] = [];
    const params: unknown[] = [];
    if (filter.user) {
      clauses.push('actor_name = ? COLLATE NOCASE');
      params.push(filter.user.trim());
    }
    if (filter.patient && filter.patient.trim()) {
      const ids = patientIdsMatching(this.core.db, filter.patient, 500);
      if (ids.length === 0) clauses.push('0');
      else {
        clauses.push(`EXISTS (SELECT 1 FROM json_each(CASE WHEN json_valid(patient_ids) THEN patient_ids ELSE '[]' END) j WHERE j.value IN (${ids.map(() => '?').join(',')}))`);
        params.push(...ids);
      }
    }
    if (filter.action && filter.action.trim()) {
      const a = filter.action.trim();
      if (a.endsWith(':')) {
        clauses.push("substr(channel, 1, length(?)) = ?");
        params.push(a, a);
      } else if (a.includes(':')) {
        clauses.push('channel = ?');
        params.push(a);
      } else {
        clauses.push("(kind = ? OR substr(channel, 1, length(?) + 1) = ? || ':')");
        params.push(a, a, a);
      }
    }
    if (filter.outcome) {
      if (filter.outcome === 'error') clauses.push("outcome <> 'ok'");
      else {
        clauses.push('outcome = ?');
        params.push(filter.outcome);
      }
    }
    const from = bound(filter.from, false);
    const to = bound(filter.to, true);
    if (from) {
      clauses.push('at >= ?');
      params.push(from);
    }
    if (to) {
      clauses.push('at <= ?');
      params.push(to);
    }
    return { sql: clauses.length ? 'WHERE ' + clauses.join(' AND ') : '', params };
  }

  /** Rows newest first, filtered. */
  list(filter: AuditFilter, limit = 200, offset = 0): AuditPage {
    const { sql, params } = this.where(filter);
    const total = (this.core.db.prepare(`SELECT COUNT(*) FROM audit_log ${sql}`).pluck().get(...params) as number) ?? 0;
    const rows = this.core.db.prepare(`SELECT * FROM audit_log ${sql} ORDER BY seq DESC LIMIT ? OFFSET ?`).all(...params, limit, offset) as AuditRow[];
    const items = rows.map(toEntry);
    // Names through the patients feature's port: the view says "Viewed images of Ada Lovelace", not an id.
    const patients: AuditPage['patients'] = {};
    for (const p of patientsByIds(this.core.db, items.flatMap((e) => e.patientIds))) patients[p.id] = { name: p.name, mrn: p.mrn };
    return { items, total, patients };
  }

  /** The filtered trail as CSV (oldest first, RFC 4180 quoting, formula-looking cells defused). */
  exportCsv(filter: AuditFilter): { csv: string; rows: number } {
    const { sql, params } = this.where(filter);
    const header = ['seq', 'at', 'actor_id', 'actor_name', 'actor_role', 'transport', 'channel', 'kind', 'outcome', 'patient_ids', 'detail', 'prev_hash', 'hash'] as const;
    const rows = (this.core.db.prepare(`SELECT * FROM audit_log ${sql} ORDER BY seq`).all(...params) as AuditRow[]).map((r) => header.map((h) => r[h]));
    return { csv: toCsv(header, rows), rows: rows.length };
  }

  count(): number {
    return this.core.db.prepare('SELECT COUNT(*) FROM audit_log').pluck().get() as number;
  }
}
