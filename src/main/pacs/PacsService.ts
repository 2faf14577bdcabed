import type { Core } from '../core/Core';
import { newId } from '../core/ids';
import { AppError } from '../../shared/ipc/envelope';
import type { PacsEchoReport, PacsMessage, PacsNode, PacsProtocol, PacsSeries, PacsStudy } from '../../shared/domain/pacs';
import type { PacsNodeInput } from '../../shared/ipc/pacs';
import { findNode, insertNode, listNodes, removeNode, type NodeWithSecrets } from './nodes';
import { PacsError, type DicomWebEndpoint, type DimseEndpoint, type PacsClient, type StudyQuery } from './protocol/types';

/** Makes the wire clients (the real DICOMweb and DIMSE clients; tests may pass fakes). */
export interface PacsClients {
  dicomweb(ep: DicomWebEndpoint): PacsClient;
  dimse(ep: DimseEndpoint): PacsClient;
}

/** A node and a client for it over one protocol. */
export interface Connection {
  node: PacsNode;
  via: PacsProtocol;
  client: PacsClient;
}

/** What a PacsError means to the person who asked, per kind. */
export function pacsErrorWords(err: unknown, nodeName: string): string {
  const detail = ((err as Error)?.message ?? String(err)).replace(/[.\s]+$/, '');
  if (err instanceof PacsError) {
    switch (err.kind) {
      case 'unreachable':
        return `The PACS "${nodeName}" cannot be reached: ${detail}. Check that it is running and the address is right.`;
      case 'timeout':
        return `The PACS "${nodeName}" did not answer in time: ${detail}. Try again, or ask the PACS administrator.`;
      case 'refused':
        return `The PACS "${nodeName}" refused the request: ${detail}. Check the AE titles and permissions with the PACS administrator.`;
      case 'http':
        return `The PACS "${nodeName}" answered with an error: ${detail}.`;
      case 'malformed':
        return `The PACS "${nodeName}" sent an answer CareLens cannot read: ${detail}.`;
      case 'association':
        return `The DICOM connection to "${nodeName}" failed: ${detail}.`;
      case 'aborted':
        return 'Stopped on request.';
    }
  }
  return `Talking to the PACS "${nodeName}" failed: ${detail}.`;
}

/** pacsErrorWords as a key and parameters (`pacs.error.<key>`) for the renderer to word. */
export function pacsErrorNote(err: unknown, nodeName: string): PacsMessage {
  const detail = ((err as Error)?.message ?? String(err)).replace(/[.\s]+$/, '');
  return { key: err instanceof PacsError ? err.kind : 'other', params: { node: nodeName, detail } };
}

/** PACS nodes (admin), "Test connection", and queries. Retrieve and send are their own services. */
export class PacsService {
  constructor(
    private readonly core: Core,
    private readonly clients: PacsClients,
  ) {}

  nodes(): PacsNode[] {
    return listNodes(this.core.db);
  }

  addNode(input: PacsNodeInput, actor: string): PacsNode {
    const db = this.core.db;
    const id = newId();
    if (listNodes(db).some((n) => n.name.toLowerCase() === input.name.trim().toLowerCase())) throw new AppError('CONFLICT', `A PACS node named "${input.name}" already exists. Choose another name or remove that one first.`, { key: 'errors.pacs.pacsNodeNamedAlready', params: { name: input.name } });
    const auth = input.dicomweb?.auth;
    insertNode(db, {
      id,
      name: input.name.trim(),
      ...(input.dicomweb ? { dicomweb: { baseUrl: input.dicomweb.baseUrl, ...(auth ? { auth } : {}), ...(input.dicomweb.caPem ? { caPem: input.dicomweb.caPem } : {}) } } : {}),
      ...(input.dimse ? { dimse: input.dimse } : {}),
      research: Boolean(input.research),
      createdBy: actor,
      createdAt: this.core.clock.now().toISOString(),
    });
    return this.node(id).node;
  }

  removeNode(nodeId: string): { removed: boolean } {
    const n = this.node(nodeId);
    return { removed: removeNode(this.core.db, n.node.id, this.core.clock.now().toISOString()) };
  }

