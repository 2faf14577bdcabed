import fs from 'node:fs';
import path from 'node:path';
import { AppError } from '../../shared/ipc/envelope';
import type { FolderListing, FolderPlace } from '../../shared/ipc/system';
import type { Settings } from '../core/settings';
import { expandHome, homeRoot, listFolderRoots, outsideRootsMessage } from './folderRoots';

/** More sub-folders than this in one folder are cut (the listing says so): a page, not a dump. */
export const MAX_FOLDER_ENTRIES = 5000;

function within(child: string, root: string): boolean {
  const rel = path.relative(root, child);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

/** Case-insensitive name order, ties broken by code points, so the order never depends on the locale of the machine. */
function byName(a: string, b: string): number {
  const la = a.toLowerCase();
  const lb = b.toLowerCase();
  return la < lb ? -1 : la > lb ? 1 : a < b ? -1 : a > b ? 1 : 0;
}

/**
 * The web host's folder browser (the Electron app uses the native dialog instead): one folder's
 * sub-folders, for a signed-in user choosing what to import. Only the user's home folder and the
 * roots an administrator allowed can be listed, the same folders an import may read
 * (folderRoots.ts): the path is resolved with realpath first, so `..` and symbolic links cannot
 * lead out, and a link inside to a folder outside is left out of the listing. Folders only;
 * hidden ones (a leading dot) only when asked. Starts at the home folder.
 */
export function browseFolder(settings: Settings, input: { path?: string; showHidden?: boolean }): FolderListing {
  const home = homeRoot();
  const roots = [home, ...listFolderRoots(settings).filter((r) => r !== home)];
  const places: FolderPlace[] = roots.map((r) => ({ name: r === home ? '~' : path.basename(r) || r, path: r, home: r === home }));
  const asked = input.path === undefined || input.path.trim() === '' ? home : expandHome(input.path.trim());
  if (!path.isAbsolute(asked)) {
    throw new AppError('VALIDATION', `${asked} is not a full path: start at / (or ~ for your home folder).`, {
      key: 'errors.system.browseNotAbsolute',
      params: { path: asked },
      issues: [{ path: 'path', message: 'Use an absolute path', key: 'errors.issues.absolutePath' }],
    });
  }
  let real: string;
  try {
    real = fs.realpathSync(asked);
  } catch {
    // Missing and outside answer alike when the path is outside the roots: nothing about it is told.
    if (!roots.some((r) => within(path.resolve(asked), r))) throw outside(settings, asked);
    throw new AppError('NOT_FOUND', `The folder ${asked} does not exist.`, { key: 'errors.system.browseFolderMissing', params: { path: asked }, issues: [{ path: 'path', message: 'No such folder', key: 'errors.issues.noSuchFolder' }] });
  }
  // The outermost root holding it, so "up" reaches as far as the user may go.
  const root = roots.filter((r) => within(real, r)).sort((a, b) => a.length - b.length)[0];
  if (root === undefined) throw outside(settings, asked);
  if (!fs.statSync(real).isDirectory()) {
    throw new AppError('VALIDATION', `${asked} is a file, not a folder.`, { key: 'errors.system.fileNotFolder', params: { dir: asked }, issues: [{ path: 'path', message: 'Not a folder', key: 'errors.issues.notFolder' }] });
  }
  let dirents: fs.Dirent[];
  try {
    dirents = fs.readdirSync(real, { withFileTypes: true });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    throw new AppError('FORBIDDEN', `The folder ${real} cannot be read (${code}).`, { key: 'errors.system.browseFolderUnreadable', params: { path: real, code }, issues: [{ path: 'path', message: 'Cannot be read', key: 'errors.issues.cannotRead' }] });
  }
  const entries: FolderListing['entries'] = [];
  let files = 0;
  for (const d of dirents) {
    const full = path.join(real, d.name);
    let isDir = d.isDirectory();
    if (d.isSymbolicLink()) {
      // A link is listed only when it leads to a folder inside an allowed root.
      try {
        const target = fs.realpathSync(full);
        isDir = fs.statSync(target).isDirectory() && roots.some((r) => within(target, r));
        if (!isDir && fs.statSync(target).isFile()) files++;
      } catch {
        isDir = false;
      }
    } else if (d.isFile()) {
      files++;
    }
    if (!isDir) continue;
    if (!input.showHidden && d.name.startsWith('.')) continue;
    entries.push({ name: d.name, path: full, kind: 'folder' });
  }
  entries.sort((a, b) => byName(a.name, b.name));
  const truncated = entries.length > MAX_FOLDER_ENTRIES;
  // The way back up to the root: each folder from the root to this one.
  const crumbs: FolderPlace[] = [];
  for (let p = real; ; p = path.dirname(p)) {
    crumbs.unshift({ name: p === root ? places.find((x) => x.path === root)!.name : path.basename(p), path: p, home: p === home });
    if (p === root || path.dirname(p) === p) break;
  }
  return {
    path: real,
    root,
    parent: real === root ? null : path.dirname(real),
    crumbs,
    places,
    entries: truncated ? entries.slice(0, MAX_FOLDER_ENTRIES) : entries,
    truncated,
    files,
  };
}

function outside(settings: Settings, target: string): AppError {
  return new AppError('FORBIDDEN', outsideRootsMessage(settings, target, 'read'), {
    key: 'errors.system.outsideRootsRead',
    params: { allowed: [homeRoot(), ...listFolderRoots(settings)].join(', '), target },
    issues: [{ path: 'path', message: 'Outside the allowed folders', key: 'errors.system.outsideAllowedFolders' }],
  });
}
