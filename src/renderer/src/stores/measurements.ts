import { defineStore } from 'pinia';
import { ref } from 'vue';
import type { Measurement, MeasurementKind } from '../../../shared/domain/measurements';
import { api, unwrapResult, errorMessage } from '../api';

/**
 * Measurements of the images on screen (issue 13). The main process computes and stores every
 * value; this store keeps what it answered, per image, oldest first. `add` and `remove` throw the
 * main process's error (a point outside the image) so the caller can show it; `error` also holds the last one in the interface language.
 */
export const useMeasurementsStore = defineStore('measurements', () => {
  const byImage = ref<Record<string, Measurement[]>>({});
  const error = ref<string | null>(null);

  async function run<T>(work: () => Promise<T>): Promise<T> {
    try {
      const value = await work();
      error.value = null;
      return value;
    } catch (err) {
      error.value = errorMessage(err);
      throw err;
    }
  }

  /** Measures on one frame; the stored measurement (with the main process's values) is added to `byImage`. */
  async function add(imageId: string, frame: number, kind: MeasurementKind, points: [number, number][]): Promise<Measurement> {
    return run(async () => {
      const m = unwrapResult(await api().measurements.add({ imageId, frame, kind, points }));
      byImage.value = { ...byImage.value, [imageId]: [...(byImage.value[imageId] ?? []).filter((x) => x.id !== m.id), m] };
      return m;
    });
  }

  /** Every frame's measurements of an image. */
  async function load(imageId: string): Promise<Measurement[]> {
    return run(async () => {
      const list = unwrapResult(await api().measurements.list({ imageId }));
      byImage.value = { ...byImage.value, [imageId]: list };
      return list;
    });
  }

  /** Images whose measurements are on the way (loadMany): drawing waits for them instead of asking one by one. */
  const pending = new Set<string>();

  /** The measurements of a whole stack in one call (cine through a series would otherwise ask once per image). */
  async function loadMany(imageIds: string[]): Promise<void> {
    const wanted = [...new Set(imageIds)].filter((id) => !byImage.value[id] && !pending.has(id));
    if (!wanted.length) return;
    for (const id of wanted) pending.add(id);
    try {
      await run(async () => {
        const next = { ...byImage.value };
        for (let i = 0; i < wanted.length; i += 2000) {
          for (const { imageId, measurements } of unwrapResult(await api().measurements.listMany({ imageIds: wanted.slice(i, i + 2000) }))) next[imageId] = measurements;
        }
        byImage.value = next;
      });
    } finally {
      for (const id of wanted) pending.delete(id);
    }
  }

  function isPending(imageId: string): boolean {
    return pending.has(imageId);
  }

  async function remove(id: string): Promise<void> {
    await run(async () => {
      unwrapResult(await api().measurements.remove({ id }));
      const next: Record<string, Measurement[]> = {};
      for (const [imageId, list] of Object.entries(byImage.value)) next[imageId] = list.filter((m) => m.id !== id);
      byImage.value = next;
    });
  }

  return { byImage, error, add, load, loadMany, isPending, remove };
});
