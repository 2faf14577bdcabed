import { createHash } from 'node:crypto';
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { createApp, type App } from '../app/createApp';
import { silentLogger } from '../core/logger';
import { callAs, tempDir } from '../app/testing';
import { startWebHost, type WebHost } from '../ipc/webHost';
import { channelNames, channels } from '../../shared/ipc/contract';
import { seededRandom } from '../../shared/random';

/**
 * Fuzzes the dispatch table over the real web host: 10,000 random malformed calls from
 * a logged-in admin session (the strongest role, so the role check lets them through to
 * validation) and from an anonymous one. Every call must be answered with an error, the
 * host must keep serving, and no table but the audit trail may change.
 * The files an import reads are fuzzed in src/main/imaging/fuzzImport.test.ts.
 */
const CALLS = 10_000;
const CONCURRENCY = 8;

const NASTY_STRINGS = ['', ' ', '\u0000', '../../etc/passwd', "'; DROP TABLE patients; --", '<script>alert(1)</script>', '𝕏'.repeat(50), 'a'.repeat(70_000), '%00', '__proto__', 'constructor', '1e309', '-0', 'NaN'];

function randomValue(rand: () => number, depth = 0): unknown {
  const pick = Math.floor(rand() * (depth > 2 ? 7 : 10));
  switch (pick) {
    case 0: return null;
    case 1: return rand() < 0.5;
    case 2: return Math.floor((rand() - 0.5) * 2 ** (rand() * 60));
    case 3: return [1e308, -1e308, 0.5, -1, 2 ** 53 + 1][Math.floor(rand() * 5)];
    case 4: return NASTY_STRINGS[Math.floor(rand() * NASTY_STRINGS.length)];
    case 5: return rand().toString(36).slice(2, 2 + Math.floor(rand() * 12));
    case 6: return '';
    case 7: return Array.from({ length: Math.floor(rand() * 5) }, () => randomValue(rand, depth + 1));
    default: {
      const o: Record<string, unknown> = {};
      const keys = ['id', 'name', 'mrn', 'limit', 'offset', 'query', 'paths', 'password', 'username', 'role', 'changes', 'file', '__proto__', 'constructor', 'patientId', 'imageId', 'x'];
      for (let i = Math.floor(rand() * 5); i > 0; i--) o[keys[Math.floor(rand() * keys.length)]!] = randomValue(rand, depth + 1);
      return o;
    }
  }
}

/** An input the channel's own schema rejects (checked here before it is sent). */
function malformedInput(rand: () => number, schema: z.ZodType): unknown {
  for (let tries = 0; tries < 20; tries++) {
    // Judge what goes over the wire: JSON drops undefined and turns a `__proto__` key into a prototype.
    const v = JSON.parse(JSON.stringify(randomValue(rand)) ?? 'null') as unknown;
    if (!schema.safeParse(v).success) return v;
  }
  return { __fuzz_extra_field__: true }; // every input schema is .strict() or not an object
}

interface Shot {
  method: string;
  path: string;
  body: string | undefined;
  headers?: Record<string, string>;
}

function makeShot(rand: () => number): Shot {
  const kind = rand();
  const channel = channelNames[Math.floor(rand() * channelNames.length)]!;
  if (kind < 0.6) {
    return { method: 'POST', path: `/api/${encodeURIComponent(channel)}`, body: JSON.stringify(malformedInput(rand, channels[channel].input as z.ZodType)) };
  }
  if (kind < 0.72) {
    const name = [channel + 'x', channel.toUpperCase(), channel.split(':')[0] + ':', ':', '', '..%2F..%2Fetc', '__proto__', 'constructor', 'toString', 'patients:list/../auth:setup', 'x'.repeat(300)][Math.floor(rand() * 11)]!;
    return { method: 'POST', path: `/api/${name}`, body: '{}' };
  }
  if (kind < 0.84) {
    const junk = ['{', '{"a":', 'null,', '\u0000\u0001', '{"name": "x",}', "{'single': 1}", '[1,2', '"unterminated', 'NaN', '{"a":1}{"b":2}'][Math.floor(rand() * 10)]!;
    return { method: 'POST', path: `/api/${channel}`, body: junk, headers: { 'content-type': 'application/json' } };
  }
  if (kind < 0.9) return { method: ['GET', 'PUT', 'DELETE', 'PATCH'][Math.floor(rand() * 4)]!, path: `/api/${channel}`, body: undefined };
  if (kind < 0.95) return { method: 'POST', path: `/api/${channel}`, body: JSON.stringify({ blob: 'x'.repeat(80_000) }) };
  return { method: 'POST', path: `/api/${channel}`, body: JSON.stringify({ __proto__: { isAdmin: true }, constructor: { prototype: { polluted: 1 } } }) };
}

let app: App;
let host: WebHost;
let adminCookie = '';
const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });

function send(shot: Shot, cookie: string | null): Promise<{ status: number; body: string; cookie: string | null }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port: host.port, path: shot.path, method: shot.method, agent, headers: { host: `127.0.0.1:${host.port}`, ...(cookie ? { cookie } : {}), ...shot.headers } },
      (res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d.toString()));
        const renewed = ([] as string[]).concat(res.headers['set-cookie'] ?? [])[0];
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body, cookie: renewed ? renewed.split(';')[0]! : null }));
      },
    );
    req.on('error', reject);
    req.end(shot.body);
  });
}

