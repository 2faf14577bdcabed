import type { Migration } from '../db/migrations';

/** The imaging feature's schema changes (numbers in its range; see db/migrations.ts). */
export const imagingMigrations: Migration[] = [];
