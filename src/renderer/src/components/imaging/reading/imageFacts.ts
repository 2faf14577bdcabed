import { reactive } from 'vue';
import type { DicomTagRow } from '../../../../../shared/domain/imaging';
import { api, unwrapResult } from '../../../api';
import { parseOrientation } from './overlayMath';

/**
 * What the corner overlays say about an image, read from its own DICOM header (so an image
 * dragged in alone is described as truly as a series): patient, study, series, orientation.
 * Empty strings where the header has no value; a PNG or JPEG has no header at all.
 */
export interface ImageFacts {
  patientName: string;
  patientId: string;
  studyDate: string;
  studyDescription: string;
  seriesNumber: string;
  seriesDescription: string;
  modality: string;
  /** Image Orientation (Patient) (0020,0037), six direction cosines, or null. */
  orientation: number[] | null;
}

/** The top-level value of a tag, '' when absent. */
function top(rows: readonly DicomTagRow[], tag: string): string {
  return rows.find((r) => r.depth === 0 && r.tag === tag)?.value.trim() ?? '';
}

/** A DICOM DA (YYYYMMDD, or the old YYYY.MM.DD) as an ISO date, '' when it is not one. */
export function isoDate(da: string): string {
  const m = /^(\d{4})\.?(\d{2})\.?(\d{2})$/.exec(da.trim());
  return m ? `${m[1]}-${m[2]}-${m[3]}` : '';
}

/**
 * The facts from the tags panel's rows. Orientation comes from the top level, else from the
 * first frame's Plane Orientation Sequence of an enhanced multi-frame file.
 */
export function factsFromTags(rows: readonly DicomTagRow[]): ImageFacts {
  const nested = rows.find((r) => r.depth > 0 && r.tag === '(0020,0037)')?.value;
  return {
    patientName: top(rows, '(0010,0010)').replace(/\^+/g, ' ').trim(),
    patientId: top(rows, '(0010,0020)'),
    studyDate: isoDate(top(rows, '(0008,0020)')),
    studyDescription: top(rows, '(0008,1030)'),
    seriesNumber: top(rows, '(0020,0011)'),
    seriesDescription: top(rows, '(0008,103E)'),
    modality: top(rows, '(0008,0060)'),
    orientation: parseOrientation(top(rows, '(0020,0037)')) ?? parseOrientation(nested),
  };
}

/**
 * The facts of the images on screen, fetched once per image (`imaging:tags`, audited as a read)
 * and kept for the page's life. `want` is called as images change; it waits `delayMs` so
 * scrolling or cine through a series asks only for where it stops.
 */
export function useImageFacts(delayMs = 250) {
  const facts = reactive(new Map<string, ImageFacts | null>());
  const timers = new Map<string, ReturnType<typeof setTimeout>>();

  async function fetchFacts(imageId: string): Promise<void> {
    if (facts.has(imageId)) return;
    facts.set(imageId, null);
    try {
      facts.set(imageId, factsFromTags(unwrapResult(await api().imaging.tags({ id: imageId }))));
    } catch {
      // No facts: the overlay falls back to what the browser knows. The tags panel shows the error.
      facts.set(imageId, factsFromTags([]));
    }
  }

  /** Asks for an image's facts on behalf of one viewport cell (`slot`), replacing its earlier wish. */
  function want(slot: string, imageId: string | null): void {
    clearTimeout(timers.get(slot));
    if (!imageId || facts.has(imageId)) return;
    timers.set(slot, setTimeout(() => void fetchFacts(imageId), delayMs));
  }

  function dispose(): void {
    for (const t of timers.values()) clearTimeout(t);
    timers.clear();
  }

  return { facts, want, dispose };
}
