import { randomBytes, timingSafeEqual } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { mayDeliver, type EventAudience, type EventBus } from '../core/EventBus';
import type { Logger } from '../core/logger';
import type { Dispatch } from './dispatch';
import type { RenewableContext } from './sessionContext';
import { ENVELOPE_TYPE, encodeAnswer } from './binaryEnvelope';
import { webApiScript } from './webApiScript';

export interface WebHostOptions {
  dispatch: Dispatch;
  events: EventBus;
  logger: Logger;
  /** The built renderer (out/renderer); without it the host serves only the API. */
  rendererDir: string | null;
  /** 0 (the default) picks a free port. */
  port?: number;
  /** For tests; a random 32-byte token otherwise. It mints sign-in links (`POST /login-url`), nothing else. */
  token?: string;
  /** How long a sign-in link stays valid if nobody opens it (2 minutes by default). */
  loginTtlMs?: number;
  /** Largest request body accepted, in bytes. */
  maxBodyBytes?: number;
  /** Which sessions receive push events (patient data flows in them); every session when absent (tests). */
  audience?: EventAudience;
}

export interface WebHost {
  url: string;
  /** A sign-in link to open in a browser: one use, valid for `loginTtlMs`. */
  loginUrl: string;
  /** Mints another one-time sign-in link (a second browser, tests). In-process only; over HTTP it needs the token. */
  mintLoginUrl(): string;
  port: number;
  /** The host's secret: `Authorization: Bearer <token>` on `POST /login-url` mints a sign-in link. */
  token: string;
  close(): Promise<void>;
}

/**
 * The session cookie. `__Host-` makes the browser refuse it unless it is Secure, has Path=/ and no
 * Domain, so no other site can scope one to a path (`Path=/api`) that would shadow ours. Cookies
 * do not separate ports, so a page on another port of 127.0.0.1 can still set one of this name:
 * what defeats a planted handle is that the trust feature renews it at login (session fixation).
 * Chromium treats http://127.0.0.1 as a secure context and keeps Secure cookies there (checked
 * with Debian's Chromium 156 through Playwright: tests/e2e/csp.spec.ts signs in through it).
 */
export const SESSION_COOKIE = '__Host-carelens_session';
const DEFAULT_LOGIN_TTL_MS = 2 * 60_000;
/** Also the Electron window's (platform/window.ts) and index.html's meta tag: no inline styles or scripts. */
export const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'none'";

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
  '.woff2': 'font/woff2',
};

function safeEqual(a: string, b: string): boolean {
  const ab = Buffer.from(a);
  const bb = Buffer.from(b);
  return ab.length === bb.length && timingSafeEqual(ab, bb);
}

/** Every value the Cookie header carries under this name (a browser may send two of one name). */
function cookieValues(header: string | undefined, name: string): string[] {
  if (!header) return [];
  const values: string[] = [];
  for (const part of header.split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === name) values.push(v.join('='));
  }
  return values;
}

/**
 * The loopback web host: serves the built renderer and the same dispatch table as the
 * Electron transport, so the real UI runs in a real browser where Electron cannot.
 * It binds to 127.0.0.1 only and refuses any Host header other than its own. A one-time
 * sign-in link (`/?token=`, valid briefly) is traded for a session cookie; every page, call
 * and event stream needs that cookie. The trust feature renews the cookie at set-up, login,
 * unlock, logout and a password change (`ctx.renewSession`).
 */
