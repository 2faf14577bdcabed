/**
 * Cornerstone3D for CareLens, set up once: the `carelens:` image loader over `imaging:frame`
 * (pixels decoded in the main process), the metadata provider, the tools, one rendering engine
 * shared by every viewport, and a prefetcher for stacks and cine. docs/viewer.md.
 */
import { cache, eventTarget, getRenderingCapabilities, getRenderingEngine, imageLoader, init as coreInit, metaData, RenderingEngine, setUseCPURendering, utilities, type Types } from '@cornerstonejs/core';
import {
  addTool,
  AngleTool,
  EllipticalROITool,
  init as toolsInit,
  LengthTool,
  PanTool,
  ProbeTool,
  RectangleROITool,
  StackScrollTool,
  WindowLevelTool,
  ZoomTool,
} from '@cornerstonejs/tools';
import type { FramePixels } from '../../../../../shared/domain/imaging';
import { api, unwrapResult } from '../../../api';
import { framePixelArray, imageFields, parseCsImageId, pixelModule, planeModule, SCHEME, voiModule, type PlaneModule } from './convert';

export const ENGINE_ID = 'carelens';
/** Cornerstone's image cache (decoded frames): enough for a few 512x512 series and 2k radiographs. */
const CACHE_BYTES = 768 * 1024 * 1024;

/** What the metadata provider knows of a loaded frame (its pixels live in Cornerstone's cache). */
export interface FrameMeta {
  frame: Omit<FramePixels, 'data'>;
  plane: PlaneModule;
}

const frameMeta = new Map<string, FrameMeta>();
const framesOfImage = new Map<string, number>();
let started = false;
let cpuRendering = false;

export function metaOf(csImageId: string): FrameMeta | undefined {
  return frameMeta.get(csImageId);
}

/** The frame count of a CareLens image, once one of its frames has loaded. */
export function framesOf(imageId: string): number | undefined {
  return framesOfImage.get(imageId);
}

export function usesCpuRendering(): boolean {
  return cpuRendering;
}

async function fetchFrame(imageId: string, frame: number, preview: boolean): Promise<FramePixels> {
  return unwrapResult(await api().imaging.frame({ id: imageId, frame, ...(preview ? { preview: true } : {}) }));
}

function toImage(csImageId: string, f: FramePixels, plane: PlaneModule): Types.IImage {
  const values = framePixelArray(f);
  const voxelManager = utilities.VoxelManager.createImageVoxelManager({ width: f.width, height: f.height, numberOfComponents: f.samples, scalarData: values, id: csImageId });
  return {
    ...imageFields(csImageId, f, values, plane),
    voxelManager,
    getPixelData: () => voxelManager.getScalarData(),
    getCanvas: undefined,
  } as unknown as Types.IImage;
}

/** Called with a stack entry whose full frame replaced its quick preview in the cache, or with why it could not. */
type FullFrameListener = (csImageId: string, error?: string) => void;
const fullFrameListeners = new Set<FullFrameListener>();
export function onFullFrame(listener: FullFrameListener): () => void {
  fullFrameListeners.add(listener);
  return () => fullFrameListeners.delete(listener);
}

/**
 * Loads one `carelens:` stack entry as a Cornerstone image: one `imaging:frame` call, which also
 * brings the frame's plane (orientation, position) and calibration, so nothing else is asked.
 * A large JPEG 2000 answers first with a lower resolution level (`reduced`): that preview is shown
 * on the same plane (its spacing scaled, so world millimetres and drawings are the full frame's),
 * and the full frame replaces it in the cache when it arrives (onFullFrame; StackViewport.vue then
 * shows it as a fresh stack, keeping only what the user changed while the preview was up).
 */
