import { orderMigrations, type Migration } from '../db/migrations';
import { patientsMigrations } from '../patients/migrations';
import { systemMigrations } from '../system/migrations';
import { trustMigrations } from '../trust/migrations';
import { auditMigrations } from '../audit/migrations';
import { imagingMigrations } from '../imaging/migrations';
import { labelsMigrations } from '../labels/migrations';
import { mlMigrations } from '../ml/migrations';
import { careplansMigrations } from '../careplans/migrations';
import { reportsMigrations } from '../reports/migrations';
import { pacsMigrations } from '../pacs/migrations';
import { measurementsMigrations } from '../measurements/migrations';

/** Every feature's schema changes, in order: the composition root is the one place that knows them all. */
export function allMigrations(): Migration[] {
  return orderMigrations([
    ...patientsMigrations,
    ...systemMigrations,
    ...trustMigrations,
    ...auditMigrations,
    ...imagingMigrations,
    ...labelsMigrations,
    ...mlMigrations,
    ...careplansMigrations,
    ...reportsMigrations,
    ...pacsMigrations,
    ...measurementsMigrations,
  ]);
}

/** The newest schema this build knows (a backup or data folder past it was written by a newer CareLens). */
export function newestSchema(): number {
  return Math.max(...allMigrations().map((m) => m.id));
}
