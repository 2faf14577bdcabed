import type { Core } from '../core/Core';
import { AppError } from '../../shared/ipc/envelope';
import type { DicomTagRow, FramePixels, ImageDetail, ImageLabel, ImagePage, ImageSummary, ImagingPatient, ImagingSeries, ImagingStudy, Thumbnail } from '../../shared/domain/imaging';
import { Codecs } from './codecs';
import { DicomError, listTags, parseDicom } from './dicom';
import { PixelError } from './pixelError';
import type { DecodedImage } from './pixels';
import type { ViewerFrame } from './viewerFrame';
import { decodeStoredImage } from './storedImage';
import { DecodeWorker } from './DecodeWorker';
import { FrameCache } from './frameCache';
import { currentLabelsOfImages } from '../labels/ports';
import { patientIdByMrn, patientsByIds } from '../patients/ports';
import { startImagingWorker } from './startImagingWorker';
import type { Worker } from 'node:worker_threads';
import { sniff } from './sniff';
import { locateStored, readStored, readThumbnail } from './store';
import { storeKeysOf } from './storeKeys';
import { StoredFileError } from '../core/fileCrypto';

interface ImageRow {
  id: string;
  patient_id: string | null;
  series_id: string | null;
  sop_instance_uid: string | null;
  sha256: string;
  format: 'dicom' | 'png' | 'jpeg';
  original_path: string;
  size_bytes: number;
  rows: number | null;
  columns: number | null;
  frames: number;
  photometric: string | null;
  bits_allocated: number | null;
  bits_stored: number | null;
  pixel_spacing: string | null;
  window_center: number | null;
  window_width: number | null;
  rescale_slope: number | null;
  rescale_intercept: number | null;
  transfer_syntax: string | null;
  modality: string;
  instance_number: number | null;
  predefined_split: 'train' | 'val' | 'test' | null;
  import_id: string | null;
  created_at: string;
  has_thumb: number;
}

/**
 * The long side a preview keeps at least: a JPEG 2000 frame of 800 px or more first answers a lower
 * resolution level (a 1841x1955 CR: 231x245, three levels down). A preview is for recognising the
 * image at once (the viewer marks it as a preview); the full frame, about a second later, is for
 * reading it. Two levels down (461x489) decoded in 37-48 ms warm, 57-96 ms in a fresh process;
 * three levels down in 16-18 ms warm, 33-56 ms fresh (Node 20, this project's 2-core machine).
 */
const PREVIEW_SIZE = 200;
/** Decoded frames kept for the viewer (a 2k CR is 7 MB; a 512x512 CT slice 0.5 MB). */
const FRAME_CACHE_BYTES = 96 * 1024 * 1024;

const SELECT_IMAGE = `SELECT i.*, (t.image_id IS NOT NULL) AS has_thumb FROM images i LEFT JOIN thumbnails t ON t.image_id = i.id`;

/** Browsing the imaging archive and serving pixels, thumbnails and tags to the viewer. */
export class ImagingService {
  /** One set of wasm codecs for every decode this service does. */
  readonly codecs = new Codecs();

  private readonly decoder: DecodeWorker;
  private readonly frameCache = new FrameCache(FRAME_CACHE_BYTES);

  constructor(
    private readonly core: Core,
    startWorker: () => Worker = startImagingWorker,
  ) {
    this.decoder = new DecodeWorker(startWorker, core.logger);
  }

  dispose(): Promise<void> {
    return this.decoder.dispose();
  }

