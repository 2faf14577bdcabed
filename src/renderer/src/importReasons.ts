import { messageText } from './api';

/**
 * Why a file was not imported, in the active language. The import worker stores each reason as
 * English words in the import's record (`import_failures`, shown long after the import ran), so
 * there is no key to send: the renderer recognises the worker's sentences here and words them
 * from `progress.importFailure.*`. A reason this table does not know (a decoder's own message)
 * is shown as stored. Keep in step with `src/main/imaging/importFiles.ts` and `containers.ts`.
 */
const REASONS: readonly [RegExp, string][] = [
  [/^folder not found$/, 'progress.importFailure.folderNotFound'],
  [/^folder cannot be read \((?<code>[^)]*)\)$/, 'progress.importFailure.folderUnreadable'],
  [/^cannot be read \((?<code>[^)]*)\)$/, 'progress.importFailure.unreadable'],
  [/^empty file$/, 'progress.importFailure.empty'],
  [/^not DICOM, PNG or JPEG$/, 'progress.importFailure.notImage'],
  [/^archive inside an archive: /, 'progress.importFailure.nestedArchive'],
  [/^ZIP archive where a single file was expected: /, 'progress.importFailure.zipNotExpected'],
  [/^too large: the (?:file|instance) is (?<mb>\d+) MB; CareLens imports files up to (?<max>\d+) MB$/, 'progress.importFailure.fileTooLarge'],
  [/^DICOMDIR index listing (?<count>\d+) record\(s\), not an image: /, 'progress.importFailure.dicomdir'],
  [/^cannot be decoded \((?<detail>.*)\)$/, 'progress.importFailure.notDecoded'],
  [/^cannot be copied into the data folder \((?<detail>.*)\)$/, 'progress.importFailure.notCopied'],
  [/^(?<kind>ZIP|gzip) archive cannot be read \((?<detail>.*)\)$/, 'progress.importFailure.archiveUnreadable'],
  [/^refused: (?<detail>.*)$/, 'progress.importFailure.memberRefused'],
  [/^not read: the member is encrypted$/, 'progress.importFailure.memberEncrypted'],
  [/^not read: the archive has more than (?<max>\d+) members$/, 'progress.importFailure.tooManyMembers'],
  [/^not read: compression method (?<method>\d+) \(CareLens reads stored and deflated members\)$/, 'progress.importFailure.compressionMethod'],
  [/^not read: the archive's members add up to more than (?<max>\d+) bytes$/, 'progress.importFailure.archiveTooLarge'],
  [/^too large: the member inflates to (?<size>\d+) bytes \((?<compressed>\d+) compressed\); CareLens reads members up to (?<max>\d+)$/, 'progress.importFailure.memberTooLarge'],
  [/^ZIP archive is damaged: (?<detail>.*)$/, 'progress.importFailure.zipDamaged'],
  [/^ZIP archive is truncated: (?<detail>.*)$/, 'progress.importFailure.zipTruncated'],
  [/^ZIP member is damaged: (?<detail>.*)$/, 'progress.importFailure.zipMemberDamaged'],
  [/^ZIP64 archive: /, 'progress.importFailure.zip64'],
  [/^ZIP archive's directory is (?<size>\d+) bytes, more than CareLens reads \((?<max>\d+)\)$/, 'progress.importFailure.zipDirectoryTooLarge'],
  [/^too large: the gzip member inflates to more than (?<max>\d+) bytes \(a decompression bomb\?\)$/, 'progress.importFailure.gzipTooLarge'],
  [/^too large: the gzip file is (?<size>\d+) bytes; CareLens reads members up to (?<max>\d+)$/, 'progress.importFailure.gzipFileTooLarge'],
  // The import as a whole (ImportService, BytesImport): its `error` on the Import page.
  [/^The import worker stopped: (?<detail>.*)$/, 'progress.importFailure.workerStopped'],
  [/^The import worker exited unexpectedly \(code (?<code>-?\d+)\)\.$/, 'progress.importFailure.workerExited'],
  [/^Reading the import's progress failed: (?<detail>.*)$/, 'progress.importFailure.progressUnreadable'],
  [/^the import worker stopped: (?<detail>.*)$/, 'progress.importFailure.workerStoppedLower'],
  [/^the import worker exited \(code (?<code>-?\d+)\)$/, 'progress.importFailure.workerExitedLower'],
  [/^gzip data is damaged \((?<detail>.*)\)$/, 'progress.importFailure.gzipDamaged'],
  // ImportService: every given folder was gone or unreadable when the worker walked it (one folder; several stay as stored).
  [/^The folder (?<path>.+) could not be read \((?<reason>folder [^)]*\)?)\)\.$/, 'importer.reasons.folderCouldNotBeRead'],
];

/** Numbers stay numbers (so plural forms and Intl formatting work), everything else text. */
function paramsOf(groups: Record<string, string | undefined> | undefined): Record<string, string | number> {
  const out: Record<string, string | number> = {};
  for (const [k, v] of Object.entries(groups ?? {})) if (v !== undefined) out[k] = /^\d+$/.test(v) ? Number(v) : v;
  return out;
}

/** The catalogue key and parameters of a stored reason, or null when the table does not know it. */
export function importReasonKey(reason: string): { key: string; params: Record<string, string | number> } | null {
  for (const [pattern, key] of REASONS) {
    const m = pattern.exec(reason);
    if (m) return { key, params: paramsOf(m.groups) };
  }
  return null;
}

export function importReasonText(reason: string): string {
  const found = importReasonKey(reason);
  if (!found) return reason;
  // A parameter named `reason` is itself a stored reason (the folder's own): worded the same way.
  const params = typeof found.params.reason === 'string' ? { ...found.params, reason: importReasonText(found.params.reason) } : found.params;
  return messageText(found.key, params, reason);
}
