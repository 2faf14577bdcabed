import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { AppError } from '../../shared/ipc/envelope';
import type { Settings } from '../core/settings';
import { SYSTEM_ACTOR } from '../../shared/domain/actor';

/**
 * Which folders a signed-in user may import from and export to: their home folder and the
 * folder roots an administrator configured (`system:addFolderRoot`, `carelens folders roots add`).
 * A path is resolved with realpath before it is compared, so `..` and symbolic links that lead out
 * of a root are refused. The CLI, run as the OS user who owns the data folder (the built-in system
 * actor), is not limited: it could read those files itself.
 */
const SETTING = 'system.folderRoots';

/** The configured roots, as stored (each the realpath it had when added). */
export function listFolderRoots(settings: Settings): string[] {
  try {
    const parsed = JSON.parse(settings.get(SETTING) ?? '[]') as unknown;
    return Array.isArray(parsed) ? parsed.filter((p): p is string => typeof p === 'string') : [];
  } catch {
    return [];
  }
}

/**
 * `~` and `~/x` (also `~\\x` on Windows) as the home folder of the OS user running CareLens, as a
 * shell would expand them; any other path is returned as it is (`~user` is not expanded).
 * Without this, Node resolves `~/Desktop` against the working folder.
 */
export function expandHome(target: string, home: string = os.homedir()): string {
  if (target === '~') return home;
  if (target.startsWith('~/') || (path.sep === '\\' && target.startsWith('~\\'))) return path.join(home, target.slice(2));
  return target;
}

/** The home folder of the OS user running CareLens (always allowed). */
export function homeRoot(): string {
  const home = os.homedir();
  try {
    return fs.realpathSync(home);
  } catch {
    return path.resolve(home);
  }
}

function realDir(dir: string): string {
  if (!path.isAbsolute(dir)) throw new AppError('VALIDATION', 'A folder root must be a full (absolute) path.', { key: 'errors.system.folderRootMustFull', issues: [{ path: 'folder', message: 'Use an absolute path', key: 'errors.issues.absolutePath' }] });
  let real: string;
  try {
    real = fs.realpathSync(dir);
  } catch {
    throw new AppError('NOT_FOUND', `The folder ${dir} does not exist: create it first, then add it.`, { key: 'errors.system.folderDoesNotExist', params: { dir }, issues: [{ path: 'folder', message: 'No such folder', key: 'errors.issues.noSuchFolder' }] });
  }
  if (!fs.statSync(real).isDirectory()) throw new AppError('VALIDATION', `${dir} is a file, not a folder.`, { key: 'errors.system.fileNotFolder', params: { dir }, issues: [{ path: 'folder', message: 'Not a folder', key: 'errors.issues.notFolder' }] });
  return real;
}

/** Adds a root (stored as its realpath); adding one already there changes nothing. */
export function addFolderRoot(settings: Settings, dir: string): string[] {
  const real = realDir(dir);
  if (real === path.parse(real).root) {
    throw new AppError('VALIDATION', 'The whole disk cannot be a folder root: choose the folder that holds the images or exports.', { key: 'errors.system.wholeDiskCannotFolder', issues: [{ path: 'folder', message: 'Too broad', key: 'errors.issues.tooBroad' }] });
  }
  const roots = listFolderRoots(settings);
  if (!roots.includes(real)) settings.set(SETTING, JSON.stringify([...roots, real].sort()));
  return listFolderRoots(settings);
}

/** Removes a root, given as added or as any path that resolves to it. */
export function removeFolderRoot(settings: Settings, dir: string): string[] {
  const roots = listFolderRoots(settings);
  let real = path.resolve(dir);
  try {
    real = fs.realpathSync(dir);
  } catch {
    // A root whose folder is gone can still be removed by the name it was added under.
  }
  if (!roots.includes(real) && !roots.includes(path.resolve(dir))) {
    throw new AppError('NOT_FOUND', `${dir} is not a folder root. The roots are: ${roots.join(', ') || 'none'}.`, { key: 'errors.system.notFolderRootRoots', params: { dir, value: roots.join(', ') || 'none' }, issues: [{ path: 'folder', message: 'Not a root', key: 'errors.issues.notRoot' }] });
  }
  settings.set(SETTING, JSON.stringify(roots.filter((r) => r !== real && r !== path.resolve(dir))));
  return listFolderRoots(settings);
}

