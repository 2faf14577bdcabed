import type { Core } from '../core/Core';
import type { FeatureHandlers } from '../ipc/dispatch';
import { AuditLog } from './AuditLog';

/** Builds the audit feature: the trail's reader (list, verify, export) and its channels. */
export function createAuditFeature(core: Core) {
  const log = new AuditLog(core);
  const handlers: FeatureHandlers<'audit'> = {
    'audit:list': (i) => {
      const { limit, offset, ...filter } = i;
      return log.list(filter, limit ?? 200, offset ?? 0);
    },
    'audit:verify': () => log.verify(),
    'audit:export': (i) => log.exportCsv(i),
  };
  return { log, handlers };
}
