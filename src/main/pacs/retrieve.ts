/**
 * Retrieving studies or series from a PACS into CareLens. The PACS lists the instances; those
 * whose SOP Instance UID the store already holds are skipped before fetching (so a re-retrieve
 * fetches nothing, and a cancelled or crashed retrieve resumes where it stopped); the rest are
 * fetched with bounded parallelism and handed one by one, as Part-10 bytes, to the imaging
 * feature's import (the folder import's per-file path and batch writer), never a whole study
 * in memory. Instances that fail become lines of the import's report.
 */
import type { Core } from '../core/Core';
import { newId } from '../core/ids';
import { AppError } from '../../shared/ipc/envelope';
import type { ImportSummary } from '../../shared/domain/imaging';
import type { PacsMessage, PacsProtocol, RetrieveState, RetrieveStatus, RetrieveSummary } from '../../shared/domain/pacs';
import { storedSopInstanceUids, studiesByUid } from '../imaging/ports';
import type { BytesImportRun } from '../imaging/BytesImport';
import { nodeName } from './nodes';
import { pacsErrorNote, pacsErrorWords, type Connection } from './PacsService';
import { PacsError, type InstanceRef } from './protocol/types';

export interface RetrieveRequest {
  nodeId: string;
  studyUids: string[];
  seriesUids?: string[];
  via?: PacsProtocol;
}

export interface RetrieveDeps {
  connect(nodeId: string, via?: PacsProtocol): Connection;
  startImport(opts: { source: string; actor: string }): BytesImportRun;
  importSummary(importId: string): ImportSummary;
  /** Records the finished retrieve in the audit trail with the patients it touched. */
  audit(entry: { retrieveId: string; state: RetrieveState; patientIds: string[]; who: Who }): void;
  concurrency?: number;
}

/** Who started a retrieve (for the audit row written when it ends). */
export interface Who {
  actor: string;
  ctx: unknown;
  /** The call itself is audited with the summary (the CLI's run to the end): no second row. */
  auditedByCall?: boolean;
}

interface Row {
  id: string;
  node_id: string;
  via: PacsProtocol;
  study_uids: string;
  series_uids: string;
  state: RetrieveState;
  import_id: string | null;
  found: number;
  already_stored: number;
  fetched: number;
  failed: number;
  bytes: number;
  error: string | null;
  started_by: string;
  started_at: string;
  finished_at: string | null;
}

interface Running {
  id: string;
  abort: AbortController;
  phase: 'listing' | 'fetching';
  startedMs: number;
  toFetch: number;
  lastEmit: number;
  done: Promise<void>;
}

class RetrieveFailed extends Error {}

/** Studies listed at once (C-FIND / QIDO-RS requests in flight). */
const LIST_CONCURRENCY = 4;

export class Retriever {
  private readonly running = new Map<string, Running>();
  /** A failed retrieve's error as a key (for the renderer), while this process runs; the row keeps the English. */
  private readonly errorNotes = new Map<string, PacsMessage>();

  constructor(
    private readonly core: Core,
    private readonly deps: RetrieveDeps,
  ) {
    core.db.prepare("UPDATE pacs_retrieves SET state = 'interrupted', finished_at = COALESCE(finished_at, ?) WHERE state = 'running'").run(core.clock.now().toISOString());
  }

  /** Starts a retrieve in the background; progress comes as 'pacs:progress'. */
  start(req: RetrieveRequest, who: Who): RetrieveStatus {
    const c = this.deps.connect(req.nodeId, req.via);
    const id = newId();
    this.core.db
      .prepare("INSERT INTO pacs_retrieves (id, node_id, via, study_uids, series_uids, state, started_by, started_at) VALUES (?, ?, ?, ?, ?, 'running', ?, ?)")
      .run(id, c.node.id, c.via, JSON.stringify([...new Set(req.studyUids)]), JSON.stringify([...new Set(req.seriesUids ?? [])]), who.actor, this.core.clock.now().toISOString());
    this.launch(id, c, who);
    return this.status(id);
  }

