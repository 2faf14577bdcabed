/**
 * What other features may ask of the system feature: which folders a signed-in user may import
 * from and export to (their home folder and the roots an administrator allowed; the CLI's system
 * actor anywhere). Functions of the settings store the system feature owns. See folderRoots.ts.
 */
export { allowedPath, assertFolderAllowed, expandHome, listFolderRoots, outsideRootsMessage } from './folderRoots';
