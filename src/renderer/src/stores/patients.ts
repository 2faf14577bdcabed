import { defineStore } from 'pinia';
import { ref } from 'vue';
import type { Patient } from '../../../shared/domain/patient';
import type { PatientInput } from '../../../shared/ipc/patients';
import { api, unwrapResult } from '../api';

export const usePatientsStore = defineStore('patients', () => {
  const items = ref<Patient[]>([]);
  const total = ref(0);
  const query = ref('');
  const loading = ref(false);
  const error = ref<string | null>(null);
  const selectedId = ref<string | null>(null);

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

  /** Creates a patient; throws ApiError (with field issues) for the form to show. */
  async function create(input: PatientInput): Promise<Patient> {
    const patient = unwrapResult(await api().patients.create(input));
    selectedId.value = patient.id;
    await search();
    return patient;
  }

  async function update(id: string, changes: Partial<PatientInput>): Promise<Patient> {
    const patient = unwrapResult(await api().patients.update({ id, changes }));
    await search();
    return patient;
  }

  return { items, total, query, loading, error, selectedId, search, create, update };
});