  /** Starts a retrieve and answers with its summary when it ends (the CLI). */
  async run(req: RetrieveRequest, who: Who): Promise<RetrieveSummary> {
    const s = this.start(req, { ...who, auditedByCall: true });
    await this.running.get(s.retrieveId)?.done;
    return this.summary(s.retrieveId);
  }

  /** Runs a cancelled, failed or interrupted retrieve again: what is stored is skipped. */
  resume(retrieveId: string, who: Who): RetrieveStatus {
    const row = this.row(retrieveId);
    if (row.state === 'running') throw new AppError('CONFLICT', 'This retrieve is still running.', { key: 'errors.pacs.retrieveStillRunning' });
    const c = this.deps.connect(row.node_id, row.via);
    this.core.db
      .prepare("UPDATE pacs_retrieves SET state = 'running', error = NULL, finished_at = NULL, found = 0, already_stored = 0, fetched = 0, failed = 0, bytes = 0, import_id = NULL, started_at = ? WHERE id = ?")
      .run(this.core.clock.now().toISOString(), retrieveId);
    this.errorNotes.delete(retrieveId);
    this.launch(retrieveId, c, who);
    return this.status(retrieveId);
  }

  cancel(retrieveId: string): RetrieveStatus {
    this.running.get(retrieveId)?.abort.abort();
    return this.status(retrieveId);
  }

  async waitFor(retrieveId: string): Promise<void> {
    await this.running.get(retrieveId)?.done;
  }

  status(retrieveId: string): RetrieveStatus {
    return this.toStatus(this.row(retrieveId));
  }

  list(limit = 20): RetrieveStatus[] {
    return (this.core.db.prepare('SELECT * FROM pacs_retrieves ORDER BY started_at DESC, rowid DESC LIMIT ?').all(limit) as Row[]).map((r) => this.toStatus(r));
  }

  /** The import summary of the retrieve's last run, with the studies as CareLens now holds them. */
  summary(retrieveId: string): RetrieveSummary {
    const row = this.row(retrieveId);
    const imp: ImportSummary = row.import_id ? this.deps.importSummary(row.import_id) : { scanned: 0, imported: 0, duplicates: 0, failed: [], patients: 0, studies: 0, series: 0, images: 0 };
    const uids = JSON.parse(row.study_uids) as string[];
    const held = studiesByUid(this.core.db, uids);
    const retrievedStudies = uids.map((u) => ({ studyInstanceUid: u, studyId: held.get(u)?.studyId ?? null, patientId: held.get(u)?.patientId ?? null }));
    const failed = [...imp.failed];
    if (row.error && !failed.some((f) => f.reason === row.error)) failed.push({ path: `pacs://${nodeName(this.core.db, row.node_id)}`, reason: row.error });
    return {
      ...imp,
      failed,
      retrieveId: row.id,
      importId: row.import_id,
      state: row.state,
      found: row.found,
      alreadyStored: row.already_stored,
      fetched: row.fetched,
      retrievedStudies,
      patientIds: [...new Set(retrievedStudies.map((s) => s.patientId).filter((p): p is string => Boolean(p)))],
    };
  }

  async dispose(): Promise<void> {
    for (const r of this.running.values()) r.abort.abort();
    await Promise.all([...this.running.values()].map((r) => r.done.catch(() => {})));
  }

  // ------------------------------------------------------------------ internals

  private row(id: string): Row {
    const row = this.core.db.prepare('SELECT * FROM pacs_retrieves WHERE id = ?').get(id) as Row | undefined;
    if (!row) throw new AppError('NOT_FOUND', `No retrieve with id ${id}.`, { key: 'errors.pacs.noRetrieveWithId', params: { id } });
    return row;
  }

