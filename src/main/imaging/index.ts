import type { Core } from '../core/Core';
import { actorName, type FeatureHandlers } from '../ipc/dispatch';
import { ImagingService } from './ImagingService';
import { ImportService, type WorkerFactory } from './ImportService';
import { startBytesImport } from './BytesImport';
import { startImagingWorker } from './startImagingWorker';
import { patientOverview } from './overview';

/**
 * Builds the imaging feature: batch import (worker thread), browsing, pixels for the viewer.
 * Other features decode pixels with `imaging.service.decode(id, frame)` or storedImage.ts's
 * `decodeStoredImage(core, id, frame, codecs)`.
 */
export function createImagingFeature(core: Core, deps: { workerFactory?: WorkerFactory } = {}) {
  const service = new ImagingService(core, deps.workerFactory);
  const imports = new ImportService(core, deps.workerFactory);
  const handlers: FeatureHandlers<'imaging'> = {
    'imaging:importStart': (i, ctx) => imports.start(i, actorName(ctx)),
    'imaging:import': (i, ctx) => imports.run(i, actorName(ctx)),
    'imaging:importCancel': (i) => imports.cancel(i.importId),
    'imaging:importStatus': (i) => imports.status(i.importId),
    'imaging:imports': (i) => imports.list(i.limit),
    'imaging:importReport': (i) => imports.report(i.importId, i.limit, i.offset),
    'imaging:importReportCsv': (i) => imports.reportCsv(i.importId),
    'imaging:patients': (i) => service.patients(i.query),
    'imaging:studies': (i) => service.studies(i.patientId),
    'imaging:patientOverview': (i) => {
      const overview = patientOverview(core, service, i.patientId);
      // The viewer opens the first image shown next: its decode starts now, not a round trip later.
      const first = overview.opened?.page.items[0];
      if (first) service.readAhead(first.id);
      return overview;
    },
    'imaging:series': (i) => service.series(i.studyId),
    'imaging:images': (i) => service.images(i),
    'imaging:image': (i) => service.image(i.id),
    'imaging:frame': (i) => service.frame(i.id, i.frame, i.preview),
    'imaging:thumbnails': (i) => service.thumbnails(i.ids),
    'imaging:tags': (i) => service.tags(i.id),
  };
  return {
    service,
    imports,
    /** An import of in-memory Part-10 instances (a PACS retrieve) through the folder import's per-file path and writer. */
    startBytesImport: (opts: { source: string; actor: string }) => startBytesImport(core, deps.workerFactory ?? startImagingWorker, opts),
    handlers,
    dispose: async () => {
      await imports.dispose();
      await service.dispose();
    },
  };
}
