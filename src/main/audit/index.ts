import type { Core } from '../app/Core';
import type { FeatureHandlers } from '../ipc/dispatch';

/** Builds the audit feature: its services and the handlers for its channels. */
export function createAuditFeature(core: Core) {
  void core;
  const handlers: FeatureHandlers<'audit'> = {};
  return { handlers };
}