export async function startWebHost(options: WebHostOptions): Promise<WebHost> {
  const token = options.token ?? randomBytes(32).toString('base64url');
  const maxBody = options.maxBodyBytes ?? 16 * 1024 * 1024;
  const loginTtl = options.loginTtlMs ?? DEFAULT_LOGIN_TTL_MS;
  const sessions = new Set<string>();
  /** Unused sign-in tokens and when each expires. */
  const loginTokens = new Map<string, number>();
  // Each event stream with the session it belongs to.
  const streams = new Map<http.ServerResponse, string>();
  const apiScript = webApiScript();
  let port = 0;

  const newSession = () => {
    const id = randomBytes(24).toString('base64url');
    sessions.add(id);
    return id;
  };
  const cookieFor = (session: string) => `${SESSION_COOKIE}=${session}; Secure; HttpOnly; SameSite=Strict; Path=/`;
  const dropSession = (session: string) => {
    sessions.delete(session);
    // Streams opened on the old handle end (the page reconnects with its new cookie).
    for (const [stream, s] of streams) {
      if (s === session) {
        streams.delete(stream);
        stream.end();
      }
    }
  };
  const mintLoginToken = () => {
    const now = Date.now();
    for (const [t, until] of loginTokens) if (until <= now) loginTokens.delete(t);
    const t = randomBytes(32).toString('base64url');
    loginTokens.set(t, now + loginTtl);
    return t;
  };
  /** Uses up a sign-in token: true once, for a token minted here and not expired. */
  const redeem = (candidate: string): boolean => {
    let found: string | null = null;
    for (const t of loginTokens.keys()) if (safeEqual(candidate, t)) found = t;
    if (found === null) return false;
    const until = loginTokens.get(found)!;
    loginTokens.delete(found);
    return Date.now() < until;
  };

  const send = (res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    // An answer holding bytes (a viewer frame) goes out as the binary envelope (binaryEnvelope.ts).
    const answer = encodeAnswer(body);
    const type = answer.type === 'json' ? 'application/json; charset=utf-8' : ENVELOPE_TYPE;
    res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store', ...headers });
    res.end(answer.type === 'json' ? answer.text : answer.bytes);
  };
  const refuse = (res: http.ServerResponse, status: number, code: string, message: string, headers: Record<string, string> = {}) =>
    send(res, status, { ok: false, error: { code, message } }, headers);

  const sessionOf = (req: http.IncomingMessage): string | null => {
    return cookieValues(req.headers.cookie, SESSION_COOKIE).find((s) => sessions.has(s)) ?? null;
  };
  const bearer = (req: http.IncomingMessage): boolean => {
    const auth = req.headers.authorization;
    return typeof auth === 'string' && auth.startsWith('Bearer ') && safeEqual(auth.slice(7), token);
  };

  const serveStatic = (req: http.IncomingMessage, res: http.ServerResponse, pathname: string) => {
    if (pathname === '/carelens-api.js') {
      res.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8', 'cache-control': 'no-store' });
      res.end(apiScript);
      return;
    }
    if (!options.rendererDir) return refuse(res, 404, 'NOT_FOUND', 'This host was started without a renderer build.');
    const root = path.resolve(options.rendererDir);
    const rel = pathname === '/' ? '/index.html' : pathname;
    const file = path.resolve(root, '.' + decodeURIComponent(rel));
    if (!file.startsWith(root + path.sep)) return refuse(res, 404, 'NOT_FOUND', 'Not found.');
    fs.readFile(file, (err, data) => {
      if (err) return refuse(res, 404, 'NOT_FOUND', 'Not found.');
      let body: Buffer | string = data;
      if (path.basename(file) === 'index.html') {
        // The api script must run before the app's own module script.
        body = data.toString('utf8').replace('<head>', '<head>\n    <script src="/carelens-api.js"></script>');
      }
      res.writeHead(200, {
        'content-type': MIME[path.extname(file)] ?? 'application/octet-stream',
        'cache-control': 'no-store',
        'content-security-policy': CSP,
        'x-content-type-options': 'nosniff',
        'referrer-policy': 'no-referrer',
        'cross-origin-opener-policy': 'same-origin',
      });
      res.end(body);
      void req;
    });
  };

  const handleApi = (req: http.IncomingMessage, res: http.ServerResponse, channel: string, session: string) => {
    if (req.method !== 'POST') return refuse(res, 405, 'VALIDATION', 'API calls are POST requests.');
    const origin = req.headers.origin;
    if (origin && origin !== `http://127.0.0.1:${port}` && origin !== `http://localhost:${port}`) {
      return refuse(res, 403, 'FORBIDDEN', 'Cross-origin calls are refused.');
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (tooLarge) {
        // Answered already; drain a little so the caller reads the answer, then hang up.
        if (size > 4 * maxBody) req.destroy();
        return;
      }
      if (size > maxBody) {
        tooLarge = true;
        chunks.length = 0;
        refuse(res, 413, 'VALIDATION', `Request body is larger than ${maxBody} bytes.`, { connection: 'close' });
        return;
      }
      chunks.push(chunk);
    });
    req.on('error', () => {
      if (tooLarge && !res.headersSent) refuse(res, 413, 'VALIDATION', `Request body is larger than ${maxBody} bytes.`);
    });
    req.on('end', () => {
      if (tooLarge) return;
      let input: unknown;
      try {
        const text = Buffer.concat(chunks).toString('utf8');
        input = text.length === 0 ? {} : JSON.parse(text);
      } catch {
        return refuse(res, 400, 'VALIDATION', 'The request body is not valid JSON.');
      }
      let renewed: string | null = null;
      const ctx: RenewableContext = {
        transport: 'web',
        actor: null,
        sessionId: session,
        renewSession: () => {
          dropSession(ctx.sessionId!);
          renewed = newSession();
          ctx.sessionId = renewed;
          return renewed;
        },
      };
      options
        .dispatch(channel, input, ctx)
        .then((result) => send(res, 200, result, renewed ? { 'set-cookie': cookieFor(renewed) } : {}))
        .catch((err) => {
          options.logger.error('web host dispatch failed', err);
          refuse(res, 500, 'INTERNAL', 'Something went wrong inside CareLens; it is in the log.');
        });
    });
  };

  const server = http.createServer((req, res) => {
    try {
      const host = req.headers.host ?? '';
      if (host !== `127.0.0.1:${port}` && host !== `localhost:${port}`) {
        return refuse(res, 403, 'FORBIDDEN', 'This host answers only on its own loopback address.');
      }
      const url = new URL(req.url ?? '/', `http://127.0.0.1:${port}`);
      const queryToken = url.searchParams.get('token');
      if (queryToken !== null) {
        if (!redeem(queryToken)) {
          return refuse(res, 401, 'UNAUTHENTICATED', 'This sign-in link was already used or has expired: ask CareLens for a new one (in the terminal running carelens serve, press Enter).', {
            'referrer-policy': 'no-referrer',
          });
        }
        // Always to '/', whatever path the link had ('/.//host/x' would be an open redirect),
        // not stored, no Referer: the token is used up either way, but stays out of caches and logs.
        res.writeHead(303, {
          location: '/',
          'set-cookie': cookieFor(newSession()),
          'cache-control': 'no-store',
          'referrer-policy': 'no-referrer',
        });
        return res.end();
      }
      if (url.pathname === '/login-url' && req.method === 'POST' && bearer(req)) {
        return send(res, 200, { ok: true, value: { loginUrl: `http://127.0.0.1:${port}/?token=${mintLoginToken()}`, validForMs: loginTtl } });
      }
      const session = sessionOf(req);
      if (!session) {
        return refuse(res, 401, 'UNAUTHENTICATED', 'Open the sign-in link CareLens printed (it carries ?token=...); each link works once.');
      }
      if (url.pathname.startsWith('/api/')) return handleApi(req, res, decodeURIComponent(url.pathname.slice(5)), session);
      if (url.pathname === '/events') {
        res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' });
        res.write('retry: 1000\n: connected\n\n');
        streams.set(res, session);
        req.on('close', () => streams.delete(res));
        return;
      }
      if (req.method !== 'GET' && req.method !== 'HEAD') return refuse(res, 405, 'VALIDATION', 'Only GET here.');
      return serveStatic(req, res, url.pathname);
    } catch (err) {
      options.logger.error('web host request failed', err);
      if (!res.headersSent) refuse(res, 400, 'VALIDATION', 'Bad request.');
    }
  });

  const unsubscribe = options.events.subscribe((name, payload) => {
    const frame = `event: ${name}\ndata: ${JSON.stringify(payload)}\n\n`;
    for (const [stream, session] of streams) {
      if (mayDeliver(options.audience, session, name)) stream.write(frame);
    }
  });
  const heartbeat = setInterval(() => {
    for (const stream of streams.keys()) stream.write(': keep-alive\n\n');
  }, 15000);
  heartbeat.unref();

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  port = (server.address() as AddressInfo).port;
  const url = `http://127.0.0.1:${port}/`;
  const mintLoginUrl = () => `${url}?token=${mintLoginToken()}`;
  return {
    url,
    loginUrl: mintLoginUrl(),
    mintLoginUrl,
    port,
    token,
    async close() {
      unsubscribe();
      clearInterval(heartbeat);
      for (const stream of streams.keys()) stream.end();
      streams.clear();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
