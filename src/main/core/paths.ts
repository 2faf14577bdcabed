import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** Where CareLens keeps everything for one clinic workstation. */
export interface DataPaths {
  root: string;
  database: string;
  /** Content-addressed copies of imported files, named by sha256. */
  store: string;
  thumbnails: string;
  models: string;
  exports: string;
  logs: string;
}

/**
 * The data folder: an explicit one (Electron's userData, or --data-dir) wins, then
 * CARELENS_DATA_DIR, then a per-user default.
 */
export function resolveDataDir(explicit?: string | null, env: NodeJS.ProcessEnv = process.env): string {
  if (explicit) return path.resolve(explicit);
  if (env.CARELENS_DATA_DIR) return path.resolve(env.CARELENS_DATA_DIR);
  const base = process.platform === 'win32' ? (env.APPDATA ?? os.homedir()) : process.platform === 'darwin' ? path.join(os.homedir(), 'Library', 'Application Support') : (env.XDG_DATA_HOME ?? path.join(os.homedir(), '.local', 'share'));
  return path.join(base, 'CareLens');
}

export function dataPaths(root: string): DataPaths {
  return {
    root,
    database: path.join(root, 'carelens.db'),
    store: path.join(root, 'store'),
    thumbnails: path.join(root, 'thumbnails'),
    models: path.join(root, 'models'),
    exports: path.join(root, 'exports'),
    logs: path.join(root, 'logs'),
  };
}

/** Creates the folders (owner-only where the platform allows). */
export function ensureDataDirs(paths: DataPaths): void {
  for (const dir of [paths.root, paths.store, paths.thumbnails, paths.models, paths.exports, paths.logs]) {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  }
}