  /** Patients with images, plus the unassigned images as one entry (patientId null). */
  patients(query?: string): ImagingPatient[] {
    // Someone is about to browse images: get the decoder ready for the first click.
    this.decoder.warm();
    const q = query?.trim() ? query.trim() : null;
    const db = this.core.db;
    const counts = (table: 'images' | 'studies') =>
      new Map((db.prepare(`SELECT patient_id AS id, COUNT(*) AS n FROM ${table} WHERE patient_id IS NOT NULL GROUP BY patient_id`).all() as { id: string; n: number }[]).map((r) => [r.id, r.n]));
    const images = counts('images');
    const studies = counts('studies');
    // Only patients with images are listed; the patients port orders them as the patient list does.
    const rows: ImagingPatient[] = patientsByIds(db, [...images.keys()], q ? { matching: q } : {}).map((p) => ({
      patientId: p.id,
      mrn: p.mrn,
      name: p.name,
      images: images.get(p.id)!,
      studies: studies.get(p.id) ?? 0,
    }));
    const unassigned = this.core.db.prepare('SELECT COUNT(*) FROM images WHERE patient_id IS NULL').pluck().get() as number;
    const orphanStudies = this.core.db.prepare('SELECT COUNT(*) FROM studies WHERE patient_id IS NULL').pluck().get() as number;
    if (unassigned > 0 && !q) rows.push({ patientId: null, mrn: '', name: 'Unassigned images', studies: orphanStudies, images: unassigned });
    return rows;
  }

  studies(patientId: string | null): ImagingStudy[] {
    return this.core.db
      .prepare(
        `SELECT s.id, s.study_uid AS studyUid, s.study_date AS studyDate, s.description, s.accession,
           (SELECT COUNT(*) FROM series se WHERE se.study_id = s.id) AS series,
           (SELECT COUNT(*) FROM images i JOIN series se ON se.id = i.series_id WHERE se.study_id = s.id) AS images
         FROM studies s WHERE s.patient_id IS ? ORDER BY s.study_date DESC, s.created_at`,
      )
      .all(patientId) as ImagingStudy[];
  }

  series(studyId: string): ImagingSeries[] {
    return this.core.db
      .prepare(
        `SELECT se.id, se.series_uid AS seriesUid, se.modality, se.body_part AS bodyPart, se.manufacturer, se.description, se.series_number AS seriesNumber,
           (SELECT COUNT(*) FROM images i WHERE i.series_id = se.id) AS images
         FROM series se WHERE se.study_id = ? ORDER BY se.series_number, se.created_at`,
      )
      .all(studyId) as ImagingSeries[];
  }

  /** Images of a series, of a patient, or the unassigned ones; with their current labels. */
  images(filter: { seriesId?: string; patientId?: string; unassigned?: boolean; noSeries?: boolean; labelSet?: string; limit?: number; offset?: number }): ImagePage {
    const where: string[] = [];
    const params: Record<string, unknown> = { limit: filter.limit ?? 500, offset: filter.offset ?? 0 };
    if (filter.seriesId) {
      where.push('i.series_id = @seriesId');
      params.seriesId = filter.seriesId;
    }
    if (filter.patientId) {
      // The patient may be named by id or by MRN.
      const byMrn = patientIdByMrn(this.core.db, filter.patientId);
      where.push(byMrn && byMrn !== filter.patientId ? 'i.patient_id IN (@patientId, @patientByMrn)' : 'i.patient_id = @patientId');
      params.patientId = filter.patientId;
      params.patientByMrn = byMrn;
    }
    if (filter.unassigned) where.push('i.patient_id IS NULL');
    if (filter.noSeries) where.push('i.series_id IS NULL');
    const w = where.length ? `WHERE ${where.join(' AND ')}` : '';
    const total = this.core.db.prepare(`SELECT COUNT(*) FROM images i ${w}`).pluck().get(params) as number;
    const rows = this.core.db.prepare(`${SELECT_IMAGE} ${w} ORDER BY i.instance_number, i.original_path, i.id LIMIT @limit OFFSET @offset`).all(params) as ImageRow[];
    const labels = this.labelsFor(rows.map((r) => r.id), filter.labelSet);
    const mrns = this.mrnsOf(rows);
    return { items: rows.map((r) => this.toSummary(r, mrns, labels.get(r.id) ?? [])), total };
  }

