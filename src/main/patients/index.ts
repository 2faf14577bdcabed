import type { Core } from '../core/Core';
import type { FeatureHandlers } from '../ipc/dispatch';
import { PatientService } from './PatientService';

export function createPatientsFeature(core: Core) {
  const service = new PatientService(core);
  const handlers: FeatureHandlers<'patients'> = {
    'patients:list': (i) => service.list(i.query, i.limit, i.offset),
    'patients:get': (i) => service.get(i.id),
    'patients:create': (i) => service.create(i),
    'patients:update': (i) => service.update(i.id, i.changes),
  };
  return { service, handlers };
}
