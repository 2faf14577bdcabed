import type { Core } from '../core/Core';
import { newId } from '../core/ids';
import { AppError } from '../../shared/ipc/envelope';
import type { PatientInput } from '../../shared/ipc/patients';
import { hasNoId, type Patient, type PatientPage } from '../../shared/domain/patient';
import { findPatientById, findPatientByMrn, insertPatient, searchPatients, updatePatientRow } from './patientRepository';

/** The patient registry. */
export class PatientService {
  constructor(private readonly core: Pick<Core, 'db' | 'clock'>) {}

  /** Lists patients; `query` matches name, MRN prefix or birth date prefix. */
  list(query?: string, limit = 100, offset = 0): PatientPage {
    return searchPatients(this.core.db, query, limit, offset);
  }

  /** One patient by CareLens id or by MRN; NOT_FOUND otherwise. */
  get(idOrMrn: string): Patient {
    const p = findPatientById(this.core.db, idOrMrn) ?? findPatientByMrn(this.core.db, idOrMrn);
    if (!p) throw new AppError('NOT_FOUND', `No patient with id or MRN "${idOrMrn}".`, { key: 'errors.patients.noPatientWithId', params: { idOrMrn } });
    return p;
  }

  /** Registers a patient. A taken MRN is a CONFLICT and nothing is written. */
  create(input: PatientInput): Patient {
    const now = this.core.clock.now().toISOString();
    const patient: Patient = {
      id: newId(),
      mrn: input.mrn,
      name: input.name,
      birthDate: input.birthDate ?? null,
      sex: input.sex ?? 'U',
      notes: input.notes ?? '',
      createdAt: now,
      updatedAt: now,
    };
    return this.core.db.transaction(() => {
      this.assertNotNoIdKey(patient.mrn);
      this.assertMrnFree(patient.mrn, null);
      insertPatient(this.core.db, patient);
      return patient;
    })();
  }

  /**
   * Edits a patient. Changing the MRN to one that is taken is a CONFLICT. A "no ID" patient's
   * edit without an MRN keeps its NO-ID key (the import finds the patient by it); the key is
   * never written as a new MRN.
   */
  update(id: string, changes: Partial<PatientInput>): Patient {
    return this.core.db.transaction(() => {
      const current = this.get(id);
      const next: Patient = {
        ...current,
        ...(changes.mrn !== undefined ? { mrn: changes.mrn } : {}),
        ...(changes.name !== undefined ? { name: changes.name } : {}),
        ...(changes.birthDate !== undefined ? { birthDate: changes.birthDate } : {}),
        ...(changes.sex !== undefined ? { sex: changes.sex } : {}),
        ...(changes.notes !== undefined ? { notes: changes.notes } : {}),
        updatedAt: this.core.clock.now().toISOString(),
      };
      if (next.mrn !== current.mrn) this.assertNotNoIdKey(next.mrn);
      this.assertMrnFree(next.mrn, current.id);
      updatePatientRow(this.core.db, next);
      return next;
    })();
  }

  /** The NO-ID: prefix marks the import's key of a patient without a Patient ID (`hasNoId`): nobody types one as an MRN. */
  private assertNotNoIdKey(mrn: string): void {
    if (!hasNoId({ mrn })) return;
    throw new AppError('VALIDATION', `"${mrn}" is the key CareLens gives a patient without a Patient ID, not an MRN. Nothing was changed.`, {
      key: 'errors.patients.mrnIsNoIdKey',
      params: { mrn },
      issues: [{ path: 'mrn', message: 'Not an MRN: leave it empty, or type the real MRN', key: 'errors.issues.mrnIsNoIdKey' }],
    });
  }

  private assertMrnFree(mrn: string, ownId: string | null): void {
    const holder = findPatientByMrn(this.core.db, mrn);
    if (holder && holder.id !== ownId) {
      throw new AppError('CONFLICT', `MRN ${mrn} already belongs to another patient (${holder.name}). Nothing was changed.`, {
        key: 'errors.patients.mrnAlreadyBelongsAnother',
        params: { mrn, name: holder.name },
        issues: [{ path: 'mrn', message: 'This MRN is already in use', key: 'errors.issues.mrnInUse' }],
      });
    }
  }
}
