import type { Core } from '../app/Core';
import type { FeatureHandlers } from '../ipc/dispatch';

/** Builds the reports feature: its services and the handlers for its channels. */
export function createReportsFeature(core: Core) {
  void core;
  const handlers: FeatureHandlers<'reports'> = {};
  return { handlers };
}
