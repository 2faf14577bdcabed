import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../app/testing';
import { CHUNK_BYTES, HEADER_BYTES, TAG_BYTES, StoredFileError, decryptFile, decryptFileChunks, decryptFileSync, keyedName, storeKeysFromDbKey } from './fileCrypto';
import { writeEncrypted, writeEncryptedFromSync, writeEncryptedSync } from './encryptedWrite';

const keys = storeKeysFromDbKey({ hex: '1'.repeat(64) })!;
const other = storeKeysFromDbKey({ hex: '2'.repeat(64) })!;

function pattern(n: number): Buffer {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = (i * 31 + (i >> 9)) & 255;
  return b;
}

const failsWith = (fn: () => unknown, reason: StoredFileError['reason']) => {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(StoredFileError);
    expect((err as StoredFileError).reason).toBe(reason);
    return (err as Error).message;
  }
  throw new Error('did not throw');
};

describe('chunked file encryption (AES-256-GCM)', () => {
  it('round-trips empty, small, exactly-one-chunk and multi-chunk files, sync and async, with the expected size', async () => {
    const dir = path.join(tempDir(), 'store', 'ab');
    for (const n of [0, 1, 1000, CHUNK_BYTES, CHUNK_BYTES + 1, 3 * CHUNK_BYTES + 17]) {
      const plain = pattern(n);
      const a = path.join(dir, `a${n}`);
      const b = path.join(dir, `b${n}`);
      writeEncryptedSync(keys, a, plain);
      await writeEncrypted(keys, b, plain);
      const chunks = Math.max(1, Math.ceil(n / CHUNK_BYTES));
      expect(fs.statSync(a).size).toBe(HEADER_BYTES + n + chunks * TAG_BYTES);
      expect(fs.statSync(a).mode & 0o777).toBe(0o600);
      expect(decryptFileSync(keys, a).equals(plain)).toBe(true);
      expect((await decryptFile(keys, b)).equals(plain)).toBe(true);
      const pieces: Buffer[] = [];
      decryptFileChunks(keys, b, (c) => pieces.push(Buffer.from(c)));
      expect(Buffer.concat(pieces).equals(plain)).toBe(true);
      expect(pieces.length).toBe(chunks);
    }
    // Streaming from pieces of odd sizes through a reused buffer gives the same plaintext.
    const plain = pattern(2 * CHUNK_BYTES + 5000);
    const reused = Buffer.alloc(7777);
    let off = 0;
    const target = path.join(dir, 'streamed');
    writeEncryptedFromSync(keys, target, () => {
      if (off >= plain.length) return null;
      const n = plain.copy(reused, 0, off, Math.min(plain.length, off + reused.length));
      off += n;
      return reused.subarray(0, n);
    });
    expect(decryptFileSync(keys, target).equals(plain)).toBe(true);
    expect(fs.readdirSync(dir).some((f) => f.endsWith('.tmp'))).toBe(false);
  });

  it('refuses a flipped byte, a truncation at a chunk boundary, swapped chunks, a renamed file and another key', () => {
    const dir = path.join(tempDir(), 'store', 'cd');
    const plain = pattern(3 * CHUNK_BYTES + 100);
    const file = path.join(dir, 'one');
    writeEncryptedSync(keys, file, plain);
    const sealed = fs.readFileSync(file);
    const put = (name: string, data: Buffer) => {
      const p = path.join(dir, name);
      fs.writeFileSync(p, data);
      return p;
    };
    for (const at of [0, 10, 20, HEADER_BYTES + 5, sealed.length - 1]) {
      const b = Buffer.from(sealed);
      b[at]! ^= 1;
      const p = put('one', b);
      expect(() => decryptFileSync(keys, p)).toThrow(StoredFileError);
    }
    const full = CHUNK_BYTES + TAG_BYTES;
    // Cut after two whole chunks: the last one left is not marked final.
    failsWith(() => decryptFileSync(keys, put('one', sealed.subarray(0, HEADER_BYTES + 2 * full))), 'tampered');
    // Chunks 0 and 1 swapped.
    const swapped = Buffer.concat([sealed.subarray(0, HEADER_BYTES), sealed.subarray(HEADER_BYTES + full, HEADER_BYTES + 2 * full), sealed.subarray(HEADER_BYTES, HEADER_BYTES + full), sealed.subarray(HEADER_BYTES + 2 * full)]);
    const msg = failsWith(() => decryptFileSync(keys, put('one', swapped)), 'tampered');
    expect(msg).toMatch(/failed its integrity check \(part 1 of 4\)/);
    // The intact file under another name (a swap of two stored files) is refused too.
    failsWith(() => decryptFileSync(keys, put('two', sealed)), 'tampered');
    failsWith(() => decryptFileSync(other, put('one', sealed)), 'other-key');
    failsWith(() => decryptFileSync(null, put('one', sealed)), 'no-key');
    failsWith(() => decryptFileSync(keys, put('one', sealed.subarray(0, 30))), 'not-encrypted');
    expect(decryptFileSync(keys, put('one', sealed)).equals(plain)).toBe(true);
  });

  it('names files by a keyed hash: stable for one key, different for another, never the plain sha256', () => {
    const sha = 'a'.repeat(64);
    expect(keyedName(keys, sha)).toMatch(/^[0-9a-f]{64}$/);
    expect(keyedName(keys, sha)).toBe(keyedName(keys, sha));
    expect(keyedName(keys, sha)).not.toBe(keyedName(other, sha));
    expect(keyedName(keys, sha)).not.toBe(sha);
  });
});
