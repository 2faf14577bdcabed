import type { Migration } from '../db/migrations';

/** The careplans feature's schema changes (numbers in its range; see db/migrations.ts). */
export const careplansMigrations: Migration[] = [];
