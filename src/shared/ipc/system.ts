import { z } from 'zod';
import { channel } from './define';
import type { Result } from './envelope';

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

/** A folder the browser can jump to (a root, or one step of the way from a root). */
export interface FolderPlace {
  name: string;
  path: string;
  /** The user's home folder. */
  home: boolean;
}

/** One folder's sub-folders, for the web host's folder browser (`system:browseFolder`). */
export interface FolderListing {
  /** The folder listed, as a real path. */
  path: string;
  /** The allowed root it is in (the home folder or an administrator's root). */
  root: string;
  /** One level up, or null at the root (the browser goes no higher). */
  parent: string | null;
  /** From the root down to this folder, for breadcrumbs. */
  crumbs: FolderPlace[];
  /** The allowed roots: the home folder first. */
  places: FolderPlace[];
  /** Sub-folders, sorted by name (hidden ones only when asked). */
  entries: { name: string; path: string; kind: 'folder' }[];
  /** More sub-folders than the listing holds (5,000). */
  truncated: boolean;
  /** Files directly in this folder (not in its sub-folders). */
  files: number;
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
  'system:browseFolder': channel<FolderListing>()({
    input: z
      .object({
        path: z.string().max(4096, 'A folder path is at most 4096 characters').optional(),
        showHidden: z.boolean().optional(),
      })
      .strict(),
    access: 'clinician',
    audit: 'none',
    doc: "A folder's sub-folders for choosing what to import (the web host's folder browser): the home folder when no path is given; only the home folder and allowed roots.",
  }),
};

export const systemEvents = {};

/**
 * The desktop app's native folder dialog, outside the dispatch table (a window of the OS, not a
 * service): the Electron preload adds `pickFolders` to `window.api` over this ipc channel; the
 * web host has none, and the Import page then offers `system:browseFolder` instead.
 */
export const PICK_FOLDERS_CHANNEL = 'carelens:pickFolders';

export interface NativeFolderDialog {
  /** The folders chosen ([] when cancelled). */
  pickFolders(options?: { title?: string }): Promise<Result<string[]>>;
}
