import type { Core } from '../core/Core';
import { actorName, type FeatureHandlers } from '../ipc/dispatch';
import type { FramePixels } from '../../shared/domain/imaging';
import { HeaderReader } from './header';
import { MeasurementService, type MeasurementSources } from './MeasurementService';

export interface MeasurementsDeps {
  /** The imaging feature's frame service: one full frame as `imaging:frame` answers it (decoded off the main thread). */
  imaging: { service: { frame(id: string, frame?: number, preview?: boolean): Promise<FramePixels> } };
  /** For tests: another header source. */
  header?: MeasurementSources['header'];
}

/**
 * Builds the measurements feature: probe, length, angle and rectangle/ellipse ROI computed in the
 * main process from the decoded frame (through imaging) and the header's spacing, stored per image
 * and frame with author and time. Audit comes from the channels' audit kinds (the gate records
 * every call and the patient it touched, resolved from `imageId`).
 */
export function createMeasurementsFeature(core: Core, deps: MeasurementsDeps) {
  const headers = new HeaderReader(core);
  const service = new MeasurementService(core, {
    frame: (imageId, frame) => deps.imaging.service.frame(imageId, frame, false),
    header: deps.header ?? ((imageId) => headers.header(imageId)),
  });
  const handlers: FeatureHandlers<'measurements'> = {
    'measurements:add': (i, ctx) => service.add(i, actorName(ctx)),
    'measurements:list': (i) => service.list(i.imageId, i.frame),
    'measurements:listMany': (i) => service.listMany(i.imageIds),
    'measurements:remove': (i, ctx) => service.remove(i.id, actorName(ctx)),
    'measurements:calibration': (i) => service.calibration(i.imageId),
  };
  return { service, handlers };
}
