import { defineStore } from 'pinia';
import { ref } from 'vue';
import type { Patient, PatientAllergyRecord } from '../../../shared/domain/patient';
import type { AllergyInput, PatientInput } from '../../../shared/ipc/patients';
import { api, unwrapResult } from '../api';

export const usePatientsStore = defineStore('patients', () => {
  const items = ref<Patient[]>([]);
  const total = ref(0);
  const query = ref('');
  const loading = ref(false);
  const error = ref<string | null>(null);
  const selectedId = ref<string | null>(null);
  /** Counts changes to patient records (details, allergies): patient banners fetch again when it moves. */
  const changes = ref(0);

  async function search(q = query.value) {
    query.value = q;
    loading.value = true;
    try {
      const page = unwrapResult(await api().patients.list({ query: q || undefined, limit: 200 }));
      items.value = page.items;
      total.value = page.total;
      error.value = null;
    } catch (err) {
      error.value = (err as Error).message;
    } finally {
      loading.value = false;
    }
  }

  let stopImports: (() => void) | null = null;

  /**
   * Searches again whenever an import ends (an `imaging:progress` event in a final state), so
   * the patients it registered show without a reload. Idempotent; the Patients page calls it.
   */
  function listenForImports() {
    if (stopImports) return;
    try {
      stopImports = api().on('imaging:progress', (progress) => {
        if (progress.state !== 'running') void search();
      });
    } catch {
      // No event channel (a test double without `on`): the page still loads on mount.
    }
  }

  function stopListeningForImports() {
    stopImports?.();
    stopImports = null;
  }

  /** Creates a patient; throws ApiError (with field issues) for the form to show. */
  async function create(input: PatientInput): Promise<Patient> {
    const patient = unwrapResult(await api().patients.create(input));
    selectedId.value = patient.id;
    await search();
    return patient;
  }

  async function update(id: string, edits: Partial<PatientInput>): Promise<Patient> {
    const patient = unwrapResult(await api().patients.update({ id, changes: edits }));
    changes.value++;
    await search();
    return patient;
  }

  // ---------------------------------------------------------------- allergies (each call names its patient)

  async function allergies(patientId: string): Promise<PatientAllergyRecord> {
    return unwrapResult(await api().patients.allergies({ patientId }));
  }

  /** Records an allergy; throws ApiError (with field issues) for the form to show. */
  async function addAllergy(patientId: string, allergy: AllergyInput): Promise<PatientAllergyRecord> {
    const record = unwrapResult(await api().patients.addAllergy({ patientId, allergy }));
    changes.value++;
    return record;
  }

  async function removeAllergy(patientId: string, entryId: string, reason: string): Promise<PatientAllergyRecord> {
    const record = unwrapResult(await api().patients.removeAllergy({ patientId, entryId, ...(reason ? { reason } : {}) }));
    changes.value++;
    return record;
  }

  async function noKnownAllergies(patientId: string): Promise<PatientAllergyRecord> {
    const record = unwrapResult(await api().patients.noKnownAllergies({ patientId }));
    changes.value++;
    return record;
  }

  return { items, total, query, loading, error, selectedId, changes, search, listenForImports, stopListeningForImports, create, update, allergies, addAllergy, removeAllergy, noKnownAllergies };
});
