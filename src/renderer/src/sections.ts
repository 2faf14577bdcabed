import { defineAsyncComponent, type Component } from 'vue';
import { i18n } from './i18n';

/**
 * The app's sections, in navigation order. Each feature owns its view file; a section
 * whose feature is not built yet shows what will come there.
 */
export interface Section {
  id: string;
  /** The name in the active interface language (catalogue `app.sections.<id>.label`; reactive). */
  readonly label: string;
  /** One line for the empty state and the tooltip, in the active language (`app.sections.<id>.summary`). */
  readonly summary: string;
  component: Component;
  /** Keyboard shortcut (Alt+key) to open it. */
  key: string;
}

/** A section whose name and summary are read from the catalogue when shown, so they follow a change of language. */
function withWords({ id, key, component }: Pick<Section, 'id' | 'key' | 'component'>): Section {
  return {
    id,
    key,
    component,
    get label() {
      return i18n.global.t(`app.sections.${id}.label`);
    },
    get summary() {
      return i18n.global.t(`app.sections.${id}.summary`);
    },
  };
}

export const sections: Section[] = [
  { id: 'patients', key: '1', component: defineAsyncComponent(() => import('./views/PatientsView.vue')) },
  { id: 'import', key: '2', component: defineAsyncComponent(() => import('./views/ImportView.vue')) },
  { id: 'pacs', key: '0', component: defineAsyncComponent(() => import('./views/PacsView.vue')) },
  { id: 'images', key: '3', component: defineAsyncComponent(() => import('./views/ImagesView.vue')) },
  { id: 'label', key: '4', component: defineAsyncComponent(() => import('./views/LabelView.vue')) },
  { id: 'train', key: '5', component: defineAsyncComponent(() => import('./views/TrainView.vue')) },
  { id: 'diagnose', key: '6', component: defineAsyncComponent(() => import('./views/DiagnoseView.vue')) },
  { id: 'careplans', key: '7', component: defineAsyncComponent(() => import('./views/CarePlansView.vue')) },
  { id: 'reports', key: '8', component: defineAsyncComponent(() => import('./views/ReportsView.vue')) },
  { id: 'audit', key: '9', component: defineAsyncComponent(() => import('./views/AuditView.vue')) },
].map(withWords);
