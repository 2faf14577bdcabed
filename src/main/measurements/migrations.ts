import type { Migration } from '../db/migrations';

/** The measurements feature's schema changes (numbers 700-749). */
export const measurementsMigrations: Migration[] = [
  {
    id: 700,
    name: 'measurements',
    up: `
      -- One measurement on one frame of an image, with the values the main process computed from
      -- the decoded frame and the header at the time. Rows are never deleted: a removal stamps
      -- removed_at / removed_by, so who measured and who removed it stays on record.
      -- image_id names an image of the imaging feature (no foreign key across features).
      CREATE TABLE measurements (
        id TEXT PRIMARY KEY,
        image_id TEXT NOT NULL,
        frame INTEGER NOT NULL CHECK (frame >= 0),
        kind TEXT NOT NULL CHECK (kind IN ('probe', 'length', 'angle', 'rectangle', 'ellipse')),
        -- JSON [[x, y], ...] in image index coordinates (pixel centres at integers).
        points TEXT NOT NULL,
        value_px REAL,
        value_mm REAL,
        angle_deg REAL,
        probe_raw REAL,
        probe_value REAL,
        roi_mean REAL,
        roi_sd REAL,
        roi_min REAL,
        roi_max REAL,
        roi_count INTEGER,
        area_px REAL,
        area_mm2 REAL,
        -- 'HU' for CT, '' otherwise.
        unit TEXT NOT NULL DEFAULT '',
        -- Pixel spacing in mm, DICOM order: between rows, between columns; NULL when uncalibrated.
        spacing_row REAL,
        spacing_column REAL,
        spacing_source TEXT CHECK (spacing_source IN ('PixelSpacing', 'ImagerPixelSpacing')),
        created_by TEXT NOT NULL,
        created_at TEXT NOT NULL,
        removed_by TEXT,
        removed_at TEXT
      );
      CREATE INDEX measurements_image ON measurements (image_id, frame, created_at);
    `,
  },
];
