import { defineStore } from 'pinia';
import { ref } from 'vue';
import type { SystemStatus } from '../../../shared/ipc/system';
import { api, unwrapResult } from '../api';

export const useSystemStore = defineStore('system', () => {
  const status = ref<SystemStatus | null>(null);
  const error = ref<string | null>(null);

  async function refresh() {
    try {
      status.value = unwrapResult(await api().system.status({}));
      error.value = null;
    } catch (err) {
      error.value = (err as Error).message;
    }
  }

  return { status, error, refresh };
});
