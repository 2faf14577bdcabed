import type { Core } from '../app/Core';
import type { FeatureHandlers } from '../ipc/dispatch';

/** Builds the imaging feature: its services and the handlers for its channels. */
export function createImagingFeature(core: Core) {
  void core;
  const handlers: FeatureHandlers<'imaging'> = {};
  return { handlers };
}
