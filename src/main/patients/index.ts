import type { Core } from '../core/Core';
import { actorName, type FeatureHandlers } from '../ipc/dispatch';
import { AllergyService } from './AllergyService';
import { PatientService } from './PatientService';

export function createPatientsFeature(core: Core) {
  const service = new PatientService(core);
  const allergies = new AllergyService(core);
  const handlers: FeatureHandlers<'patients'> = {
    'patients:list': (i) => service.list(i.query, i.limit, i.offset),
    'patients:get': (i) => service.get(i.id),
    'patients:create': (i) => service.create(i),
    'patients:update': (i) => service.update(i.id, i.changes),
    'patients:summaries': (i) => allergies.summaries(i.ids),
    'patients:allergies': (i) => allergies.record(i.patientId),
    'patients:addAllergy': (i, ctx) => allergies.add(i.patientId, i.allergy, actorName(ctx)),
    'patients:removeAllergy': (i, ctx) => allergies.remove(i.patientId, i.entryId, i.reason ?? '', actorName(ctx)),
    'patients:noKnownAllergies': (i, ctx) => allergies.noKnownAllergies(i.patientId, actorName(ctx)),
  };
  return { service, allergies, handlers };
}
