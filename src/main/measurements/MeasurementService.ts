import type { Core } from '../core/Core';
import { newId } from '../core/ids';
import { AppError } from '../../shared/ipc/envelope';
import type { FramePixels } from '../../shared/domain/imaging';
import { measurementPointCount, type Calibration, type ImageMeasurements, type Measurement, type MeasurementKind } from '../../shared/domain/measurements';
import { imagesByIds } from '../imaging/ports';
import { angleAt, lengthOf, probeAt, roiStats, type GreyFrame, type Point } from './compute';
import type { MeasurementHeader } from './header';
import { insertMeasurement, markMeasurementRemoved, measurementsOfImage, measurementsOfImages, standingMeasurement } from './ports';

export interface MeasurementSources {
  /** One full frame's pixels as `imaging:frame` gives them (modality values after rescale). */
  frame(imageId: string, frame: number): Promise<FramePixels>;
  /** The image's header facts (spacing, rescale, modality). */
  header(imageId: string): MeasurementHeader;
}

export interface AddMeasurement {
  imageId: string;
  frame?: number;
  kind: MeasurementKind;
  points: [number, number][];
}

/** How many decoded frames the service keeps (a 2k x 2k grey frame is 8-16 MB). */
const FRAME_CACHE = 3;

/** A frame's modality values as numbers, from `imaging:frame`'s compact encoding; null for colour. */
export function greyFrameOf(p: FramePixels): GreyFrame | null {
  if (p.samples !== 1 || p.encoding === 'rgb8') return null;
  const bytes = p.data;
  // A copy: typed arrays need an aligned buffer of their own.
  const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
  const values = p.encoding === 'int16' ? new Int16Array(buffer) : p.encoding === 'uint16' ? new Uint16Array(buffer) : new Float32Array(buffer);
  return { width: p.width, height: p.height, values };
}

/**
 * Measurements on stored images: every value is computed here from the decoded frame and the
 * header (the renderer's numbers only draw), stored with author and time, listed and removed
 * (the row stays, stamped with who removed it). Bad points are refused before anything is stored.
 */
export class MeasurementService {
  /**
   * The last few decoded frames (a clinician measures several times on the frame on screen; a
   * large JPEG 2000 frame takes over a second to decode). Stored files never change.
   */
  private readonly frames = new Map<string, { grey: GreyFrame | null; width: number; height: number }>();

  constructor(
    private readonly core: Pick<Core, 'db' | 'clock'>,
    private readonly sources: MeasurementSources,
  ) {}

  /** The image's pixel spacing (Pixel Spacing, else Imager Pixel Spacing) or uncalibrated. */
  calibration(imageId: string): Calibration {
    this.image(imageId);
    return this.sources.header(imageId).calibration;
  }

  async add(input: AddMeasurement, actor: string): Promise<Measurement> {
    const frame = input.frame ?? 0;
    const image = this.image(input.imageId);
    if (frame >= image.frames) {
      throw new AppError('VALIDATION', `Image ${input.imageId} has ${image.frames} frame(s); frame ${frame} does not exist. Nothing was stored.`, {
        key: 'errors.measurements.noSuchFrame',
        params: { imageId: input.imageId, frames: image.frames, frame },
      });
    }
    const need = measurementPointCount[input.kind];
    if (input.points.length !== need) {
      throw new AppError('VALIDATION', `A ${input.kind} measurement takes ${need} point(s); ${input.points.length} were given. Nothing was stored.`, {
        key: 'errors.measurements.pointCount',
        params: { kind: input.kind, count: need, given: input.points.length },
      });
    }
    const needsPixels = input.kind === 'probe' || input.kind === 'rectangle' || input.kind === 'ellipse';
    // Pixels only when the kind reads them; a length needs the size, which the image row has.
    const pixels = needsPixels || image.rows === null || image.columns === null ? await this.decoded(input.imageId, frame) : null;
    const width = pixels?.width ?? image.columns ?? 0;
    const height = pixels?.height ?? image.rows ?? 0;
    input.points.forEach((p, i) => this.checkPoint(input.imageId, p, i, width, height));
    const header = this.sources.header(input.imageId);
    const { spacing, source } = header.calibration;
    const points = input.points.map((p) => [p[0], p[1]] as Point);
    const m: Measurement = {
      id: newId(),
      imageId: input.imageId,
      frame,
      kind: input.kind,
      points,
      valueMm: null,
      valuePx: null,
      angleDeg: null,
      probe: null,
      stats: null,
      unit: '',
      spacing,
      spacingSource: source,
      createdBy: actor,
      createdAt: this.core.clock.now().toISOString(),
    };
    if (input.kind === 'length') {
      const l = lengthOf(points[0]!, points[1]!, spacing);
      if (l.px === 0) throw new AppError('VALIDATION', 'The two points of the length are the same. Nothing was stored.', { key: 'errors.measurements.zeroLength' });
      m.valuePx = l.px;
      m.valueMm = l.mm;
    } else if (input.kind === 'angle') {
      const a = angleAt(points[0]!, points[1]!, points[2]!, spacing);
      if (a === null) throw new AppError('VALIDATION', 'An arm of the angle has no length (a point equals the vertex). Nothing was stored.', { key: 'errors.measurements.zeroAngleArm' });
      m.angleDeg = a;
    } else {
      const grey = pixels?.grey ?? null;
      if (!grey) {
        throw new AppError('UNSUPPORTED', `Image ${input.imageId} is a colour image; a probe or region measures grey (modality) values only. Nothing was stored.`, {
          key: 'errors.measurements.colourImage',
          params: { imageId: input.imageId },
        });
      }
      const modality = (header.modality || image.modality || '').toUpperCase();
      m.unit = modality === 'CT' ? 'HU' : '';
      if (input.kind === 'probe') {
        m.probe = probeAt(grey, points[0]!, header.rescale);
      } else {
        const [a, b] = [points[0]!, points[1]!];
        if (a[0] === b[0] || a[1] === b[1]) throw new AppError('VALIDATION', 'The region has no area (its corners share a row or a column). Nothing was stored.', { key: 'errors.measurements.noArea' });
        const stats = roiStats(grey, input.kind, a, b, spacing);
        if (!stats) throw new AppError('VALIDATION', 'The region holds no pixel centre; draw it larger. Nothing was stored.', { key: 'errors.measurements.noPixel' });
        m.stats = stats;
      }
    }
    insertMeasurement(this.core.db, m);
    return m;
  }

