import type { Core } from '../core/Core';
import { actorName, type CallContext, type FeatureHandlers } from '../ipc/dispatch';
import type { AuditAppend } from '../audit/AuditLog';
import type { ImportSummary } from '../../shared/domain/imaging';
import type { BytesImportRun } from '../imaging/BytesImport';
import { createDicomWebClient } from './protocol/dicomweb';
import { createDimseClient } from './protocol/dimse';
import { PacsService, type PacsClients } from './PacsService';
import { Retriever, type Who } from './retrieve';
import { Sender } from './send';

export interface PacsDeps {
  /** The imaging feature's in-memory import and its summaries. */
  imaging: { startBytesImport(opts: { source: string; actor: string }): BytesImportRun; imports: { summary(importId: string): ImportSummary } };
  /** Appends to the audit trail (a background retrieve's end, with the patients it touched). */
  audit?: (entry: AuditAppend) => void;
  /** The wire clients; tests may pass fakes. */
  clients?: PacsClients;
}

/** The real wire clients (engineer D1's protocol layer). */
export const defaultPacsClients: PacsClients = {
  dicomweb: (ep) => createDicomWebClient(ep),
  dimse: (ep) => createDimseClient(ep),
};

const who = (ctx: CallContext): Who => ({ actor: actorName(ctx), ctx });

/**
 * Builds the PACS feature: nodes (admin), "Test connection", query, retrieve into the import
 * pipeline, and sending reviewed findings back (SR + heatmap Secondary Capture).
 */
export function createPacsFeature(core: Core, deps: PacsDeps) {
  const service = new PacsService(core, deps.clients ?? defaultPacsClients);
  const retriever = new Retriever(core, {
    connect: (nodeId, via) => service.connect(nodeId, via),
    startImport: (opts) => deps.imaging.startBytesImport(opts),
    importSummary: (importId) => deps.imaging.imports.summary(importId),
    audit: ({ retrieveId, state, patientIds, who: w }) => {
      const ctx = w.ctx as CallContext;
      deps.audit?.({
        actorId: ctx.actor?.id ?? '',
        actorName: ctx.actor?.username ?? w.actor,
        actorRole: ctx.actor?.role ?? 'none',
        transport: ctx.transport,
        channel: 'pacs:retrieve',
        kind: 'change',
        outcome: state === 'done' ? 'ok' : state,
        patientIds,
        detail: JSON.stringify({ retrieveId, state, finished: true }),
      });
    },
  });
  const sender = new Sender(core, (nodeId, via) => service.connect(nodeId, via));
  const handlers: FeatureHandlers<'pacs'> = {
    'pacs:nodes': () => service.nodes(),
    'pacs:addNode': (i, ctx) => service.addNode(i, actorName(ctx)),
    'pacs:removeNode': (i) => service.removeNode(i.nodeId),
    'pacs:echo': (i) => service.echo(i.nodeId),
    'pacs:query': (i) => service.query(i),
    'pacs:series': (i) => service.series(i.nodeId, i.studyUid, i.via),
    'pacs:retrieveStart': (i, ctx) => retriever.start(i, who(ctx)),
    'pacs:retrieve': (i, ctx) => retriever.run(i, who(ctx)),
    'pacs:resume': (i, ctx) => retriever.resume(i.retrieveId, who(ctx)),
    'pacs:cancel': (i) => retriever.cancel(i.retrieveId),
    'pacs:retrieves': (i) => retriever.list(i.limit),
    'pacs:retrieveSummary': (i) => retriever.summary(i.retrieveId),
    'pacs:send': (i, ctx) => sender.send(i, actorName(ctx)),
  };
  return { service, retriever, sender, handlers, dispose: () => retriever.dispose() };
}
