import { defineStore } from 'pinia';
import { ref } from 'vue';
import type { CarePlan, ConditionRef, CsvImportResult, PatientCondition, PlanAssignment, RecommendMode, RecommendationList } from '../../../shared/domain/careplans';
import type { PlanInput } from '../../../shared/ipc/careplans';
import type { Patient } from '../../../shared/domain/patient';
import { api, unwrapResult, errorText } from '../api';

/** The care-plan section: one patient's problem list, recommendations and assignments, and the catalog. */
export const useCareplansStore = defineStore('careplans', () => {
  const patient = ref<Patient | null>(null);
  const conditions = ref<PatientCondition[]>([]);
  const recommendations = ref<RecommendationList | null>(null);
  const assignments = ref<PlanAssignment[]>([]);
  const mode = ref<RecommendMode>('hybrid');
  const k = ref(5);
  const plans = ref<CarePlan[]>([]);
  const loading = ref(false);
  /** Why there are no recommendations (empty catalog, unknown patient), in the service's words. */
  const error = ref<string | null>(null);

  async function open(patientId: string) {
    patient.value = unwrapResult(await api().patients.get({ id: patientId }));
    await refresh();
  }

  /** Reloads the problem list, assignments and recommendations of the open patient. */
  async function refresh() {
    if (!patient.value) return;
    const id = patient.value.id;
    loading.value = true;
    try {
      conditions.value = unwrapResult(await api().careplans.conditions({ patientId: id }));
      assignments.value = unwrapResult(await api().careplans.assignments({ patientId: id }));
      const r = await api().careplans.recommend({ patientId: id, mode: mode.value, k: k.value });
      if (r.ok) {
        recommendations.value = r.value;
        error.value = null;
      } else {
        recommendations.value = null;
        error.value = errorText(r.error);
      }
    } finally {
      loading.value = false;
    }
  }

  async function setMode(m: RecommendMode) {
    mode.value = m;
    await refresh();
  }

  async function addCondition(c: ConditionRef) {
    unwrapResult(await api().careplans.addCondition({ patientId: patient.value!.id, condition: c }));
    await refresh();
  }

  async function removeCondition(conditionId: string) {
    unwrapResult(await api().careplans.removeCondition({ patientId: patient.value!.id, conditionId }));
    await refresh();
  }

  async function decide(planId: string, decision: 'accept' | 'decline', reason: string, recommendationReason: string) {
    unwrapResult(
      await api().careplans.decide({
        patientId: patient.value!.id,
        planId,
        decision,
        mode: mode.value,
        ...(reason ? { reason } : {}),
        ...(recommendationReason ? { recommendationReason } : {}),
      }),
    );
    await refresh();
  }

  async function recordOutcome(assignmentId: string, grade: number | null, improved: boolean | null, note: string) {
    unwrapResult(await api().careplans.recordOutcome({ assignmentId, grade, improved, ...(note ? { note } : {}) }));
    await refresh();
  }

  async function loadPlans() {
    plans.value = unwrapResult(await api().careplans.listPlans({ includeRetired: true }));
  }

  async function afterCatalogChange() {
    await loadPlans();
    await refresh();
  }

  async function loadDemo(): Promise<CsvImportResult> {
    const r = unwrapResult(await api().careplans.loadDemo({}));
    await afterCatalogChange();
    return r;
  }

  async function savePlan(id: string | undefined, fields: PlanInput): Promise<CarePlan> {
    const p = unwrapResult(await api().careplans.savePlan({ ...(id ? { id } : {}), fields }));
    await afterCatalogChange();
    return p;
  }

  async function retirePlan(id: string, retired: boolean) {
    unwrapResult(await api().careplans.retirePlan({ id, retired }));
    await afterCatalogChange();
  }

  async function importCsv(kind: 'plans' | 'assignments', csv: string): Promise<CsvImportResult> {
    const r = unwrapResult(kind === 'plans' ? await api().careplans.importPlans({ csv }) : await api().careplans.importAssignments({ csv }));
    await afterCatalogChange();
    return r;
  }

  async function exportCsv(kind: 'plans' | 'assignments'): Promise<string> {
    return unwrapResult(kind === 'plans' ? await api().careplans.exportPlans({}) : await api().careplans.exportAssignments({})).csv;
  }

  return {
    patient,
    conditions,
    recommendations,
    assignments,
    mode,
    k,
    plans,
    loading,
    error,
    open,
    refresh,
    setMode,
    addCondition,
    removeCondition,
    decide,
    recordOutcome,
    loadPlans,
    loadDemo,
    savePlan,
    retirePlan,
    importCsv,
    exportCsv,
  };
});
