/**
 * Converting the files of store/ and thumbnails/ to the current key, one file at a time, in
 * place: plain files stored before encryption (and the first one-shot format), and during a
 * key change files under the old key. Each step is safe to stop at any moment (SIGKILL
 * included): the new file is written to a temp name, fsync'd and renamed into place before
 * the old one is removed, and a file whose converted copy already exists is only removed. A
 * re-run therefore resumes where the last one stopped and loses nothing.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { HEADER_BYTES, MAGIC_V1, decryptFileChunks, isEncryptedHeader, keyedName, openV1, type StoreKeys } from '../core/fileCrypto';
import { EncryptedWriter, plainPieces, readHead } from '../core/encryptedWrite';
import { storePath, thumbnailPath } from '../imaging/store';

export type Folder = 'store' | 'thumbnails';

export interface ConversionPlan {
  /** The key every file should end under. */
  keys: StoreKeys;
  /** During a key change: files under this key are re-encrypted. Else null. */
  oldKeys: StoreKeys | null;
  /** During a key change: old keyed name -> sha256, for every image the database knows. */
  shaOfOldName?: Map<string, string>;
}

export type FileOutcome = 'current' | 'converted' | 'removed' | 'skipped' | { problem: string };

/** Every file of the two folders (temp files of a writer that died are removed on the way). */
export function listStoreFiles(root: string): { folder: Folder; file: string }[] {
  const out: { folder: Folder; file: string }[] = [];
  for (const folder of ['store', 'thumbnails'] as const) {
    const top = path.join(root, folder);
    if (!fs.existsSync(top)) continue;
    for (const sub of fs.readdirSync(top, { withFileTypes: true })) {
      if (!sub.isDirectory()) continue;
      for (const f of fs.readdirSync(path.join(top, sub.name), { withFileTypes: true })) {
        if (!f.isFile()) continue;
        const file = path.join(top, sub.name, f.name);
        if (f.name.endsWith('.tmp')) removeIfStale(file);
        else out.push({ folder, file });
      }
    }
  }
  return out;
}

/** A temp file whose writer process is gone (killed mid-write) is removed; a live writer's is left. */
function removeIfStale(file: string): void {
  const m = /\.(\d+)(?:-[0-9a-f]+)?\.tmp$/.exec(file);
  const pid = m ? Number(m[1]) : NaN;
  if (pid === process.pid) return;
  if (Number.isFinite(pid)) {
    try {
      process.kill(pid, 0);
      return; // still running
    } catch {
      // gone
    }
  }
  fs.rmSync(file, { force: true });
}

function targetOf(root: string, folder: Folder, sha: string, keys: StoreKeys): string {
  return folder === 'store' ? storePath(path.join(root, 'store'), sha, keys) : thumbnailPath(path.join(root, 'thumbnails'), sha, keys);
}

function isCurrent(file: string, keys: StoreKeys): boolean {
  try {
    const head = readHead(file);
    return head !== null && isEncryptedHeader(head) && head.subarray(8, 16).equals(keys.id);
  } catch {
    return false;
  }
}

/** The sha256 a legacy (pre-encryption) name stands for, or null when the name is not one. */
function shaOfLegacyName(folder: Folder, name: string): string | null {
  const m = folder === 'store' ? /^([0-9a-f]{64})$/.exec(name) : /^([0-9a-f]{64})\.png$/.exec(name);
  return m ? m[1]! : null;
}

/** Converts one file (see the module's comment); never throws for a file's own problem. */
export function convertFile(root: string, folder: Folder, file: string, plan: ConversionPlan): FileOutcome {
  const { keys, oldKeys } = plan;
  const name = path.basename(file);
  let head: Buffer | null;
  try {
    head = readHead(file, HEADER_BYTES);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 'skipped'; // moved meanwhile
    return { problem: `${folder}/${name}: cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})` };
  }
  try {
    if (head && isEncryptedHeader(head)) {
      const id = head.subarray(8, 16);
      if (id.equals(keys.id)) return 'current';
      if (!oldKeys || !id.equals(oldKeys.id)) return { problem: `${folder}/${name.slice(0, 16)}…: encrypted with a key this data folder does not know` };
      let sha = plan.shaOfOldName?.get(name) ?? null;
      if (!sha && folder === 'store') {
        // Not in the database (an import killed before its batch was committed): the content names it.
        const hash = createHash('sha256');
        decryptFileChunks(oldKeys, file, (piece) => hash.update(piece));
        const h = hash.digest('hex');
        if (keyedName(oldKeys, h) === name) {
          sha = h;
          // Its thumbnail has the same name: it is converted too (store/ is walked before thumbnails/).
          plan.shaOfOldName?.set(name, h);
        }
      }
      if (!sha) {
        // A thumbnail of no stored file: nothing can show it; it is removed rather than left under the old key.
        fs.rmSync(file, { force: true });
        return 'removed';
      }
      const target = targetOf(root, folder, sha, keys);
      const w = new EncryptedWriter(keys, target);
      try {
        decryptFileChunks(oldKeys, file, (piece) => w.write(piece));
      } catch (err) {
        w.abort();
        throw err;
      }
      w.commit({ durable: true });
      fs.rmSync(file, { force: true });
      return 'converted';
    }
    const sha = shaOfLegacyName(folder, name);
    if (!sha) return { problem: `${folder}/${name.slice(0, 40)}: not a CareLens file name; left as it is` };
    const target = targetOf(root, folder, sha, keys);
    if (!isCurrent(target, keys)) {
      if (head && head.subarray(0, 8).equals(MAGIC_V1)) {
        const plain = openV1(oldKeys ?? keys, fs.readFileSync(file));
        const w = new EncryptedWriter(keys, target);
        w.write(plain);
        w.commit({ durable: true });
      } else {
        // Streamed: a large multi-frame file is read and encrypted a chunk at a time.
        const src = plainPieces(file);
        try {
          const w = new EncryptedWriter(keys, target);
          for (let piece = src.read(); piece !== null; piece = src.read()) w.write(piece);
          w.commit({ durable: true });
        } finally {
          src.close();
        }
      }
    }
    fs.rmSync(file, { force: true });
    return 'converted';
  } catch (err) {
    return { problem: `${folder}/${name.slice(0, 16)}…: ${(err as Error).message}` };
  }
}
