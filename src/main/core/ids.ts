import { randomUUID } from 'node:crypto';

/** A new record id. UUIDs: unique across workstations, so records can be merged later. */
export function newId(): string {
  return randomUUID();
}
