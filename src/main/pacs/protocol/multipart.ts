/**
 * A streaming multipart/related parser (RFC 2046) for WADO-RS responses. It keeps at most
 * one part in memory: each part's body is gathered as slices of the incoming chunks and
 * joined once when its closing delimiter arrives. A body that ends before the closing
 * delimiter, or a part without a delimiter, is an error of kind 'malformed'.
 */
import { PacsError } from './types';
import { MAX_FILE_BYTES } from '../../imaging/limits';

export interface MultipartPart {
  headers: Record<string, string>;
  body: Buffer;
}

/** The boundary parameter of a multipart Content-Type, or null. */
export function multipartBoundary(contentType: string | null | undefined): string | null {
  if (!contentType || !/^\s*multipart\//i.test(contentType)) return null;
  const m = /;\s*boundary\s*=\s*("([^"]+)"|[^;\s]+)/i.exec(contentType);
  if (!m) return null;
  return m[2] ?? m[1] ?? null;
}

type State = 'preamble' | 'afterDelimiter' | 'headers' | 'body' | 'done';

const CRLF = Buffer.from('\r\n');
const MAX_HEADER_BYTES = 16 * 1024;

export class MultipartParser {
  private readonly delimiter: Buffer;
  private state: State = 'preamble';
  /** Unclassified bytes carried between chunks (shorter than the delimiter, or header bytes). */
  private pending: Buffer;
  private bodyParts: Buffer[] = [];
  private bodyBytes = 0;
  private headers: Record<string, string> = {};
  private partsSeen = 0;

  constructor(boundary: string) {
    if (!boundary || boundary.length > 200) throw new PacsError('The multipart response has no usable boundary.', 'malformed');
    this.delimiter = Buffer.from(`\r\n--${boundary}`, 'latin1');
    // The first delimiter may open the body without a preceding CRLF: pretend one came.
    this.pending = CRLF;
  }

  get partCount(): number {
    return this.partsSeen;
  }

  /** Feeds one chunk; returns the parts it completed (in order). */
  push(chunk: Buffer): MultipartPart[] {
    const out: MultipartPart[] = [];
    let data: Buffer = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    // Only the body state avoids joining (bodies are big); the pending carry is small there.
    if (this.state === 'body' && this.pending.length && chunk.length >= this.delimiter.length) {
      data = chunk;
      const carried = this.pending;
      this.pending = Buffer.alloc(0);
      // Does a delimiter start inside the carried tail?
      const probe = Buffer.concat([carried, chunk.subarray(0, this.delimiter.length - 1)]);
      const at = probe.indexOf(this.delimiter);
      if (at >= 0 && at < carried.length) {
        this.appendBody(carried.subarray(0, at));
        out.push(this.finishPart());
        const consumed = at + this.delimiter.length - carried.length; // bytes of chunk used by the delimiter
        this.state = 'afterDelimiter';
        data = chunk.subarray(consumed);
      } else {
        this.appendBody(carried);
      }
    } else {
      this.pending = Buffer.alloc(0);
    }
    this.consume(data, out);
    return out;
  }

  /** Call at the end of the stream: throws if the body was cut short. */
  end(): void {
    if (this.state === 'done') return;
    if (this.state === 'preamble' && this.partsSeen === 0) throw new PacsError('The multipart response holds no part (no boundary found).', 'malformed');
    throw new PacsError(
      `The multipart response ended before its closing boundary (after ${this.partsSeen} complete part(s)): the transfer was cut short.`,
      'malformed',
    );
  }

  private consume(input: Buffer, out: MultipartPart[]): void {
    let data = input;
    while (data.length > 0) {
      switch (this.state) {
        case 'preamble': {
          const at = data.indexOf(this.delimiter);
          if (at < 0) {
            this.pending = Buffer.from(data.subarray(Math.max(0, data.length - this.delimiter.length + 1)));
            if (this.pendingTooLong()) throw new PacsError('The multipart response does not start with its boundary.', 'malformed');
            return;
          }
          data = data.subarray(at + this.delimiter.length);
          this.state = 'afterDelimiter';
          break;
        }
        case 'afterDelimiter': {
          if (data.length < 2) {
            this.pending = Buffer.from(data);
            return;
          }
          if (data[0] === 0x2d && data[1] === 0x2d) {
            this.state = 'done';
            return; // epilogue ignored
          }
          // transport padding then CRLF
          const eol = data.indexOf(CRLF);
          if (eol < 0) {
            this.pending = Buffer.from(data);
            if (this.pending.length > 256) throw new PacsError('A multipart boundary line is malformed.', 'malformed');
            return;
          }
          if (data.subarray(0, eol).toString('latin1').trim() !== '') throw new PacsError('A multipart boundary line is malformed.', 'malformed');
          data = data.subarray(eol + 2);
          this.state = 'headers';
          this.headers = {};
          break;
        }
        case 'headers': {
          // An empty header block is a bare CRLF.
          if (data.length >= 2 && data[0] === 0x0d && data[1] === 0x0a) {
            data = data.subarray(2);
            this.state = 'body';
            break;
          }
          const end = data.indexOf('\r\n\r\n', 0, 'latin1');
          if (end < 0) {
            this.pending = Buffer.from(data);
            if (this.pending.length > MAX_HEADER_BYTES) throw new PacsError('A multipart part has oversized or unterminated headers.', 'malformed');
            return;
          }
          for (const line of data.subarray(0, end).toString('latin1').split('\r\n')) {
            const colon = line.indexOf(':');
            if (colon <= 0) throw new PacsError(`A multipart part has a malformed header line: ${JSON.stringify(line.slice(0, 80))}`, 'malformed');
            this.headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
          }
          data = data.subarray(end + 4);
          this.state = 'body';
          break;
        }
        case 'body': {
          const at = data.indexOf(this.delimiter);
          if (at < 0) {
            const keep = Math.min(data.length, this.delimiter.length - 1);
            this.appendBody(data.subarray(0, data.length - keep));
            this.pending = Buffer.from(data.subarray(data.length - keep));
            return;
          }
          this.appendBody(data.subarray(0, at));
          out.push(this.finishPart());
          data = data.subarray(at + this.delimiter.length);
          this.state = 'afterDelimiter';
          break;
        }
        case 'done':
          return;
      }
    }
  }

  private pendingTooLong(): boolean {
    return this.pending.length > this.delimiter.length;
  }

  private appendBody(b: Buffer): void {
    if (b.length === 0) return;
    this.bodyParts.push(b);
    this.bodyBytes += b.length;
    // One part is one instance: no larger than an import accepts (imaging/limits.ts), so a PACS
    // that streams without end cannot fill the memory.
    if (this.bodyBytes > MAX_FILE_BYTES) {
      throw new PacsError(`A multipart part is larger than ${Math.round(MAX_FILE_BYTES / 1048576)} MB, more than CareLens imports.`, 'malformed');
    }
  }

  private finishPart(): MultipartPart {
    const body = this.bodyParts.length === 1 ? (this.bodyParts[0] as Buffer) : Buffer.concat(this.bodyParts, this.bodyBytes);
    const part = { headers: this.headers, body };
    this.bodyParts = [];
    this.bodyBytes = 0;
    this.headers = {};
    this.partsSeen++;
    return part;
  }
}

/** Parses a multipart stream part by part; the consumer's awaits pause the reading. */
export async function* parseMultipart(stream: AsyncIterable<Buffer>, boundary: string): AsyncGenerator<MultipartPart> {
  const parser = new MultipartParser(boundary);
  for await (const chunk of stream) {
    for (const part of parser.push(chunk)) yield part;
  }
  parser.end();
}
