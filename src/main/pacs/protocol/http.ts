/**
 * The HTTP layer of the DICOMweb client: node:http / node:https with a keep-alive agent
 * (the endpoint's CA for https), the endpoint's auth header, an idle timeout, abort, and
 * errors mapped to PacsError kinds. Responses are returned as streams (never buffered here).
 */
import http from 'node:http';
import https from 'node:https';
import type { Readable } from 'node:stream';
import { PacsError, type DicomWebEndpoint } from './types';

export interface HttpResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Readable;
}

export interface HttpRequest {
  method?: 'GET' | 'POST' | 'OPTIONS';
  /** Path and query after the base URL ('/studies?...'). */
  path: string;
  headers?: Record<string, string>;
  body?: Buffer[];
  signal?: AbortSignal;
}

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'ECONNRESET', 'EPIPE', 'ECONNABORTED']);

/** Maps a low-level error to a PacsError a person can act on. */
export function toPacsError(err: unknown, what: string): PacsError {
  if (err instanceof PacsError) return err;
  const e = err as NodeJS.ErrnoException;
  if (e?.name === 'AbortError' || e?.code === 'ABORT_ERR') return new PacsError(`${what}: cancelled.`, 'aborted');
  if (e?.code === 'ETIMEDOUT') return new PacsError(`${what}: the PACS did not answer in time.`, 'timeout');
  if (e?.code && NETWORK_CODES.has(e.code)) {
    const kind = e.code === 'ECONNRESET' || e.code === 'EPIPE' ? 'the PACS dropped the connection' : 'the PACS is unreachable';
    return new PacsError(`${what}: ${kind} (${e.code}).`, 'unreachable');
  }
  if (e?.code && /^(CERT_|UNABLE_TO_|DEPTH_ZERO|SELF_SIGNED|ERR_TLS)/.test(e.code)) {
    return new PacsError(`${what}: the PACS's TLS certificate was not accepted (${e.code}); check the CA file.`, 'refused');
  }
  return new PacsError(`${what}: ${e?.message ?? String(err)}`, 'unreachable');
}

export class HttpTransport {
  private readonly base: URL;
  private readonly agent: http.Agent;
  private readonly authHeader: string | undefined;
  readonly timeoutMs: number;

  constructor(readonly ep: DicomWebEndpoint, maxSockets = 16) {
    this.base = new URL(ep.baseUrl.replace(/\/+$/, ''));
    if (this.base.protocol !== 'http:' && this.base.protocol !== 'https:') throw new PacsError(`The DICOMweb URL must be http or https: ${ep.baseUrl}`, 'refused');
    this.timeoutMs = ep.timeoutMs ?? 30_000;
    this.agent =
      this.base.protocol === 'https:'
        ? new https.Agent({ keepAlive: true, maxSockets, ...(ep.caPem ? { ca: ep.caPem } : {}) })
        : new http.Agent({ keepAlive: true, maxSockets });
    if (ep.auth?.kind === 'basic') this.authHeader = `Basic ${Buffer.from(`${ep.auth.user}:${ep.auth.password}`, 'utf8').toString('base64')}`;
    else if (ep.auth?.kind === 'bearer') this.authHeader = `Bearer ${ep.auth.token}`;
  }

  /** Sends a request; resolves with the status, headers and body stream (the caller reads or destroys it). */
  request(req: HttpRequest): Promise<HttpResponse> {
    const what = `${req.method ?? 'GET'} ${this.base.pathname.replace(/\/$/, '')}${req.path.split('?')[0]}`;
    if (req.signal?.aborted) return Promise.reject(new PacsError(`${what}: cancelled.`, 'aborted'));
    const url = new URL(this.base.toString().replace(/\/$/, '') + req.path);
    const lib = url.protocol === 'https:' ? https : http;
    const headers: Record<string, string> = { ...req.headers };
    if (this.authHeader) headers.authorization = this.authHeader;
    if (req.body) headers['content-length'] = String(req.body.reduce((n, b) => n + b.length, 0));
    return new Promise<HttpResponse>((resolve, reject) => {
      let response: http.IncomingMessage | undefined;
      const r = lib.request(url, { method: req.method ?? 'GET', headers, agent: this.agent }, (res) => {
        response = res;
        // The idle timeout keeps running while the body streams; errors reach the reader through its iteration.
        res.on('error', () => undefined);
        res.on('close', detach);
        res.on('end', detach);
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: res });
      });
      // Abort by hand (not http's own `signal` option, whose listener outlives the request and throws later).
      const onAbort = (): void => {
        const err = Object.assign(new Error('aborted'), { name: 'AbortError', code: 'ABORT_ERR' });
        if (!response) r.destroy(err);
        else if (!response.complete) response.destroy(err);
        detach();
      };
      function detach(): void {
        req.signal?.removeEventListener('abort', onAbort);
      }
      req.signal?.addEventListener('abort', onAbort, { once: true });
      r.on('close', () => {
        if (!response) detach();
      });
      r.setTimeout(this.timeoutMs, () => r.destroy(Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' })));
      r.on('error', (err) => {
        detach();
        reject(toPacsError(err, what));
      });
      if (req.body) {
        for (const b of req.body) r.write(b);
      }
      r.end();
    });
  }

  /** Reads a whole (small) body, e.g. JSON; refuses more than maxBytes. */
  static async readAll(body: Readable, maxBytes = 64 * 2 ** 20): Promise<Buffer> {
    const parts: Buffer[] = [];
    let n = 0;
    for await (const chunk of body as AsyncIterable<Buffer>) {
      n += chunk.length;
      if (n > maxBytes) {
        body.destroy();
        throw new PacsError(`The PACS answer is larger than ${maxBytes} bytes.`, 'malformed');
      }
      parts.push(chunk);
    }
    return Buffer.concat(parts, n);
  }

  close(): void {
    this.agent.destroy();
  }
}
