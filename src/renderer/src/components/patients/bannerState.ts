import type { PatientSummary } from '../../../../shared/domain/patient';

/** What a patient banner is showing: a patient, or why there is none (yet). */
export type BannerState =
  | { kind: 'none'; text: string }
  | { kind: 'loading' }
  | { kind: 'unassigned' }
  | { kind: 'error'; message: string }
  | { kind: 'ready'; summary: PatientSummary };
