import type { Core } from '../app/Core';
import type { FeatureHandlers } from '../ipc/dispatch';

/** Builds the labels feature: its services and the handlers for its channels. */
export function createLabelsFeature(core: Core) {
  void core;
  const handlers: FeatureHandlers<'labels'> = {};
  return { handlers };
}
