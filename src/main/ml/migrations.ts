import type { Migration } from '../db/migrations';

/** The ml feature's schema changes (numbers in its range; see db/migrations.ts). */
export const mlMigrations: Migration[] = [];
