import { afterEach, describe, expect, it } from 'vitest';
import { importReasonText } from './importReasons';
import { setLocale } from './i18n';

afterEach(() => setLocale('en'));

// Reasons as the import worker stores them (src/main/imaging/importFiles.ts, containers.ts).
const STORED = [
  'folder not found',
  'folder cannot be read (EACCES)',
  'cannot be read (EISDIR)',
  'empty file',
  'not DICOM, PNG or JPEG',
  'archive inside an archive: CareLens opens one level of ZIP or gzip; unpack the inner archive and import it',
  'ZIP archive where a single file was expected: CareLens opens archives met in a folder walk only; unpack it and import the folder',
  'too large: the file is 900 MB; CareLens imports files up to 512 MB',
  'DICOMDIR index listing 12 record(s), not an image: the images it lists are imported from their own files',
  'cannot be decoded (bad header)',
  'cannot be copied into the data folder (ENOSPC)',
  'gzip archive cannot be read (EIO)',
  'refused: an absolute path',
  'not read: the member is encrypted',
  'not read: the archive has more than 10000 members',
  'not read: compression method 14 (CareLens reads stored and deflated members)',
  "not read: the archive's members add up to more than 4294967296 bytes",
  'too large: the member inflates to 900000000 bytes (1000 compressed); CareLens reads members up to 536870912',
  'ZIP archive is damaged: its CRC is wrong',
  'ZIP archive is truncated: the member needs 10 bytes from byte 4, the file ends first',
  'ZIP member is damaged: its CRC-32 does not match',
  'ZIP64 archive: CareLens reads ZIP archives up to 4 GB and 65,535 members; unpack it and import the folder',
  'gzip data is damaged (unexpected end of file)',
  'The import worker stopped: out of memory',
  'The import worker exited unexpectedly (code 1).',
  "Reading the import's progress failed: bad row",
  'the import worker stopped: out of memory',
  'the import worker exited (code 3)',
  "ZIP archive's directory is 9000000 bytes, more than CareLens reads (8388608)",
  'too large: the gzip member inflates to more than 536870912 bytes (a decompression bomb?)',
  'too large: the gzip file is 900000000 bytes; CareLens reads members up to 536870912',
  'The folder /home/ann/Desktop/DICOM could not be read (folder not found).',
  'The folder /media/usb could not be read (folder cannot be read (EACCES)).',
];

describe('import failure reasons', () => {
  it('reads in English exactly as stored', () => {
    for (const reason of STORED) expect(importReasonText(reason)).toBe(reason);
  });

  it('reads in Chinese, numbers and codes kept, and an unknown reason as stored', () => {
    setLocale('zh-CN');
    for (const reason of STORED) expect(importReasonText(reason), reason).not.toBe(reason);
    expect(importReasonText('not DICOM, PNG or JPEG')).toBe('不是 DICOM、PNG 或 JPEG');
    expect(importReasonText('too large: the file is 900 MB; CareLens imports files up to 512 MB')).toBe('文件过大：900 MB；CareLens 导入的文件最大为 512 MB');
    expect(importReasonText('folder cannot be read (EACCES)')).toBe('无法读取文件夹（EACCES）');
    expect(importReasonText('Unsupported transfer syntax 1.2.3')).toBe('Unsupported transfer syntax 1.2.3');
    // The folder's own reason inside the sentence is worded too.
    expect(importReasonText('The folder /media/usb could not be read (folder cannot be read (EACCES)).')).toBe('无法读取文件夹 /media/usb（无法读取文件夹（EACCES））。');
  });
});
