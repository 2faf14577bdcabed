import type { Core } from '../app/Core';
import type { FeatureHandlers } from '../ipc/dispatch';

/** Builds the careplans feature: its services and the handlers for its channels. */
export function createCareplansFeature(core: Core) {
  void core;
  const handlers: FeatureHandlers<'careplans'> = {};
  return { handlers };
}
