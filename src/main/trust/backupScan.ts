import fs from 'node:fs';
import path from 'node:path';
import { HEADER_BYTES, isEncryptedHeader } from '../core/fileCrypto';
import { readBackup } from './BackupService';

/**
 * Backups in the data folder's backups/ that hold a stored original or thumbnail in clear
 * (made before the store was encrypted). They are not rewritten (a backup is the last copy of
 * something; CareLens does not edit it behind the administrator's back): they are named, so
 * the administrator can make a new backup and delete them.
 */
export function backupsHoldingPlainFiles(root: string): string[] {
  const dir = path.join(root, 'backups');
  if (!fs.existsSync(dir)) return [];
  const out: string[] = [];
  for (const name of fs.readdirSync(dir).filter((n) => n.endsWith('.clbackup')).sort()) {
    const file = path.join(dir, name);
    let fd: number | null = null;
    try {
      const { manifest, dbOffset } = readBackup(file);
      fd = fs.openSync(file, 'r');
      let off = dbOffset + manifest.database.size;
      for (const f of manifest.files) {
        if (/^(store|thumbnails)\//.test(f.path) && f.size > 0) {
          const head = Buffer.alloc(Math.min(HEADER_BYTES, f.size));
          fs.readSync(fd, head, 0, head.length, off);
          if (!isEncryptedHeader(head)) {
            out.push(file);
            break;
          }
        }
        off += f.size;
      }
    } catch {
      // A damaged or foreign file in backups/ is not this check's business (restore refuses it).
    } finally {
      if (fd !== null) fs.closeSync(fd);
    }
  }
  return out;
}