async function newSession(): Promise<string> {
  const r = await new Promise<http.IncomingMessage>((resolve, reject) => {
    const link = new URL(host.mintLoginUrl());
    http.get({ host: '127.0.0.1', port: host.port, path: link.pathname + link.search, agent, headers: { host: `127.0.0.1:${host.port}` } }, resolve).on('error', reject);
  });
  r.resume();
  return String(r.headers['set-cookie']).split(';')[0]!;
}

/** Every table but the audit trail, hashed row by row. */
function snapshot(a: App): Record<string, string> {
  const out: Record<string, string> = {};
  const tables = a.core.db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT IN ('audit_log', 'audit_head') ORDER BY name").pluck().all() as string[];
  for (const t of tables) {
    const h = createHash('sha256');
    for (const row of a.core.db.prepare(`SELECT * FROM "${t}"`).iterate()) h.update(JSON.stringify(row));
    out[t] = h.digest('hex');
  }
  return out;
}

beforeAll(async () => {
  app = createApp({ dataDir: tempDir(), runtime: 'web', logger: silentLogger, databaseKey: { hex: '9'.repeat(64), source: 'env', where: 'test' } });
  host = await startWebHost({ dispatch: app.dispatch, events: app.core.events, logger: silentLogger, rendererDir: null, maxBodyBytes: 64 * 1024 });
  adminCookie = await newSession();
  const setup = await send({ method: 'POST', path: '/api/auth:setup', body: JSON.stringify({ username: 'admin', displayName: 'Admin', password: 'correct horse battery staple' }) }, adminCookie);
  expect(JSON.parse(setup.body)).toMatchObject({ ok: true });
  // Set-up renews the session handle (session fixation): carry on with the new cookie.
  adminCookie = setup.cookie ?? adminCookie;
  await callAs(app, 'patients:create', { name: 'Fuzz Target', mrn: 'F1' });
});

afterAll(async () => {
  agent.destroy();
  await host?.close();
  await app?.close();
});

describe('fuzzing the dispatch table over the web host', () => {
  it(`answers ${CALLS} random malformed calls with errors, keeps serving, and changes nothing`, async () => {
    const anonCookie = await newSession();
    const before = snapshot(app);
    const auditBefore = app.features.audit.log.count();
    const rand = seededRandom(20261130);
    const codes: Record<string, number> = {};
    const statuses: Record<number, number> = {};
    let answeredOk = 0;
    let transportErrors = 0;
    let next = 0;
    const t0 = Date.now();
    const worker = async () => {
      while (next < CALLS) {
        const i = next++;
        const shot = makeShot(rand);
        const cookie = i % 5 === 0 ? anonCookie : adminCookie;
        try {
          const res = await send(shot, cookie);
          statuses[res.status] = (statuses[res.status] ?? 0) + 1;
          const body = JSON.parse(res.body) as { ok: boolean; error?: { code: string } };
          if (body.ok) {
            answeredOk++;
            console.error('fuzz call answered ok:', i, JSON.stringify(shot).slice(0, 300));
          } else codes[body.error!.code] = (codes[body.error!.code] ?? 0) + 1;
        } catch (err) {
          transportErrors++;
          console.error('fuzz transport error', i, (err as Error).message, JSON.stringify(shot).slice(0, 200));
        }
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    const seconds = (Date.now() - t0) / 1000;

    // Still serving, for the admin and for a plain call.
    const status = await send({ method: 'POST', path: '/api/auth:status', body: '{}' }, adminCookie);
    expect(JSON.parse(status.body)).toMatchObject({ ok: true, value: { user: { username: 'admin' } } });
    const list = await send({ method: 'POST', path: '/api/patients:list', body: '{}' }, adminCookie);
    expect(JSON.parse(list.body)).toMatchObject({ ok: true, value: { total: 1, items: [{ name: 'Fuzz Target' }] } });

    const after = snapshot(app);
    const auditAfter = app.features.audit.log.count();
    const verification = app.features.audit.log.verify();
    console.log(
      `[fuzz] ${CALLS} malformed calls in ${seconds.toFixed(1)} s (${Math.round(CALLS / seconds)}/s, ${CONCURRENCY} in flight): ` +
        `answered ok ${answeredOk}, transport errors ${transportErrors}, error codes ${JSON.stringify(codes)}, HTTP statuses ${JSON.stringify(statuses)}; ` +
        `tables other than the audit trail unchanged: ${JSON.stringify(before) === JSON.stringify(after)}; audit rows +${auditAfter - auditBefore}, chain ok: ${verification.ok}`,
    );
    expect(answeredOk).toBe(0);
    expect(transportErrors).toBe(0);
    expect(Object.values(codes).reduce((s, n) => s + n, 0)).toBe(CALLS);
    expect(codes.INTERNAL ?? 0).toBe(0);
    expect(after).toEqual(before);
    expect(verification.ok).toBe(true);
    expect(({} as Record<string, unknown>).isAdmin).toBeUndefined();
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