  private toStatus(r: Row): RetrieveStatus {
    const run = this.running.get(r.id);
    const seconds = run ? (Date.now() - run.startedMs) / 1000 : r.finished_at ? (Date.parse(r.finished_at) - Date.parse(r.started_at)) / 1000 : 0;
    const rate = seconds > 0 ? r.fetched / seconds : 0;
    const left = run ? Math.max(0, run.toFetch - r.fetched - r.failed) : 0;
    return {
      retrieveId: r.id,
      nodeId: r.node_id,
      nodeName: nodeName(this.core.db, r.node_id),
      via: r.via,
      studyUids: JSON.parse(r.study_uids) as string[],
      seriesUids: JSON.parse(r.series_uids) as string[],
      state: r.state,
      phase: r.state !== 'running' ? 'finished' : (run?.phase ?? 'listing'),
      found: r.found,
      alreadyStored: r.already_stored,
      fetched: r.fetched,
      failed: r.failed,
      bytes: r.bytes,
      rate: Math.round(rate * 10) / 10,
      bytesPerSecond: seconds > 0 ? Math.round(r.bytes / seconds) : 0,
      etaSeconds: run && run.phase === 'fetching' && rate > 0 ? Math.round(left / rate) : null,
      importId: r.import_id,
      error: r.error,
      ...(r.error && this.errorNotes.has(r.id) ? { errorNote: this.errorNotes.get(r.id)! } : {}),
      startedAt: r.started_at,
      finishedAt: r.finished_at,
      startedBy: r.started_by,
    };
  }

  private emit(run: Running, force = false): void {
    const now = Date.now();
    if (!force && now - run.lastEmit < 200) return;
    run.lastEmit = now;
    this.core.events.emit('pacs:progress', this.status(run.id));
  }

  private launch(id: string, c: Connection, who: Who): void {
    let resolve!: () => void;
    const run: Running = { id, abort: new AbortController(), phase: 'listing', startedMs: Date.now(), toFetch: 0, lastEmit: 0, done: new Promise<void>((r) => (resolve = r)) };
    this.running.set(id, run);
    this.emit(run, true);
    void this.execute(run, c, who)
      .catch((err: unknown) => {
        this.core.logger.error('PACS retrieve failed', err);
        this.end(run, 'failed', `The retrieve stopped: ${(err as Error)?.message ?? String(err)}`);
      })
      .finally(() => {
        this.running.delete(id);
        const s = this.status(id);
        this.core.events.emit('pacs:progress', s);
        try {
          if (!who.auditedByCall) this.deps.audit({ retrieveId: id, state: s.state, patientIds: this.summary(id).patientIds, who });
        } catch (err) {
          this.core.logger.error('PACS retrieve audit failed', err);
        }
        resolve();
      });
  }

  private update(id: string, set: Partial<Pick<Row, 'found' | 'already_stored' | 'import_id' | 'error'>>): void {
    for (const [k, v] of Object.entries(set)) this.core.db.prepare(`UPDATE pacs_retrieves SET ${k} = ? WHERE id = ?`).run(v, id);
  }

  private end(run: Running, state: RetrieveState, error: string | null): void {
    this.core.db.prepare("UPDATE pacs_retrieves SET state = ?, error = COALESCE(?, error), finished_at = ? WHERE id = ? AND state = 'running'").run(state, error, this.core.clock.now().toISOString(), run.id);
  }

  /** The instances of one study (or of the wanted series of it) the PACS lists. */
  private async listStudy(c: Connection, studyUid: string, seriesWanted: Set<string>, signal: AbortSignal): Promise<InstanceRef[]> {
    if (seriesWanted.size === 0) return c.client.findInstances(studyUid, undefined, signal);
    const out: InstanceRef[] = [];
    const series = (await c.client.findSeries(studyUid, signal)).filter((s) => seriesWanted.has(s.seriesInstanceUid));
    for (const s of series) out.push(...(await c.client.findInstances(studyUid, s.seriesInstanceUid, signal)));
    return out;
  }

