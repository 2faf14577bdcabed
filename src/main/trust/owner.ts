import fs from 'node:fs';
import { AppError } from '../../shared/ipc/envelope';

/**
 * The CLI acts as the all-powerful `system` actor without a password, so it runs only
 * for the OS user who owns the data folder (who could read the files anyway). POSIX
 * only: Windows has no uid, and its folder ACLs already keep other users out of AppData.
 */
export function assertDataFolderOwner(dir: string, uid: number | null = typeof process.getuid === 'function' ? process.getuid() : null): void {
  if (uid === null) return;
  const st = fs.statSync(dir);
  if (st.uid !== uid) {
    throw new AppError(
      'FORBIDDEN',
      `The data folder ${dir} belongs to another operating-system user (uid ${st.uid}, you are ${uid}). The CareLens command line runs only as the folder's owner.`,
    );
  }
}
