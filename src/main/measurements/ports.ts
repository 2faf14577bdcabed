import type { Db } from '../db/types';
import type { Measurement, MeasurementKind, SpacingSource } from '../../shared/domain/measurements';

/**
 * The measurements feature's port and its SQL: measurements are read and written only here.
 * Plain functions of a database handle over the measurements table; imports no other feature.
 */

interface MeasurementRow {
  id: string;
  image_id: string;
  frame: number;
  kind: MeasurementKind;
  points: string;
  value_px: number | null;
  value_mm: number | null;
  angle_deg: number | null;
  probe_raw: number | null;
  probe_value: number | null;
  roi_mean: number | null;
  roi_sd: number | null;
  roi_min: number | null;
  roi_max: number | null;
  roi_count: number | null;
  area_px: number | null;
  area_mm2: number | null;
  unit: string;
  spacing_row: number | null;
  spacing_column: number | null;
  spacing_source: SpacingSource | null;
  created_by: string;
  created_at: string;
  removed_by: string | null;
  removed_at: string | null;
}

function toMeasurement(r: MeasurementRow): Measurement {
  return {
    id: r.id,
    imageId: r.image_id,
    frame: r.frame,
    kind: r.kind,
    points: JSON.parse(r.points) as [number, number][],
    valueMm: r.value_mm,
    valuePx: r.value_px,
    angleDeg: r.angle_deg,
    probe: r.probe_value !== null ? { raw: r.probe_raw ?? r.probe_value, value: r.probe_value } : null,
    stats:
      r.roi_count !== null
        ? { mean: r.roi_mean ?? 0, sd: r.roi_sd ?? 0, min: r.roi_min ?? 0, max: r.roi_max ?? 0, count: r.roi_count, areaPx: r.area_px ?? 0, areaMm2: r.area_mm2 }
        : null,
    unit: r.unit,
    spacing: r.spacing_row !== null && r.spacing_column !== null ? [r.spacing_row, r.spacing_column] : null,
    spacingSource: r.spacing_source,
    createdBy: r.created_by,
    createdAt: r.created_at,
  };
}

/** Stores a measurement (its id, author and time already set). */
export function insertMeasurement(db: Db, m: Measurement): void {
  db.prepare(
    `INSERT INTO measurements (id, image_id, frame, kind, points, value_px, value_mm, angle_deg, probe_raw, probe_value,
       roi_mean, roi_sd, roi_min, roi_max, roi_count, area_px, area_mm2, unit, spacing_row, spacing_column, spacing_source, created_by, created_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  ).run(
    m.id,
    m.imageId,
    m.frame,
    m.kind,
    JSON.stringify(m.points),
    m.valuePx,
    m.valueMm,
    m.angleDeg,
    m.probe?.raw ?? null,
    m.probe?.value ?? null,
    m.stats?.mean ?? null,
    m.stats?.sd ?? null,
    m.stats?.min ?? null,
    m.stats?.max ?? null,
    m.stats?.count ?? null,
    m.stats?.areaPx ?? null,
    m.stats?.areaMm2 ?? null,
    m.unit,
    m.spacing?.[0] ?? null,
    m.spacing?.[1] ?? null,
    m.spacingSource,
    m.createdBy,
    m.createdAt,
  );
}

/** A standing (not removed) measurement by id, or null. */
export function standingMeasurement(db: Db, id: string): Measurement | null {
  const row = db.prepare('SELECT * FROM measurements WHERE id = ? AND removed_at IS NULL').get(id) as MeasurementRow | undefined;
  return row ? toMeasurement(row) : null;
}

/** Stamps a measurement removed (the row stays, with who removed it and when); false when it was not standing. */
export function markMeasurementRemoved(db: Db, id: string, by: string, at: string): boolean {
  return db.prepare('UPDATE measurements SET removed_by = ?, removed_at = ? WHERE id = ? AND removed_at IS NULL').run(by, at, id).changes > 0;
}

/** Who removed a measurement and when (null while it stands or when there is no such id). */
export function measurementRemoval(db: Db, id: string): { by: string; at: string } | null {
  const row = db.prepare('SELECT removed_by AS "by", removed_at AS "at" FROM measurements WHERE id = ? AND removed_at IS NOT NULL').get(id) as { by: string; at: string } | undefined;
  return row ?? null;
}

/** One image's standing measurements (one frame, or all frames), oldest first. */
export function measurementsOfImage(db: Db, imageId: string, frame?: number): Measurement[] {
  const rows = (
    frame === undefined
      ? db.prepare('SELECT * FROM measurements WHERE image_id = ? AND removed_at IS NULL ORDER BY created_at, rowid').all(imageId)
      : db.prepare('SELECT * FROM measurements WHERE image_id = ? AND frame = ? AND removed_at IS NULL ORDER BY created_at, rowid').all(imageId, frame)
  ) as MeasurementRow[];
  return rows.map(toMeasurement);
}

const CHUNK = 500;

/** The standing measurements of these images (for reports), oldest first. */
export function measurementsOfImages(db: Db, imageIds: readonly string[]): Measurement[] {
  const unique = [...new Set(imageIds)];
  const out: Measurement[] = [];
  for (let i = 0; i < unique.length; i += CHUNK) {
    const part = unique.slice(i, i + CHUNK);
    const rows = db
      .prepare(`SELECT * FROM measurements WHERE image_id IN (${part.map(() => '?').join(',')}) AND removed_at IS NULL ORDER BY created_at, rowid`)
      .all(...part) as MeasurementRow[];
    out.push(...rows.map(toMeasurement));
  }
  return out.sort((a, b) => a.createdAt.localeCompare(b.createdAt));
}