  private async execute(run: Running, c: Connection, who: Who): Promise<void> {
    const row = this.row(run.id);
    const studyUids = JSON.parse(row.study_uids) as string[];
    const seriesWanted = new Set(JSON.parse(row.series_uids) as string[]);
    const signal = run.abort.signal;
    const name = c.node.name;
    const imp = this.deps.startImport({ source: `pacs://${name}`, actor: who.actor });
    this.update(run.id, { import_id: imp.importId });
    let state: RetrieveState = 'done';
    let error: string | null = null;
    let note: PacsMessage | null = null;
    try {
      // 1. What the PACS holds for the request, a few studies at a time (a failing study is reported, the rest go on).
      const listed: (InstanceRef[] | { error: unknown })[] = new Array(studyUids.length);
      let next = 0;
      const lane = async () => {
        while (next < studyUids.length && !signal.aborted) {
          const k = next++;
          try {
            listed[k] = await this.listStudy(c, studyUids[k]!, seriesWanted, signal);
          } catch (err) {
            listed[k] = { error: err };
          }
        }
      };
      await Promise.all(Array.from({ length: Math.min(LIST_CONCURRENCY, studyUids.length) }, lane));
      const refs: InstanceRef[] = [];
      let listingFailed = 0;
      const failStudy = this.core.db.prepare('UPDATE pacs_retrieves SET failed = failed + 1 WHERE id = ?');
      studyUids.forEach((studyUid, k) => {
        const r = listed[k];
        if (!r || signal.aborted) return;
        if ('error' in r) {
          const reason = pacsErrorWords(r.error, name);
          imp.fail(`pacs://${name}/study/${studyUid}`, `The study's instances could not be listed: ${reason}`);
          failStudy.run(run.id);
          listingFailed++;
          error = reason;
          note = pacsErrorNote(r.error, name);
        } else if (r.length === 0) {
          // Said, not skipped: a study the PACS lists no images for is a line of the report.
          imp.fail(`pacs://${name}/study/${studyUid}`, `The PACS listed no images for this study over ${c.via === 'dimse' ? 'DIMSE (some archives do not match unusual UIDs in C-FIND; try DICOMweb)' : 'DICOMweb'}.`);
          failStudy.run(run.id);
        } else refs.push(...r);
      });
      // Nothing could be listed: the PACS is down or refuses; say so rather than "done, 0 found".
      if (listingFailed === studyUids.length && !signal.aborted) {
        note ??= { key: 'listedNothing' };
        throw new RetrieveFailed(error ?? 'The PACS listed nothing.');
      }
      error = null; // some studies listed: the others' failures are lines of the import report
      note = null;
      // 2. Skip what CareLens already holds (the resume, and the re-retrieve that imports nothing).
      const unique = [...new Map(refs.map((r) => [r.sopInstanceUid, r])).values()];
      const stored = storedSopInstanceUids(this.core.db, unique.map((r) => r.sopInstanceUid));
      const toFetch = unique.filter((r) => !stored.has(r.sopInstanceUid));
      this.update(run.id, { found: unique.length, already_stored: stored.size });
      imp.setFound(toFetch.length);
      run.toFetch = toFetch.length;
      run.phase = 'fetching';
      this.emit(run, true);
      // 3. Fetch, each instance straight into the import (awaited: back-pressure).
      if (toFetch.length > 0 && !signal.aborted) {
        const add = this.core.db.prepare('UPDATE pacs_retrieves SET fetched = fetched + 1, bytes = bytes + ? WHERE id = ?');
        const failures = await c.client.fetchInstances(
          toFetch,
          async (ref, part10) => {
            const size = part10.length; // the buffer is transferred to the import worker (then empty here)
            await imp.add(`pacs://${name}/${ref.sopInstanceUid}`, part10);
            add.run(size, run.id);
            this.emit(run);
          },
          { concurrency: this.deps.concurrency ?? 4, signal },
        );
        const fail = this.core.db.prepare('UPDATE pacs_retrieves SET failed = failed + 1 WHERE id = ?');
        for (const f of failures) {
          imp.fail(`pacs://${name}/${f.ref.sopInstanceUid ?? f.ref.seriesInstanceUid ?? f.ref.studyInstanceUid ?? 'unknown'}`, f.reason);
          fail.run(run.id);
        }
      }
      if (signal.aborted) state = 'cancelled';
    } catch (err) {
      if (err instanceof RetrieveFailed) {
        state = 'failed';
        error = err.message;
      } else if (signal.aborted || (err instanceof PacsError && err.kind === 'aborted')) state = 'cancelled';
      else {
        state = 'failed';
        error = pacsErrorWords(err, name);
        note = pacsErrorNote(err, name);
      }
    }
    if (error && note) this.errorNotes.set(run.id, note);
    await imp.finish(state === 'failed' ? 'failed' : state === 'cancelled' ? 'cancelled' : 'done', error);
    this.end(run, state, error);
  }
}