  list(imageId: string, frame?: number): Measurement[] {
    this.image(imageId);
    return measurementsOfImage(this.core.db, imageId, frame);
  }

  /** The measurements of several images (a stack), each image's oldest first; refuses the call when one id is unknown. */
  listMany(imageIds: string[]): ImageMeasurements[] {
    const unique = [...new Set(imageIds)];
    const known = imagesByIds(this.core.db, unique);
    const missing = unique.find((id) => !known.has(id));
    if (missing) throw new AppError('NOT_FOUND', `No image with id ${missing}.`, { key: 'errors.measurements.noSuchImage', params: { imageId: missing } });
    const byImage = new Map<string, Measurement[]>(unique.map((id) => [id, []]));
    for (const m of measurementsOfImages(this.core.db, unique)) byImage.get(m.imageId)?.push(m);
    return unique.map((imageId) => ({ imageId, measurements: byImage.get(imageId)! }));
  }

  remove(id: string, actor: string): { removed: true; imageId: string } {
    const m = standingMeasurement(this.core.db, id);
    if (!m || !markMeasurementRemoved(this.core.db, id, actor, this.core.clock.now().toISOString())) {
      throw new AppError('NOT_FOUND', `No measurement with id ${id} (it may have been removed already).`, { key: 'errors.measurements.noSuchMeasurement', params: { id } });
    }
    return { removed: true, imageId: m.imageId };
  }

  private async decoded(imageId: string, frame: number): Promise<{ grey: GreyFrame | null; width: number; height: number }> {
    const key = `${imageId}\u0000${frame}`;
    const known = this.frames.get(key);
    if (known) {
      // Most recently used last.
      this.frames.delete(key);
      this.frames.set(key, known);
      return known;
    }
    const p = await this.sources.frame(imageId, frame);
    const entry = { grey: greyFrameOf(p), width: p.fullWidth, height: p.fullHeight };
    this.frames.set(key, entry);
    while (this.frames.size > FRAME_CACHE) this.frames.delete(this.frames.keys().next().value as string);
    return entry;
  }

  private image(imageId: string) {
    const image = imagesByIds(this.core.db, [imageId]).get(imageId);
    if (!image) throw new AppError('NOT_FOUND', `No image with id ${imageId}.`, { key: 'errors.measurements.noSuchImage', params: { imageId } });
    return image;
  }

  /** Points are pixel centres: the image covers -0.5 .. size - 0.5 on each axis. */
  private checkPoint(imageId: string, p: [number, number], index: number, width: number, height: number): void {
    const [x, y] = p;
    if (x >= -0.5 && x <= width - 0.5 && y >= -0.5 && y <= height - 0.5) return;
    throw new AppError(
      'VALIDATION',
      `Point ${index + 1} (${x}, ${y}) lies outside image ${imageId}, which is ${width} x ${height} pixels (x and y run from 0 to ${width - 1} and ${height - 1}). Nothing was stored.`,
      { key: 'errors.measurements.pointOutside', params: { point: index + 1, x, y, imageId, width, height, lastX: width - 1, lastY: height - 1 } },
    );
  }
}