  image(id: string): ImageDetail {
    const row = this.core.db.prepare(`${SELECT_IMAGE} WHERE i.id = ?`).get(id) as ImageRow | undefined;
    if (!row) throw new AppError('NOT_FOUND', `No image with id ${id}.`, { key: 'errors.imaging.noImageWithId2', params: { id } });
    return {
      ...this.toSummary(row, this.mrnsOf([row]), this.labelsFor([id]).get(id) ?? []),
      sha256: row.sha256,
      sopInstanceUid: row.sop_instance_uid,
      bitsAllocated: row.bits_allocated,
      bitsStored: row.bits_stored,
      pixelSpacing: row.pixel_spacing,
      windowCenter: row.window_center,
      windowWidth: row.window_width,
      rescaleSlope: row.rescale_slope,
      rescaleIntercept: row.rescale_intercept,
      transferSyntax: row.transfer_syntax,
      importId: row.import_id,
      createdAt: row.created_at,
    };
  }

  /** Decodes one frame (the reusable API other features call is storedImage.ts's decodeStoredImage). */
  decode(id: string, frame = 0): Promise<DecodedImage> {
    return decodeStoredImage(this.core, id, frame, this.codecs);
  }

  /**
   * Decodes a frame in the decode worker (off the main thread), with the same errors as
   * decodeStoredImage, through the frame cache (a read-ahead or a second viewport joins one decode).
   */
  private async decodeOffThread(id: string, frame: number, previewSize?: number): Promise<{ frame: ViewerFrame; cached: boolean; modality: string }> {
    const row = this.core.db.prepare('SELECT sha256, frames, modality FROM images WHERE id = ?').get(id) as { sha256: string; frames: number; modality: string | null } | undefined;
    if (!row) throw new AppError('NOT_FOUND', `No image with id ${id}.`, { key: 'errors.imaging.noImageWithId2', params: { id } });
    if (frame >= row.frames) throw new AppError('VALIDATION', `Image ${id} has ${row.frames} frame(s); frame ${frame} does not exist.`, { key: 'errors.imaging.noSuchFrame2', params: { id, frames: row.frames, frame } });
    const key = `${row.sha256}#${frame}#${previewSize ?? 0}`;
    const cached = this.frameCache.has(key);
    const decoded = await this.frameCache.get(key, async () => {
      const keys = storeKeysOf(this.core.db);
      const file = locateStored(this.core.paths.store, row.sha256, keys);
      if (!file) throw new AppError('NOT_FOUND', `The stored file of image ${id} is missing from the data folder (${row.sha256.slice(0, 12)}…).`, { key: 'errors.imaging.storedFileImageMissing2', params: { id, sha256: row.sha256.slice(0, 12) } });
      try {
        return await this.decoder.decode(file, frame, previewSize, keys?.root.toString('hex'));
      } catch (err) {
        if (err instanceof PixelError) throw new AppError('UNSUPPORTED', `Image ${id} cannot be shown: ${err.message}.`, { key: 'errors.imaging.imageCannotShown2', params: { id, message: err.message } });
        throw err;
      }
    });
    return { frame: decoded, cached, modality: row.modality ?? '' };
  }

  /** One frame's pixels for the viewer: decoded and compactly encoded in the decode worker (viewerFrame.ts). */
  async frame(id: string, frame = 0, preview = false): Promise<FramePixels> {
    const t0 = performance.now();
    const { frame: f, cached, modality } = await this.decodeOffThread(id, frame, preview ? PREVIEW_SIZE : undefined);
    // A Buffer over the decoded bytes: binary on both transports (no base64). Shared with the
    // cache, never written to.
    const data = Buffer.from(f.data.buffer, f.data.byteOffset, f.data.byteLength);
    return { imageId: id, ...f, data, modality, decodeMs: Math.round((performance.now() - t0) * 10) / 10, cached };
  }

  /**
   * Starts decoding the frame the viewer is about to ask for (the first image of a patient just
   * opened), so its `imaging:frame` call finds it decoding or decoded. Not a view: nothing is
   * audited until the frame is asked for. Errors are left for that call to meet.
   */
  readAhead(id: string, frame = 0): void {
    this.decodeOffThread(id, frame, PREVIEW_SIZE).catch(() => undefined);
  }

