import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createApp } from '../app/createApp';
import { silentLogger } from '../core/logger';
import { SHARED_DATA, createTestApp, tempDir } from '../app/testing';
import { isSealed, openStoreBytes, readStoreFile, sealStoreBytes, storeKeyFor, writeStoreFile } from './storeCrypto';

describe('image store encryption helpers', () => {
  it('writes a real DICOM file so its patient name is not in the stored bytes, and reads it back exactly', async () => {
    const dicom = fs.readFileSync(path.join(SHARED_DATA, 'dicom/cornerstonejs_cornerstone3D/CT1_J2KR'));
    expect(dicom.includes(Buffer.from('CompressedSamples^CT1'))).toBe(true);
    const app = createApp({ dataDir: tempDir(), runtime: 'test', logger: silentLogger, databaseKey: { hex: '4'.repeat(64), source: 'env', where: 'test' } });
    try {
      const key = storeKeyFor(app.core.db)!;
      expect(key).toHaveLength(32);
      const file = path.join(app.core.paths.store, 'ab', 'abc');
      writeStoreFile(key, file, dicom);
      const stored = fs.readFileSync(file);
      expect(stored.subarray(0, 8).toString('latin1')).toBe('CLSTORE2');
      expect(stored.includes(Buffer.from('CompressedSamples'))).toBe(false);
      expect(fs.statSync(file).mode & 0o777).toBe(0o600);
      expect(readStoreFile(key, file).equals(dicom)).toBe(true);
      // One flipped byte, or another key, is refused with words a person can act on.
      const flipped = Buffer.from(stored);
      flipped[200] = flipped[200]! ^ 1;
      fs.writeFileSync(file, flipped);
      expect(() => readStoreFile(key, file)).toThrow(/failed its integrity check/);
      fs.writeFileSync(file, stored);
      expect(() => readStoreFile(Buffer.alloc(32, 1), file)).toThrow(/another key/);
      expect(() => readStoreFile(null, file)).toThrow(/no key/);
      // A plain file is not taken for a stored one when the store is encrypted.
      fs.writeFileSync(file, dicom);
      expect(() => readStoreFile(key, file)).toThrow(/not encrypted/);
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
      const file = path.join(app.dataDir, 'store', 'ab', 'plain');
      writeStoreFile(null, file, Buffer.from('x'));
      expect(readStoreFile(null, file).toString()).toBe('x');
    } finally {
      await app.close();
    }
  });
});