function within(child: string, root: string): boolean {
  const rel = path.relative(root, child);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

/**
 * The realpath of `target` for reading, or of its nearest existing folder plus the rest for
 * writing (an export folder may not exist yet). Throws when it does not exist (reading).
 */
function resolveReal(target: string, purpose: 'read' | 'write'): string | null {
  const abs = path.resolve(target);
  if (purpose === 'read') {
    try {
      return fs.realpathSync(abs);
    } catch {
      return null;
    }
  }
  let existing = abs;
  const rest: string[] = [];
  for (;;) {
    try {
      return path.join(fs.realpathSync(existing), ...rest);
    } catch {
      const parent = path.dirname(existing);
      if (parent === existing) return null;
      rest.unshift(path.basename(existing));
      existing = parent;
    }
  }
}

/** What the refusal says: the allowed folders and how to get another one allowed. */
export function outsideRootsMessage(settings: Settings, target: string, purpose: 'read' | 'write'): string {
  const allowed = [homeRoot(), ...listFolderRoots(settings)];
  const verb = purpose === 'read' ? 'import from' : 'export to';
  return `CareLens may ${verb} only your home folder and the folders an administrator allowed (${allowed.join(', ')}); ${target} is not among them. An administrator can allow a folder with \`carelens folders roots add <folder>\`.`;
}

/** Whether the caller (a username, as the services know it) is the CLI's built-in system actor. */
export function isSystemActor(actorName: string): boolean {
  return actorName === SYSTEM_ACTOR.username;
}

/**
 * Where a user may read (`purpose: 'read'`, the path must exist) or write: returns the resolved
 * real path to use, or null when the path is missing or outside the roots (callers that must not
 * tell the two apart, like ml:predictFile, use this). The system actor gets every existing path.
 */
export function allowedPath(settings: Settings, actorName: string, target: string, purpose: 'read' | 'write'): string | null {
  const real = resolveReal(target, purpose);
  if (real === null) return null;
  if (isSystemActor(actorName)) return real;
  const roots = [homeRoot(), ...listFolderRoots(settings)];
  return roots.some((root) => within(real, root)) ? real : null;
}

/**
 * Throws FORBIDDEN (in words: which folders are allowed, how to add one) unless the user may use
 * this folder; returns the path to use. A path that does not exist is left to the caller's own
 * "not found" when it is inside a root.
 */
export function assertFolderAllowed(settings: Settings, actorName: string, target: string, purpose: 'read' | 'write', field: string): string {
  if (isSystemActor(actorName)) return path.resolve(target);
  const real = resolveReal(target, purpose);
  const roots = [homeRoot(), ...listFolderRoots(settings)];
  if (real === null) {
    // Missing: say so only when the path would be inside a root (outside, missing and present read the same).
    if (roots.some((root) => within(path.resolve(target), root))) return path.resolve(target);
    throw new AppError('FORBIDDEN', outsideRootsMessage(settings, target, purpose), {
      key: purpose === 'read' ? 'errors.system.outsideRootsRead' : 'errors.system.outsideRootsWrite',
      params: { allowed: roots.join(', '), target },
      issues: [{ path: field, message: 'Outside the allowed folders', key: 'errors.system.outsideAllowedFolders' }],
    });
  }
  if (!roots.some((root) => within(real, root))) {
    throw new AppError('FORBIDDEN', outsideRootsMessage(settings, target, purpose), {
      key: purpose === 'read' ? 'errors.system.outsideRootsRead' : 'errors.system.outsideRootsWrite',
      params: { allowed: roots.join(', '), target },
      issues: [{ path: field, message: 'Outside the allowed folders', key: 'errors.system.outsideAllowedFolders' }],
    });
  }
  return real;
}
