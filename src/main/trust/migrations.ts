import type { Migration } from '../db/migrations';

/** The trust feature's schema changes (numbers in its range; see db/migrations.ts). */
export const trustMigrations: Migration[] = [];
