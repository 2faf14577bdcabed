import { onBeforeUnmount, onMounted, ref, type Ref } from 'vue';
import type { FramePixels } from '../../../shared/domain/imaging';
import { clampZoom, drawBitmap, fitZoom, paintBitmap, type Pan } from '../components/imaging/paint';
import type { Window } from '../components/imaging/render';

/**
 * Puts the frame on the viewer's canvas. Painting (windowing every pixel) and drawing (placing
 * the painted bitmap with zoom and pan) are separate, so zooming, panning and resizing skip the
 * per-pixel work. In fit mode the zoom follows the box's size.
 */
export function useFrameCanvas(canvas: Ref<HTMLCanvasElement | null>, host: Ref<HTMLElement | null>, frame: () => FramePixels | null) {
  const bitmap = document.createElement('canvas');
  const zoom = ref(1);
  const pan = ref<Pan>({ x: 0, y: 0 });
  const fitMode = ref(true);

  function paint(values: ArrayLike<number> | null, win: Window, invert: boolean): void {
    const f = frame();
    if (f && values) paintBitmap(bitmap, f, values, win, invert);
  }

  function draw(): void {
    const el = canvas.value;
    const box = host.value;
    const f = frame();
    if (!el || !box || !f) return;
    const w = Math.max(1, box.clientWidth);
    const h = Math.max(1, box.clientHeight);
    if (fitMode.value) {
      zoom.value = fitZoom(f, w, h);
      pan.value = { x: 0, y: 0 };
    }
    drawBitmap(el, bitmap, f, w, h, zoom.value, pan.value);
  }

  function setZoom(z: number): void {
    fitMode.value = false;
    zoom.value = clampZoom(z);
    draw();
  }

  function setPan(next: Pan): void {
    fitMode.value = false;
    pan.value = next;
    draw();
  }

  function fit(): void {
    fitMode.value = true;
    draw();
  }

  let observer: ResizeObserver | null = null;
  onMounted(() => {
    if (typeof ResizeObserver !== 'undefined' && host.value) {
      observer = new ResizeObserver(() => draw());
      observer.observe(host.value);
    }
  });
  onBeforeUnmount(() => observer?.disconnect());

  return { zoom, pan, fitMode, paint, draw, setZoom, setPan, fit };
}
