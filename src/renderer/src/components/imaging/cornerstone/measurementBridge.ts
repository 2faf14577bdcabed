/**
 * Measurements between Cornerstone's annotation state and the measurements store: a finished
 * annotation is saved (the main process computes the values it stores), and the stored ones of
 * the frame on screen are drawn. Saved and stored annotations are locked (there is no "move"
 * for a stored measurement; remove it in the list and draw again).
 */
import { annotation, Enums as ToolsEnums, type Types as ToolsTypes } from '@cornerstonejs/tools';
import { errorMessage } from '../../../api';
import type { useMeasurementsStore } from '../../../stores/measurements';
import { handlesOfMeasurement, kindOfTool, measurementsOfFrame, pointsOfAnnotation, roundPoints, TOOL_OF_KIND } from './annotations';
import { parseCsImageId, SCHEME } from './convert';
import { eventTarget, metaOf } from './runtime';

type Store = ReturnType<typeof useMeasurementsStore>;
type Annotation = ToolsTypes.Annotation & { data: { carelensId?: string } };

let installed = false;
const errorListeners = new Set<(csImageId: string, message: string) => void>();

/** Calls `listener` when saving an annotation drawn on a stack entry fails (it is removed again). */
export function onMeasurementError(listener: (csImageId: string, message: string) => void): () => void {
  errorListeners.add(listener);
  return () => errorListeners.delete(listener);
}

/** Saves every finished measurement annotation through the store (installed once). */
export function installMeasurementBridge(store: Store): void {
  if (installed) return;
  installed = true;
  eventTarget.addEventListener(ToolsEnums.Events.ANNOTATION_COMPLETED, (evt: Event) => {
    const a = (evt as CustomEvent<{ annotation: Annotation }>).detail.annotation;
    void save(store, a);
  });
}

async function save(store: Store, a: Annotation): Promise<void> {
  const kind = kindOfTool(a.metadata?.toolName ?? '');
  const csImageId = a.metadata?.referencedImageId;
  if (!kind || !csImageId?.startsWith(`${SCHEME}:`) || a.data.carelensId) return;
  const meta = metaOf(csImageId);
  const uid = a.annotationUID!;
  if (!meta) return;
  const { imageId, frame } = parseCsImageId(csImageId);
  annotation.locking.setAnnotationLocked(uid, true);
  try {
    const points = roundPoints(pointsOfAnnotation(kind, a.data.handles!.points! as number[][], meta.plane));
    const saved = await store.add(imageId, frame, kind, points);
    a.data.carelensId = saved.id;
  } catch (err) {
    annotation.state.removeAnnotation(uid);
    for (const l of errorListeners) l(csImageId, errorMessage(err));
  }
}

/**
 * Draws the stored measurements of the entry on screen and removes the drawings of removed ones.
 * Returns whether anything changed (the caller renders).
 */
export function syncStoredAnnotations(store: Store, csImageId: string, element: HTMLDivElement): boolean {
  const meta = metaOf(csImageId);
  if (!meta) return false;
  const { imageId, frame } = parseCsImageId(csImageId);
  const list = store.byImage[imageId];
  if (!list) return false;
  const wanted = measurementsOfFrame(list, frame);
  const drawn = (annotation.state.getAllAnnotations() as Annotation[]).filter((a) => a.metadata?.referencedImageId === csImageId);
  let changed = false;
  for (const a of drawn) {
    if (a.data.carelensId && !wanted.some((m) => m.id === a.data.carelensId)) {
      annotation.state.removeAnnotation(a.annotationUID!);
      changed = true;
    }
  }
  const p = meta.plane;
  const normal: [number, number, number] = [
    p.rowCosines[1] * p.columnCosines[2] - p.rowCosines[2] * p.columnCosines[1],
    p.rowCosines[2] * p.columnCosines[0] - p.rowCosines[0] * p.columnCosines[2],
    p.rowCosines[0] * p.columnCosines[1] - p.rowCosines[1] * p.columnCosines[0],
  ];
  for (const m of wanted) {
    if (drawn.some((a) => a.data.carelensId === m.id)) continue;
    const points = handlesOfMeasurement(m.kind, m.points, p);
    const a = {
      annotationUID: `carelens-${m.id}`,
      highlighted: false,
      invalidated: true,
      isLocked: true,
      isVisible: true,
      metadata: {
        toolName: TOOL_OF_KIND[m.kind],
        referencedImageId: csImageId,
        FrameOfReferenceUID: p.frameOfReferenceUID,
        viewPlaneNormal: normal,
        viewUp: [-p.columnCosines[0], -p.columnCosines[1], -p.columnCosines[2]],
      },
      data: {
        carelensId: m.id,
        label: '',
        cachedStats: {},
        handles: {
          points,
          activeHandleIndex: null,
          textBox: { hasMoved: false, worldPosition: [0, 0, 0], worldBoundingBox: { topLeft: [0, 0, 0], topRight: [0, 0, 0], bottomLeft: [0, 0, 0], bottomRight: [0, 0, 0] } },
        },
      },
    } as unknown as Annotation;
    annotation.state.addAnnotation(a, element);
    changed = true;
  }
  return changed;
}
