import { z } from 'zod';
import { channel } from './define';

export interface BackendInfo {
  /** 'tensorflow' (tfjs-node), 'wasm', 'cpu', or null before the loader has run. */
  name: string | null;
  /** Why the preferred backends were not used, in words. */
  detail: string;
}

export interface SystemStatus {
  app: 'CareLens';
  version: string;
  transport: 'electron' | 'web' | 'cli' | 'test';
  /** Where the data lives: only for a signed-in administrator (and the CLI); null for anyone else. */
  dataDir: string | null;
  databasePath: string | null;
  schemaVersion: number;
  backend: BackendInfo;
  /** Always shown in the UI: CareLens is decision support. */
  disclaimer: string;
}

/** The folders a signed-in user may import from and export to (besides the data folder's own exports). */
export interface FolderRoots {
  /** The OS user's home folder: always allowed. */
  home: string;
  /** Folders an administrator allowed, as real paths. */
  roots: string[];
}

const folder = z.string().trim().min(1, 'Enter a folder').max(4096, 'A folder path is at most 4096 characters');

export const systemChannels = {
  'system:status': channel<SystemStatus>()({
    input: z.object({}).strict(),
    access: 'public',
    audit: 'none',
    doc: 'What the app is running on: version, schema version, ML backend; the data folder only to a signed-in administrator.',
  }),
  'system:folderRoots': channel<FolderRoots>()({
    input: z.object({}).strict(),
    access: 'clinician',
    audit: 'none',
    doc: 'The folders users may import from and export to: the home folder and the roots an administrator allowed.',
  }),
  'system:addFolderRoot': channel<FolderRoots>()({
    input: z.object({ folder }).strict(),
    access: 'admin',
    audit: 'change',
    doc: 'Allows users to import from and export to this folder and everything under it (an existing folder, not the whole disk).',
  }),
  'system:removeFolderRoot': channel<FolderRoots>()({
    input: z.object({ folder }).strict(),
    access: 'admin',
    audit: 'change',
    doc: 'Stops allowing a folder root; imports and exports already done stay.',
  }),
};

export const systemEvents = {};
