import type { Migration } from '../db/migrations';

/** The labels feature's schema changes (numbers in its range; see db/migrations.ts). */
export const labelsMigrations: Migration[] = [];
