import http from 'node:http';
import { decodeEnvelope, ENVELOPE_TYPE } from './binaryEnvelope';
import { SESSION_COOKIE, type WebHost } from './webHost';

/** Test support for the web host: raw HTTP on 127.0.0.1, and a "browser" that keeps its session cookie. */

export interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
  /** The body as bytes (a binary envelope's). */
  bytes: Buffer;
}

/** A raw request, so headers (Host, Origin, Cookie) are exactly what the test says. */
export function request(port: number, options: { method?: string; path: string; headers?: Record<string, string>; body?: string }): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method: options.method ?? 'GET', path: options.path, headers: { host: `127.0.0.1:${port}`, ...options.headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (d: Buffer) => chunks.push(d));
      res.on('end', () => {
        const bytes = Buffer.concat(chunks);
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: bytes.toString(), bytes });
      });
    });
    req.on('error', reject);
    if (options.body !== undefined) req.write(options.body);
    req.end();
  });
}

/** The session cookie (`name=value`) a response sets, or null. */
export function sessionCookieOf(res: RawResponse): string | null {
  const all = ([] as string[]).concat(res.headers['set-cookie'] ?? []);
  const found = all.find((c) => c.startsWith(`${SESSION_COOKIE}=`));
  return found ? found.split(';')[0]! : null;
}

export interface Envelope {
  ok: boolean;
  value?: unknown;
  error?: { code: string; message: string; issues?: { path: string; message: string }[] };
}

/** One browser: opens a sign-in link, then calls with its cookie and follows renewed cookies like a browser. */
export class TestBrowser {
  constructor(
    readonly host: WebHost,
    public cookie: string,
  ) {}

  static async open(host: WebHost): Promise<TestBrowser> {
    const link = new URL(host.mintLoginUrl());
    const res = await request(host.port, { path: link.pathname + link.search });
    const cookie = sessionCookieOf(res);
    if (res.status !== 303 || !cookie) throw new Error(`sign-in failed: ${res.status} ${res.body}`);
    return new TestBrowser(host, cookie);
  }

  async raw(channel: string, input: unknown): Promise<RawResponse> {
    const res = await request(this.host.port, { method: 'POST', path: `/api/${channel}`, headers: { cookie: this.cookie, 'content-type': 'application/json' }, body: JSON.stringify(input) });
    const renewed = sessionCookieOf(res);
    if (renewed) this.cookie = renewed;
    return res;
  }

  async call(channel: string, input: unknown = {}): Promise<Envelope> {
    const res = await this.raw(channel, input);
    if (String(res.headers['content-type']).startsWith(ENVELOPE_TYPE)) {
      const b = res.bytes;
      return decodeEnvelope(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer) as Envelope;
    }
    return JSON.parse(res.body) as Envelope;
  }

  /** Opens the event stream; collects its text until closed. */
  listen(): { connected: Promise<void>; text: () => string; close: () => void } {
    let text = '';
    let ready!: () => void;
    const connected = new Promise<void>((r) => (ready = r));
    const req = http.request({ host: '127.0.0.1', port: this.host.port, path: '/events', headers: { host: `127.0.0.1:${this.host.port}`, cookie: this.cookie } }, (res) => {
      res.on('data', (d: Buffer) => {
        text += d.toString();
        if (text.includes(': connected')) ready();
      });
    });
    req.on('error', () => {});
    req.end();
    return { connected, text: () => text, close: () => req.destroy() };
  }
}
