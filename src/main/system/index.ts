import type { Core } from '../core/Core';
import type { FeatureHandlers } from '../ipc/dispatch';
import type { BackendInfo, SystemStatus } from '../../shared/ipc/system';
import { schemaVersion } from '../db/migrations';

export const DISCLAIMER =
  'CareLens is decision support. Its model outputs and recommendations are suggestions for a qualified clinician to check; they are not a diagnosis.';

export function createSystemFeature(core: Core, backend: () => BackendInfo) {
  const status = (): SystemStatus => ({
    app: 'CareLens',
    version: core.version,
    transport: core.runtime,
    dataDir: core.paths.root,
    databasePath: core.paths.database,
    schemaVersion: schemaVersion(core.db),
    backend: backend(),
    disclaimer: DISCLAIMER,
  });
  const handlers: FeatureHandlers<'system'> = {
    'system:status': () => status(),
  };
  return { status, handlers };
}
