import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createApp } from '../app/createApp';
import { silentLogger } from '../core/logger';
import { SHARED_DATA, createTestApp, tempDir } from '../app/testing';
import { createHash } from 'node:crypto';
import { storeKeysFromRoot } from '../core/fileCrypto';
import { writeEncryptedSync } from '../core/encryptedWrite';
import { readStoreFileAt, readStored, writeStored } from '../imaging/store';
import { isSealed, openStoreBytes, sealStoreBytes, storeKeyFor } from './storeCrypto';

describe('store encryption: the file format through its live writer and reader, and the one-shot format for secrets', () => {
  it('writes a real DICOM file so its patient name is not in the stored bytes, and reads it back exactly', async () => {
    const dicom = fs.readFileSync(path.join(SHARED_DATA, 'dicom/cornerstonejs_cornerstone3D/CT1_J2KR'));
    expect(dicom.includes(Buffer.from('CompressedSamples^CT1'))).toBe(true);
    const app = createApp({ dataDir: tempDir(), runtime: 'test', logger: silentLogger, databaseKey: { hex: '4'.repeat(64), source: 'env', where: 'test' } });
    try {
      const key = storeKeyFor(app.core.db)!;
      expect(key).toHaveLength(32);
      const file = path.join(app.core.paths.store, 'ab', 'abc');
      const keys = storeKeysFromRoot(key);
      writeEncryptedSync(keys, file, dicom);
      const stored = fs.readFileSync(file);
      expect(stored.subarray(0, 8).toString('latin1')).toBe('CLSTORE2');
      expect(stored.includes(Buffer.from('CompressedSamples'))).toBe(false);
      expect(fs.statSync(file).mode & 0o777).toBe(0o600);
      expect(readStoreFileAt(keys, file).equals(dicom)).toBe(true);
      // One flipped byte, or another key, is refused with words a person can act on.
      const flipped = Buffer.from(stored);
      flipped[200] = flipped[200]! ^ 1;
      fs.writeFileSync(file, flipped);
      expect(() => readStoreFileAt(keys, file)).toThrow(/failed its integrity check/);
      fs.writeFileSync(file, stored);
      expect(() => readStoreFileAt(storeKeysFromRoot(Buffer.alloc(32, 1)), file)).toThrow(/another key/);
      expect(() => readStoreFileAt(null, file)).toThrow(/no key/);
      // A plain file is not taken for a stored one when the store is encrypted.
      fs.writeFileSync(file, dicom);
      expect(() => readStoreFileAt(keys, file)).toThrow(/not encrypted/);
      // The one-shot format for small secrets (PACS passwords) still round-trips.
      const sealed = sealStoreBytes(key, Buffer.from('secret'));
      expect(isSealed(sealed)).toBe(true);
      expect(openStoreBytes(key, sealed).toString()).toBe('secret');
    } finally {
      await app.close();
    }
  });

  it('an in-memory (test) database has no store key: files stay plain', async () => {
    const app = createTestApp();
    try {
      expect(storeKeyFor(app.core.db)).toBeNull();
      const sha = createHash('sha256').update('x').digest('hex');
      await writeStored(app.core.paths.store, sha, null, Buffer.from('x'));
      expect(readStored(app.core.paths.store, sha, null)?.toString()).toBe('x');
    } finally {
      await app.close();
    }
  });
});
