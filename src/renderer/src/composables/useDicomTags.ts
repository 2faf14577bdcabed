import { ref } from 'vue';
import type { DicomTagRow } from '../../../shared/domain/imaging';
import { api, unwrapResult } from '../api';

/**
 * An image's DICOM tags, fetched when first wanted and kept until `forget` (the image changed).
 * A failure leaves an empty list, so the panel says there are none, and reports the message.
 */
export function useDicomTags(imageId: () => string, onError: (message: string) => void) {
  const tags = ref<DicomTagRow[] | null>(null);

  async function load(): Promise<void> {
    const id = imageId();
    try {
      const rows = unwrapResult(await api().imaging.tags({ id }));
      // The image may have changed while the tags were on their way.
      if (id === imageId()) tags.value = rows;
    } catch (err) {
      if (id !== imageId()) return;
      tags.value = [];
      onError((err as Error).message);
    }
  }

  function forget(): void {
    tags.value = null;
  }

  return { tags, load, forget };
}