async function loadImage(csImageId: string): Promise<Types.IImage> {
  const { imageId, frame } = parseCsImageId(csImageId);
  const f = await fetchFrame(imageId, frame, true);
  const full = planeModule({ imageId, frame, width: f.fullWidth, height: f.fullHeight }, f.calibration, f.geometry);
  const { data: _data, ...rest } = f;
  frameMeta.set(csImageId, { frame: { ...rest, width: f.fullWidth, height: f.fullHeight, reduced: false }, plane: full });
  framesOfImage.set(imageId, f.frames);
  if (!f.reduced) return toImage(csImageId, f, full);
  const sx = f.fullWidth / f.width;
  const sy = f.fullHeight / f.height;
  // The preview's pixel (c, r) covers full pixels c*sx .. (c+1)*sx: its centre is half a preview pixel in.
  const origin = [0, 1, 2].map((k) => full.imagePositionPatient[k]! + full.rowCosines[k]! * full.columnPixelSpacing * (sx - 1) / 2 + full.columnCosines[k]! * full.rowPixelSpacing * (sy - 1) / 2) as [number, number, number];
  const previewPlane: PlaneModule = { ...full, rows: f.height, columns: f.width, rowPixelSpacing: full.rowPixelSpacing * sy, columnPixelSpacing: full.columnPixelSpacing * sx, pixelSpacing: [full.rowPixelSpacing * sy, full.columnPixelSpacing * sx], imagePositionPatient: origin };
  previewPlanes.set(csImageId, previewPlane);
  void fetchFrame(imageId, frame, false).then(
    (whole) => {
      const image = toImage(csImageId, whole, full);
      previewPlanes.delete(csImageId);
      cache.removeImageLoadObject(csImageId, { force: true });
      cache.putImageLoadObject(csImageId, { promise: Promise.resolve(image) } as unknown as Types.IImageLoadObject).catch(() => undefined);
      for (const l of fullFrameListeners) l(csImageId);
    },
    (err: unknown) => {
      // The preview stays (marked as one); the viewport says the full frame failed.
      for (const l of fullFrameListeners) l(csImageId, err instanceof Error ? err.message : String(err));
    },
  );
  return toImage(csImageId, f, previewPlane);
}

/** The plane of a preview on screen (until its full frame replaces it). */
const previewPlanes = new Map<string, PlaneModule>();

/** Whether the entry shows a quick lower-resolution preview (its full frame still on the way). */
export function isPreview(csImageId: string): boolean {
  return previewPlanes.has(csImageId);
}

function dims(csImageId: string, m: FrameMeta): { width: number; height: number } {
  const p = previewPlanes.get(csImageId);
  return p ? { width: p.columns, height: p.rows } : { width: m.frame.width, height: m.frame.height };
}

/** Cornerstone's metadata modules for loaded frames (a default plane for one not loaded yet). */
function provider(type: string, csImageId: string): unknown {
  if (typeof csImageId !== 'string' || !csImageId.startsWith(`${SCHEME}:`)) return undefined;
  const m = frameMeta.get(csImageId);
  switch (type) {
    case 'imagePixelModule':
      return m ? pixelModule({ ...m.frame, ...dims(csImageId, m) }) : undefined;
    case 'imagePlaneModule':
      return m ? (previewPlanes.get(csImageId) ?? m.plane) : { usingDefaultValues: true, rowPixelSpacing: 1, columnPixelSpacing: 1, rowCosines: [1, 0, 0], columnCosines: [0, 1, 0], imagePositionPatient: [0, 0, 0], imageOrientationPatient: [1, 0, 0, 0, 1, 0] };
    case 'generalSeriesModule':
      return m ? { modality: m.frame.modality || 'OT' } : undefined;
    case 'voiLutModule':
      return m && m.frame.samples === 1 ? voiModule(m.frame) : undefined;
    case 'modalityLutModule':
      return m ? { rescaleSlope: 1, rescaleIntercept: 0 } : undefined;
    case 'generalImageModule':
      return m ? { instanceNumber: m.frame.frame + 1 } : undefined;
    default:
      return undefined;
  }
}

export const TOOL_NAMES = {
  windowLevel: WindowLevelTool.toolName,
  pan: PanTool.toolName,
  zoom: ZoomTool.toolName,
  stackScroll: StackScrollTool.toolName,
  probe: ProbeTool.toolName,
  length: LengthTool.toolName,
  angle: AngleTool.toolName,
  rectangle: RectangleROITool.toolName,
  ellipse: EllipticalROITool.toolName,
} as const;

interface LengthStats {
  length?: number;
  unit?: string;
}

