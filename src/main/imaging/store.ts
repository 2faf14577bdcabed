import path from 'node:path';

/** Where the content-addressed store keeps the file with this sha256 (store/ab/abcdef...). */
export function storePath(storeRoot: string, sha256: string): string {
  return path.join(storeRoot, sha256.slice(0, 2), sha256);
}

/** Where the grid's thumbnail of this file lives (thumbnails/ab/abcdef....png). */
export function thumbnailPath(thumbRoot: string, sha256: string): string {
  return path.join(thumbRoot, sha256.slice(0, 2), `${sha256}.png`);
}
