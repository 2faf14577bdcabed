import { databaseKeyOf, type Db } from '../db/connection';
import { storeKeysFromDbKey, type StoreKeys } from '../core/fileCrypto';

const keysOfDb = new WeakMap<Db, StoreKeys | null>();

/**
 * The store keys of an open database (null for an unencrypted in-memory one: files stay
 * plain). Apart from store.ts so the ml worker can read stored files without loading SQLite.
 */
export function storeKeysOf(db: Db): StoreKeys | null {
  if (!keysOfDb.has(db)) keysOfDb.set(db, storeKeysFromDbKey(databaseKeyOf(db)));
  return keysOfDb.get(db)!;
}