  /** A node by id or name, with its secrets (main process only). */
  node(idOrName: string): NodeWithSecrets {
    const n = findNode(this.core.db, idOrName);
    if (!n) throw new AppError('NOT_FOUND', `No PACS node "${idOrName}". An administrator adds nodes in the PACS section (or with carelens pacs add).`, { key: 'errors.pacs.noPacsNodeAdministrator', params: { idOrName } });
    return n;
  }

  /** A client for the node over the protocol asked for, else the one it has (DICOMweb first). */
  connect(idOrName: string, via?: PacsProtocol): Connection {
    const n = this.node(idOrName);
    const chosen: PacsProtocol | null = via ?? (n.dicomweb ? 'dicomweb' : n.dimse ? 'dimse' : null);
    if (chosen === 'dicomweb') {
      if (!n.dicomweb) throw new AppError('VALIDATION', `The PACS node "${n.node.name}" has no DICOMweb address; use DIMSE or add one.`, { key: 'errors.pacs.pacsNodeHasNo', params: { name: n.node.name } });
      return { node: n.node, via: chosen, client: this.clients.dicomweb(n.dicomweb) };
    }
    if (chosen === 'dimse') {
      if (!n.dimse) throw new AppError('VALIDATION', `The PACS node "${n.node.name}" has no DIMSE settings (AE title, host, port); use DICOMweb or add them.`, { key: 'errors.pacs.pacsNodeHasNo2', params: { name: n.node.name } });
      return { node: n.node, via: chosen, client: this.clients.dimse(n.dimse) };
    }
    throw new AppError('VALIDATION', `The PACS node "${n.node.name}" has neither a DICOMweb address nor DIMSE settings.`, { key: 'errors.pacs.pacsNodeHasNeither', params: { name: n.node.name } });
  }

  /** "Test connection": C-ECHO and a DICOMweb query, each timed; a protocol not configured is null. */
  async echo(nodeId: string): Promise<PacsEchoReport> {
    const n = this.node(nodeId);
    const run = async (via: PacsProtocol) => {
      try {
        const r = await this.connect(n.node.id, via).client.echo();
        return r.ok ? { ok: true, ms: r.ms } : { ok: false, ms: r.ms, error: r.error ?? 'no answer', ...(r.error ? {} : { errorNote: { key: 'noAnswer' } }) };
      } catch (err) {
        return { ok: false, ms: 0, error: pacsErrorWords(err, n.node.name), errorNote: pacsErrorNote(err, n.node.name) };
      }
    };
    const [dimse, dicomweb] = await Promise.all([n.dimse ? run('dimse') : null, n.dicomweb ? run('dicomweb') : null]);
    return { dimse, dicomweb };
  }

  async query(input: StudyQuery & { nodeId: string; via?: PacsProtocol }): Promise<PacsStudy[]> {
    const { nodeId, via, ...q } = input;
    if (q.studyDateFrom && q.studyDateTo && q.studyDateFrom > q.studyDateTo) throw new AppError('VALIDATION', 'The study date range ends before it starts.', { key: 'errors.pacs.studyDateRangeEnds', issues: [{ path: 'studyDateTo', message: 'Before the start date', key: 'errors.issues.beforeStartDate' }] });
    const c = this.connect(nodeId, via);
    const clean: StudyQuery = Object.fromEntries(Object.entries(q).filter(([, v]) => v !== undefined && v !== '')) as StudyQuery;
    try {
      const found = await c.client.findStudies({ limit: 200, ...clean });
      return found.map((s) => ({ ...s, modalities: [...s.modalities] }));
    } catch (err) {
      throw new AppError('CONFLICT', pacsErrorWords(err, c.node.name), {
        key: `errors.pacs.talk.${err instanceof PacsError ? err.kind : 'other'}`,
        params: { name: c.node.name, detail: ((err as Error)?.message ?? String(err)).replace(/[.\s]+$/, '') },
      });
    }
  }

  async series(nodeId: string, studyUid: string, via?: PacsProtocol): Promise<PacsSeries[]> {
    const c = this.connect(nodeId, via);
    try {
      return await c.client.findSeries(studyUid);
    } catch (err) {
      throw new AppError('CONFLICT', pacsErrorWords(err, c.node.name), {
        key: `errors.pacs.talk.${err instanceof PacsError ? err.kind : 'other'}`,
        params: { name: c.node.name, detail: ((err as Error)?.message ?? String(err)).replace(/[.\s]+$/, '') },
      });
    }
  }
}
