import type { Migration } from '../db/migrations';

/** The reports feature's schema changes (numbers in its range; see db/migrations.ts). */
export const reportsMigrations: Migration[] = [];
