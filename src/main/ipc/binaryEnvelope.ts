/**
 * The web host's binary envelope: an API answer that holds bytes (a viewer frame's pixels) goes
 * out as one binary body instead of JSON with base64, which cost ~3x the bytes and a decode on
 * each side. The Electron transport needs none of this (structured clone carries Uint8Array).
 *
 * Layout, little-endian:
 *   u32 magic 'CLB1' | u32 JSON byte length J | u32 blob count K | K x (u32 offset, u32 length)
 *   | J bytes of UTF-8 JSON | each blob at its offset, 8-byte aligned (so typed-array views fit)
 * In the JSON each Uint8Array (a Buffer too) is replaced by {"$bytes": k}, k its blob index.
 * The page's decoder is BINARY_ENVELOPE_DECODER (the same steps as decodeEnvelope, in plain JS,
 * inlined into /carelens-api.js); tests check the two agree.
 */
export const ENVELOPE_TYPE = 'application/vnd.carelens.envelope';
const MAGIC = 0x31424c43; // 'CLB1'

/** JSON for answers without bytes; the binary envelope (as a Buffer) for answers with any. */
export function encodeAnswer(body: unknown): { type: 'json'; text: string } | { type: 'binary'; bytes: Buffer } {
  const blobs: Uint8Array[] = [];
  // Bytes are taken out before JSON.stringify: a Buffer's toJSON would first turn each byte into
  // an array element (millions of them for a 2k frame), only for a replacer to throw them away.
  const text = JSON.stringify(withoutBytes(body, blobs));
  if (!blobs.length) return { type: 'json', text };
  const json = Buffer.from(text, 'utf8');
  const head = 12 + 8 * blobs.length;
  const align = (n: number) => (n + 7) & ~7;
  let at = align(head + json.length);
  const offsets: number[] = [];
  for (const b of blobs) {
    offsets.push(at);
    at = align(at + b.byteLength);
  }
  const out = Buffer.alloc(at);
  out.writeUInt32LE(MAGIC, 0);
  out.writeUInt32LE(json.length, 4);
  out.writeUInt32LE(blobs.length, 8);
  blobs.forEach((b, k) => {
    out.writeUInt32LE(offsets[k]!, 12 + 8 * k);
    out.writeUInt32LE(b.byteLength, 16 + 8 * k);
    out.set(b, offsets[k]!);
  });
  json.copy(out, head);
  return { type: 'binary', bytes: out };
}

/** A copy of `value` with each Uint8Array replaced by {$bytes: k} (k its index in `blobs`); the same value when it holds none. */
function withoutBytes(value: unknown, blobs: Uint8Array[]): unknown {
  if (value instanceof Uint8Array) {
    blobs.push(value);
    return { $bytes: blobs.length - 1 };
  }
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) {
    const before = blobs.length;
    const out = value.map((v) => withoutBytes(v, blobs));
    return blobs.length === before ? value : out;
  }
  if (typeof (value as { toJSON?: unknown }).toJSON === 'function') return value;
  const before = blobs.length;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = withoutBytes(v, blobs);
  return blobs.length === before ? value : out;
}

let nodeDecoder: ((b: ArrayBuffer) => unknown) | null = null;

/** Decodes an envelope (Node: the test client) with the very source the page runs (BINARY_ENVELOPE_DECODER), compiled once. */
export function decodeEnvelope(buffer: ArrayBuffer): unknown {
  nodeDecoder ??= new Function(`return ${BINARY_ENVELOPE_DECODER}`)() as (b: ArrayBuffer) => unknown;
  return nodeDecoder(buffer);
}

/** The page's decoder, as plain ES2020 source (a function expression of one ArrayBuffer). */
export const BINARY_ENVELOPE_DECODER = `(buffer) => {
    const view = new DataView(buffer);
    if (buffer.byteLength < 12 || view.getUint32(0, true) !== ${MAGIC}) throw new Error('not a CareLens envelope');
    const jsonLength = view.getUint32(4, true);
    const count = view.getUint32(8, true);
    const head = 12 + 8 * count;
    if (head + jsonLength > buffer.byteLength) throw new Error('a truncated CareLens envelope');
    const blobs = [];
    for (let k = 0; k < count; k++) {
      const offset = view.getUint32(12 + 8 * k, true);
      const length = view.getUint32(16 + 8 * k, true);
      if (offset + length > buffer.byteLength) throw new Error('a truncated CareLens envelope');
      blobs.push(new Uint8Array(buffer, offset, length));
    }
    const text = new TextDecoder().decode(new Uint8Array(buffer, head, jsonLength));
    return JSON.parse(text, (key, value) => {
      if (value && typeof value === 'object' && typeof value.$bytes === 'number' && Object.keys(value).length === 1) {
        const blob = blobs[value.$bytes];
        if (!blob) throw new Error('a CareLens envelope without blob ' + value.$bytes);
        return blob;
      }
      return value;
    });
  }`;
