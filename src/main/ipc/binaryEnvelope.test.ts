import { describe, expect, it } from 'vitest';
import { decodeEnvelope, encodeAnswer } from './binaryEnvelope';

function arrayBufferOf(b: Buffer): ArrayBuffer {
  return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
}

describe('the web host binary envelope', () => {
  it('keeps answers without bytes as plain JSON', () => {
    const a = encodeAnswer({ ok: true, value: { n: 1, s: 'x' } });
    expect(a).toEqual({ type: 'json', text: '{"ok":true,"value":{"n":1,"s":"x"}}' });
  });

  it('round-trips bytes (Buffers and Uint8Arrays, odd lengths) and the JSON around them, each blob aligned for typed arrays', () => {
    const pixels = Buffer.from(new Int16Array([-1000, 0, 3071, -32768, 32767]).buffer);
    const rgb = new Uint8Array([1, 2, 3, 4, 5, 6, 7]);
    const body = { ok: true, value: { width: 5, data: pixels, nested: [{ rgb }, { $bytes: 'a string, not a blob' }], text: 'é 中文' } };
    const a = encodeAnswer(body);
    if (a.type !== 'binary') throw new Error('expected a binary envelope');
    const back = decodeEnvelope(arrayBufferOf(a.bytes)) as typeof body & { value: { data: Uint8Array; nested: [{ rgb: Uint8Array }, { $bytes: string }] } };
    expect(back.value.width).toBe(5);
    expect(back.value.text).toBe('é 中文');
    expect(back.value.nested[1]).toEqual({ $bytes: 'a string, not a blob' });
    expect(back.value.data).toBeInstanceOf(Uint8Array);
    expect(Array.from(new Int16Array(back.value.data.buffer, back.value.data.byteOffset, 5))).toEqual([-1000, 0, 3071, -32768, 32767]);
    expect(back.value.data.byteOffset % 8).toBe(0);
    expect(Array.from(back.value.nested[0].rgb)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(back.value.nested[0].rgb.byteOffset % 8).toBe(0);
  });

  it('refuses a body that is not an envelope or is cut short', () => {
    expect(() => decodeEnvelope(new ArrayBuffer(4))).toThrow(/not a CareLens envelope/);
    const a = encodeAnswer({ data: Buffer.alloc(100, 7) });
    if (a.type !== 'binary') throw new Error('expected a binary envelope');
    expect(() => decodeEnvelope(arrayBufferOf(a.bytes.subarray(0, a.bytes.length - 50)))).toThrow(/truncated/);
  });
});