  thumbnails(ids: string[]): Thumbnail[] {
    const get = this.core.db.prepare('SELECT i.sha256, t.image_id AS has FROM images i LEFT JOIN thumbnails t ON t.image_id = i.id WHERE i.id = ?');
    return ids.map((imageId) => {
      const row = get.get(imageId) as { sha256: string; has: string | null } | undefined;
      if (!row?.has) return { imageId, dataUrl: null };
      try {
        const png = readThumbnail(this.core.paths.thumbnails, row.sha256, storeKeysOf(this.core.db));
        return { imageId, dataUrl: png ? `data:image/png;base64,${png.toString('base64')}` : null };
      } catch (err) {
        // A thumbnail that fails its integrity check is not shown (the grid shows a placeholder); the log says why.
        this.core.logger.warn(`thumbnail of image ${imageId} not shown: ${(err as Error).message}`);
        return { imageId, dataUrl: null };
      }
    });
  }

  tags(id: string): DicomTagRow[] {
    const row = this.core.db.prepare('SELECT sha256, format FROM images WHERE id = ?').get(id) as { sha256: string; format: string } | undefined;
    if (!row) throw new AppError('NOT_FOUND', `No image with id ${id}.`, { key: 'errors.imaging.noImageWithId2', params: { id } });
    if (row.format !== 'dicom') return [];
    let bytes: Buffer | null;
    try {
      bytes = readStored(this.core.paths.store, row.sha256, storeKeysOf(this.core.db));
    } catch (err) {
      if (err instanceof StoredFileError) throw new AppError('VALIDATION', `The tags of image ${id} cannot be read: ${err.message}`, { key: 'errors.imaging.tagsImageCannotRead', params: { id, message: err.message } });
      throw err;
    }
    if (!bytes) throw new AppError('NOT_FOUND', `The stored file of image ${id} is missing from the data folder.`, { key: 'errors.imaging.storedFileImageMissing3', params: { id } });
    if (sniff(bytes.subarray(0, 512)) === 'unknown') return [];
    try {
      return listTags(parseDicom(bytes).dataSet);
    } catch (err) {
      if (err instanceof DicomError) throw new AppError('UNSUPPORTED', `The tags of image ${id} cannot be read: ${err.message}.`, { key: 'errors.imaging.tagsImageCannotRead2', params: { id, message: err.message } });
      throw err;
    }
  }

  /** The current labels of these images, per image (one set only when `labelSet` names one). */
  private labelsFor(ids: string[], labelSet?: string): Map<string, ImageLabel[]> {
    const out = new Map<string, ImageLabel[]>();
    if (ids.length === 0) return out;
    for (const l of currentLabelsOfImages(this.core.db, ids, labelSet || undefined)) {
      const list = out.get(l.imageId) ?? [];
      list.push({ labelSet: l.labelSet, className: l.className });
      out.set(l.imageId, list);
    }
    return out;
  }

  /** The MRN of each patient these images belong to. */
  private mrnsOf(rows: ImageRow[]): Map<string, string> {
    const ids = [...new Set(rows.map((r) => r.patient_id).filter((id): id is string => id !== null))];
    return new Map(patientsByIds(this.core.db, ids).map((p) => [p.id, p.mrn]));
  }

  private toSummary(r: ImageRow, mrns: Map<string, string>, labels: ImageLabel[]): ImageSummary {
    return {
      id: r.id,
      patientId: r.patient_id,
      patientMrn: r.patient_id !== null ? (mrns.get(r.patient_id) ?? null) : null,
      seriesId: r.series_id,
      format: r.format,
      modality: r.modality,
      rows: r.rows,
      columns: r.columns,
      frames: r.frames,
      photometric: r.photometric,
      sizeBytes: r.size_bytes,
      instanceNumber: r.instance_number,
      predefinedSplit: r.predefined_split,
      originalPath: r.original_path,
      hasThumbnail: Boolean(r.has_thumb),
      labels,
    };
  }
}
