import type { ImageSummary } from '../../../../../shared/domain/imaging';
import { VIEWPORT_TOOLS, type ViewportTool } from '../viewportState';
import type { ImageFacts } from './imageFacts';

/** The reading room's layouts: rows x columns of viewports. */
export type Layout = '1x1' | '1x2' | '2x2';
export const LAYOUTS: readonly Layout[] = ['1x1', '1x2', '2x2'];
export const LAYOUT_CELLS: Record<Layout, number> = { '1x1': 1, '1x2': 2, '2x2': 4 };
/** The most cells any layout shows: cells keep their series when the layout shrinks and grows again. */
export const MAX_CELLS = 4;

/** The tools of the toolbar, as StackViewport's setTool names them. */
export type ToolName = ViewportTool;
export const TOOLS: readonly ToolName[] = VIEWPORT_TOOLS;

/** What one viewport cell shows: a series (or a single image) as a stack, and what the browser knew of it. */
export interface CellContent {
  /** New for every load, so the viewport starts afresh even for the same series. */
  key: number;
  images: ImageSummary[];
  /** The image to show first, an index into `images` (StackViewport's `initialIndex`). */
  startIndex: number;
  /** Patient, study and series as the browser listed them: the overlay's words until the header's are read, and for PNG/JPEG. */
  fallback: ImageFacts;
}

/** Drag-and-drop payload types (a series from the browser, an image from the thumbnails). */
export const DRAG_SERIES = 'application/x-carelens-series';
export const DRAG_IMAGE = 'application/x-carelens-image';
