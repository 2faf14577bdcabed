import { defineStore } from 'pinia';
import { ref } from 'vue';
import { sections } from '../sections';

/** Which section is open, kept in the URL hash (#/patients) so reloads keep the place. */
export const useNavStore = defineStore('nav', () => {
  const fromHash = () => {
    const id = (typeof location !== 'undefined' ? location.hash : '').replace(/^#\/?/, '').split('/')[0] ?? '';
    return sections.some((s) => s.id === id) ? id : 'patients';
  };
  const current = ref(fromHash());
  /** Context handed between sections (e.g. the patient a care-plan view opens on). */
  const params = ref<Record<string, string>>({});

  function go(id: string, next: Record<string, string> = {}) {
    if (!sections.some((s) => s.id === id)) return;
    current.value = id;
    params.value = next;
    if (typeof history !== 'undefined') history.replaceState(null, '', `#/${id}`);
  }

  function syncFromHash() {
    current.value = fromHash();
  }

  return { current, params, go, syncFromHash };
});
