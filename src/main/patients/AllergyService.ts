import type { Core } from '../core/Core';
import { newId } from '../core/ids';
import { AppError } from '../../shared/ipc/envelope';
import type { AllergyInput } from '../../shared/ipc/patients';
import type { Patient, PatientAllergies, PatientAllergyRecord, PatientSummary } from '../../shared/domain/patient';
import { allergyHistory, findAllergyEntry, insertAllergyRow, markAllergyRemoved, standingAllergies } from './allergyRepository';
import { findPatientById, findPatientByMrn } from './patientRepository';

/**
 * A patient's allergies: recorded, removed (the entry stays as history) or stated as "no known
 * allergies". Recording an allergy withdraws a standing "no known allergies" statement; the
 * statement is refused while an allergy stands, so the two never contradict each other.
 */
export class AllergyService {
  constructor(private readonly core: Pick<Core, 'db' | 'clock'>) {}

  private patient(idOrMrn: string): Patient {
    const p = findPatientById(this.core.db, idOrMrn) ?? findPatientByMrn(this.core.db, idOrMrn);
    if (!p) throw new AppError('NOT_FOUND', `No patient with id or MRN "${idOrMrn}".`, { key: 'errors.patients.noPatientWithId', params: { idOrMrn } });
    return p;
  }

  private standing(patientId: string): PatientAllergies {
    return standingAllergies(this.core.db, [patientId]).get(patientId)!;
  }

  /** A patient's standing allergies, their status, and the whole history. */
  record(patientIdOrMrn: string): PatientAllergyRecord {
    const p = this.patient(patientIdOrMrn);
    return { ...this.standing(p.id), history: allergyHistory(this.core.db, p.id) };
  }

  /** Who these patients are and their allergy status (for patient banners); unknown ids are NOT_FOUND. */
  summaries(idsOrMrns: readonly string[]): PatientSummary[] {
    const patients = idsOrMrns.map((ref) => this.patient(ref));
    const allergies = standingAllergies(this.core.db, patients.map((p) => p.id));
    return patients.map((patient) => ({ patient, allergies: allergies.get(patient.id)! }));
  }

  /** Records an allergy; the same substance standing twice is a CONFLICT. */
  add(patientIdOrMrn: string, input: AllergyInput, by: string): PatientAllergyRecord {
    const db = this.core.db;
    return db.transaction(() => {
      const p = this.patient(patientIdOrMrn);
      const now = this.core.clock.now().toISOString();
      const current = this.standing(p.id);
      const substance = input.substance.trim().replace(/\s+/g, ' ');
      const same = current.allergies.find((a) => a.substance.toLowerCase() === substance.toLowerCase());
      if (same) {
        throw new AppError('CONFLICT', `${p.name} already has an allergy to ${same.substance} on record. Nothing was changed.`, {
          key: 'errors.patients.alreadyHasAllergyRecord',
          params: { name: p.name, substance: same.substance },
          issues: [{ path: 'substance', message: 'Already recorded for this patient', key: 'errors.issues.alreadyRecorded' }],
        });
      }
      if (current.noneKnown) markAllergyRemoved(db, current.noneKnown.id, now, by, `allergy to ${substance} recorded`);
      insertAllergyRow(db, {
        id: newId(),
        patientId: p.id,
        kind: 'allergy',
        substance,
        code: input.code ?? null,
        codeSystem: input.codeSystem ?? null,
        reaction: input.reaction?.trim() ?? '',
        severity: input.severity ?? null,
        recordedAt: now,
        recordedBy: by,
      });
      return this.record(p.id);
    })();
  }

  /** Removes a standing allergy or "no known allergies" statement; it stays in the history with the reason. */
  remove(patientIdOrMrn: string, entryId: string, reason: string, by: string): PatientAllergyRecord {
    const db = this.core.db;
    return db.transaction(() => {
      const p = this.patient(patientIdOrMrn);
      const entry = findAllergyEntry(db, p.id, entryId);
      if (!entry) throw new AppError('NOT_FOUND', `${p.name} has no allergy entry ${entryId}.`, { key: 'errors.patients.hasNoAllergyEntry', params: { name: p.name, entryId } });
      if (entry.removedAt !== null) throw new AppError('CONFLICT', `That entry was already removed (${entry.removedAt.slice(0, 10)}, by ${entry.removedBy}). Nothing was changed.`, { key: 'errors.patients.entryWasAlreadyRemoved', params: { removedAt: entry.removedAt.slice(0, 10), removedBy: String(entry.removedBy) } });
      markAllergyRemoved(db, entry.id, this.core.clock.now().toISOString(), by, reason.trim());
      return this.record(p.id);
    })();
  }

  /** States that the patient has no known allergies; refused (CONFLICT) while an allergy stands. */
  noKnownAllergies(patientIdOrMrn: string, by: string): PatientAllergyRecord {
    const db = this.core.db;
    return db.transaction(() => {
      const p = this.patient(patientIdOrMrn);
      const current = this.standing(p.id);
      if (current.allergies.length > 0) {
        const names = current.allergies.map((a) => a.substance).join(', ');
        throw new AppError('CONFLICT', `${p.name} has allergies on record (${names}): remove them first if they were entered in error. Nothing was changed.`, { key: 'errors.patients.hasAllergiesRecordRemove', params: { name: p.name, names } });
      }
      // Stating it again renews who said it and when.
      const now = this.core.clock.now().toISOString();
      if (current.noneKnown) markAllergyRemoved(db, current.noneKnown.id, now, by, 'stated again');
      insertAllergyRow(db, { id: newId(), patientId: p.id, kind: 'none-known', substance: '', code: null, codeSystem: null, reaction: '', severity: null, recordedAt: now, recordedBy: by });
      return this.record(p.id);
    })();
  }
}