/**
 * Per-tool configuration. Length: two decimals (Cornerstone rounds 134.58 mm to "135 mm"), so the
 * value on screen reads as the one stored and listed.
 */
export const TOOL_CONFIG: Record<string, Record<string, unknown>> = {
  [LengthTool.toolName]: {
    getTextLines: (data: { cachedStats: Record<string, LengthStats> }, targetId: string) => {
      const s = data.cachedStats[targetId];
      if (!s || s.length === undefined || s.length === null || Number.isNaN(s.length)) return undefined;
      return [`${s.length.toFixed(2)} ${s.unit ?? ''}`.trim()];
    },
  },
};

/** Sets Cornerstone up once (synchronous: its init only probes WebGL). */
export function ensureCornerstone(): RenderingEngine {
  if (!started) {
    coreInit();
    toolsInit();
    // Cornerstone's CPU path draws the same pixels without WebGL. It is also the faster one where
    // WebGL is only a software rasterizer (SwiftShader, llvmpipe: no GPU): measured with
    // `npm run bench -- viewer`, 512x512 cine from the cache ran at 30.1 frames/s on the CPU path
    // and 16.8 on SwiftShader's WebGL (docs/viewer.md). A real GPU keeps the WebGL path.
    const caps = getRenderingCapabilities();
    cpuRendering = !hasWebGl() || !caps.webgl || caps.softwareRasterizer === true;
    if (cpuRendering) setUseCPURendering(true);
    cache.setMaxCacheSize(CACHE_BYTES);
    imageLoader.registerImageLoader(SCHEME, ((csImageId: string) => ({ promise: loadImage(csImageId) })) as unknown as Types.ImageLoaderFn);
    metaData.addProvider(provider, 10_000);
    for (const tool of [WindowLevelTool, PanTool, ZoomTool, StackScrollTool, ProbeTool, LengthTool, AngleTool, RectangleROITool, EllipticalROITool]) addTool(tool);
    started = true;
  }
  return (getRenderingEngine(ENGINE_ID) as RenderingEngine | undefined) ?? new RenderingEngine(ENGINE_ID);
}

function hasWebGl(): boolean {
  try {
    const c = document.createElement('canvas');
    return Boolean(c.getContext('webgl2') ?? c.getContext('webgl'));
  } catch {
    return false;
  }
}

export { eventTarget };

/** Whether a stack entry's pixels are in Cornerstone's cache already. */
export function isCached(csImageId: string): boolean {
  return Boolean(cache.getImage(csImageId));
}

const inFlight = new Set<string>();
/** At most this many frame fetches at once: the decode worker is one thread. */
const MAX_IN_FLIGHT = 3;
/** One queue per viewport, served in turn, so four viewports of a 2x2 layout all move. */
const queues = new Map<string, string[]>();
let turn = 0;

/** Fetches these stack entries into the cache, in this order; replaces `owner`'s earlier queue. */
export function prefetch(csImageIds: string[], owner = 'default'): void {
  const queue = csImageIds.filter((id) => !isCached(id) && !inFlight.has(id));
  if (queue.length) queues.set(owner, queue);
  else queues.delete(owner);
  pump();
}

function nextToFetch(): string | undefined {
  const owners = [...queues.keys()];
  for (let k = 0; k < owners.length; k++) {
    const owner = owners[(turn + k) % owners.length]!;
    const queue = queues.get(owner)!;
    while (queue.length) {
      const id = queue.shift()!;
      if (!isCached(id) && !inFlight.has(id)) {
        turn = (turn + k + 1) % Math.max(1, owners.length);
        return id;
      }
    }
    queues.delete(owner);
  }
  return undefined;
}

function pump(): void {
  while (inFlight.size < MAX_IN_FLIGHT) {
    const id = nextToFetch();
    if (!id) return;
    inFlight.add(id);
    imageLoader
      .loadAndCacheImage(id)
      .catch(() => undefined)
      .finally(() => {
        inFlight.delete(id);
        pump();
      });
  }
}

/** Loads one entry (through the cache): resolves when its pixels and metadata are known. */
export function loadEntry(csImageId: string): Promise<Types.IImage> {
  return imageLoader.loadAndCacheImage(csImageId);
}
