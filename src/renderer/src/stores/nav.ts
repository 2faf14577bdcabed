import { defineStore } from 'pinia';
import { ref } from 'vue';
import { sections } from '../sections';

/**
 * Where the app is, kept in the URL hash so a reload keeps the place: the section, and for a
 * patient-scoped page the patient it was opened for — `#/images/<patientId>`, other context
 * as a query (`#/diagnose?imageId=…`). A patient-scoped view takes its patient from `params`
 * and nowhere else, so it shows the patient it was sent to, never one left over from before.
 */
export interface Place {
  section: string;
  params: Record<string, string>;
}

/** Reads a hash (`#/images/p1?unassigned=1`); an unknown section is the patients page. */
export function parseHash(hash: string): Place {
  const [path = '', query = ''] = hash.replace(/^#\/?/, '').split('?', 2);
  const [id = '', patient] = path.split('/');
  const section = sections.some((s) => s.id === id) ? id : 'patients';
  const params: Record<string, string> = Object.fromEntries(new URLSearchParams(query));
  delete params.patientId;
  if (patient) {
    try {
      params.patientId = decodeURIComponent(patient);
    } catch {
      // A mangled id opens the page without a patient.
    }
  }
  return { section, params: section === id ? params : {} };
}

/** The hash for a place: the inverse of parseHash. */
export function hashOf(section: string, params: Record<string, string>): string {
  const { patientId, ...rest } = params;
  const query = new URLSearchParams(Object.entries(rest).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))).toString();
  return `#/${section}${patientId ? `/${encodeURIComponent(patientId)}` : ''}${query ? `?${query}` : ''}`;
}

export const useNavStore = defineStore('nav', () => {
  const start = parseHash(typeof location !== 'undefined' ? location.hash : '');
  const current = ref(start.section);
  /** Context handed between sections: `patientId` for a patient-scoped page, `imageId`, … */
  const params = ref<Record<string, string>>(start.params);
  /** Counts navigations, so a view can tell a new visit with the same params from staying put. */
  const visits = ref(0);

  function go(id: string, next: Record<string, string> = {}) {
    if (!sections.some((s) => s.id === id)) return;
    current.value = id;
    params.value = { ...next };
    visits.value++;
    if (typeof history !== 'undefined') history.replaceState(null, '', hashOf(id, params.value));
  }

  function syncFromHash() {
    const place = parseHash(typeof location !== 'undefined' ? location.hash : '');
    current.value = place.section;
    params.value = place.params;
    visits.value++;
  }

  return { current, params, visits, go, syncFromHash };
});
