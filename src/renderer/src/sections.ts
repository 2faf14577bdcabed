import { defineAsyncComponent, type Component } from 'vue';

/**
 * The app's sections, in navigation order. Each feature owns its view file; a section
 * whose feature is not built yet shows what will come there.
 */
export interface Section {
  id: string;
  label: string;
  /** One line for the empty state and the tooltip. */
  summary: string;
  component: Component;
  /** Keyboard shortcut (Alt+key) to open it. */
  key: string;
}

export const sections: Section[] = [
  { id: 'patients', label: 'Patients', key: '1', summary: 'Register, find and edit patients.', component: defineAsyncComponent(() => import('./views/PatientsView.vue')) },
  { id: 'import', label: 'Import', key: '2', summary: 'Batch-import folders of DICOM, PNG and JPEG, with a per-file report.', component: defineAsyncComponent(() => import('./views/ImportView.vue')) },
  { id: 'images', label: 'Images', key: '3', summary: 'Browse patients, studies and series; view images with window/level.', component: defineAsyncComponent(() => import('./views/ImagesView.vue')) },
  { id: 'label', label: 'Label', key: '4', summary: 'Keyboard-first labelling with provenance and review.', component: defineAsyncComponent(() => import('./views/LabelView.vue')) },
  { id: 'train', label: 'Train', key: '5', summary: 'Train a CNN on this machine from your labels, with live progress and honest test metrics.', component: defineAsyncComponent(() => import('./views/TrainView.vue')) },
  { id: 'diagnose', label: 'Diagnose', key: '6', summary: 'Run the active model with calibrated confidence and a heatmap.', component: defineAsyncComponent(() => import('./views/DiagnoseView.vue')) },
  { id: 'careplans', label: 'Care plans', key: '7', summary: 'Care-plan recommendations with their reasons; accept or decline.', component: defineAsyncComponent(() => import('./views/CarePlansView.vue')) },
  { id: 'reports', label: 'Reports', key: '8', summary: 'PDF, CSV and FHIR R4 exports, de-identified on request.', component: defineAsyncComponent(() => import('./views/ReportsView.vue')) },
  { id: 'audit', label: 'Audit', key: '9', summary: 'Who saw and changed what, in a tamper-evident trail.', component: defineAsyncComponent(() => import('./views/AuditView.vue')) },
];
