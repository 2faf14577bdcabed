import type { Core } from '../app/Core';
import type { FeatureHandlers } from '../ipc/dispatch';

/** Builds the ml feature: its services and the handlers for its channels. */
export function createMlFeature(core: Core) {
  void core;
  const handlers: FeatureHandlers<'ml'> = {};
  return { handlers };
}
