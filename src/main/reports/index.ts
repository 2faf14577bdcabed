import type { Core } from '../core/Core';
import { actorName, type FeatureHandlers } from '../ipc/dispatch';
import { ExportService } from './ExportService';
import { noProviders, type ReportProviders } from './providers';
import type { ReportFonts } from './pdf/fonts';

export type { ReportProviders, ReportThumbnail } from './providers';
export { reportProvidersFrom } from './wiring';

export interface ReportsDeps {
  /** What the other features give the reports; each defaults to "not available yet". */
  providers?: Partial<ReportProviders>;
  /** For tests: where the fonts come from. */
  fonts?: () => ReportFonts;
}

/** Builds the reports feature: its services and the handlers for its channels. */
export function createReportsFeature(core: Core, deps: ReportsDeps = {}) {
  const providers: ReportProviders = { ...noProviders, ...deps.providers };
  const service = new ExportService(core, providers, deps.fonts);
  const handlers: FeatureHandlers<'reports'> = {
    'reports:preview': (i) => service.preview(i.patient, i.studyIds),
    'reports:export': (i, ctx) => service.start(i, actorName(ctx)),
    'reports:cancel': (i) => service.cancel(i.jobId),
    'reports:job': (i) => service.job(i.jobId),
    'reports:jobs': (i) => service.jobs(i.limit),
    'reports:file': (i) => service.readFile(i.jobId, i.fileName),
    'reports:settings': () => service.settings(),
    'reports:setSettings': (i) => service.setSettings(i),
  };
  return { service, handlers, dispose: () => service.dispose() };
}
