import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createApp } from '../app/createApp';
import { silentLogger } from '../core/logger';
import { SHARED_DATA, createTestApp, tempDir } from '../app/testing';
import { isSealed, openStoreBytes, readStoreFile, storeKeyFor, writeStoreFile } from './storeCrypto';

describe('image store encryption helpers', () => {
  it('seals a real DICOM file so its patient name is not in the stored bytes, and reads it back exactly', async () => {
    const dicom = fs.readFileSync(path.join(SHARED_DATA, 'dicom/cornerstonejs_cornerstone3D/CT1_J2KR'));
    expect(dicom.includes(Buffer.from('CompressedSamples^CT1'))).toBe(true);
    const app = createApp({ dataDir: tempDir(), runtime: 'test', logger: silentLogger, databaseKey: { hex: '4'.repeat(64), source: 'env', where: 'test' } });
    try {
      const key = storeKeyFor(app.core.db)!;
      expect(key).toHaveLength(32);
      const file = path.join(app.core.paths.store, 'ab', 'abc');
      writeStoreFile(key, file, dicom);
      const stored = fs.readFileSync(file);
      expect(isSealed(stored)).toBe(true);
      expect(stored.includes(Buffer.from('CompressedSamples'))).toBe(false);
      expect(fs.statSync(file).mode & 0o777).toBe(0o600);
      expect(readStoreFile(key, file).equals(dicom)).toBe(true);
      // One flipped byte, or another key, is refused rather than read as garbage.
      const flipped = Buffer.from(stored);
      flipped[200] = flipped[200]! ^ 1;
      expect(() => openStoreBytes(key, flipped)).toThrow(/integrity/);
      expect(() => openStoreBytes(Buffer.alloc(32, 1), stored)).toThrow(/integrity/);
      expect(() => openStoreBytes(null, stored)).toThrow(/no key/);
      // Files stored before encryption still read.
      expect(openStoreBytes(key, dicom).equals(dicom)).toBe(true);
    } finally {
      await app.close();
    }
  });

  it('an in-memory (test) database has no store key: files stay plain', async () => {
    const app = createTestApp();
    try {
      expect(storeKeyFor(app.core.db)).toBeNull();
    } finally {
      await app.close();
    }
  });
});
