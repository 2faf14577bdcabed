import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fixedClock } from '../core/clock';
import { createApp, type App } from './createApp';
import { silentLogger, type Logger } from '../core/logger';
import { SYSTEM_ACTOR, type Actor } from '../../shared/domain/actor';

/** The shared data the project is handed (../shared/data), for tests that read real files. */
export const SHARED_DATA = path.resolve(__dirname, '../../../../shared/data');

export function tempDir(prefix = 'carelens-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/**
 * A whole app for a test: real migrations on an in-memory database (or a real file with
 * `onDisk`), files in a fresh temp folder, a fixed clock, a silent logger.
 */
export function createTestApp(options: { onDisk?: boolean; dataDir?: string; logger?: Logger } = {}): App & { dataDir: string } {
  const dataDir = options.dataDir ?? tempDir();
  const app = createApp({ dataDir, runtime: 'test', clock: fixedClock(), logger: options.logger ?? silentLogger, inMemoryDatabase: !options.onDisk });
  return Object.assign(app, { dataDir });
}

/** Calls a channel as `actor` (the system actor by default) and returns the envelope. */
export function callAs(app: App, channel: string, input: unknown, actor: Actor | null = SYSTEM_ACTOR) {
  return app.call(channel, input, { transport: 'test', actor });
}

/** The value of a call's envelope, or a thrown error with the envelope's error (tests that expect success). */
export async function ok<T>(call: Promise<unknown>): Promise<T> {
  const r = (await call) as { ok: boolean; value?: T; error?: unknown };
  if (!r.ok) throw new Error(JSON.stringify(r.error));
  return r.value as T;
}

/** The value of an envelope already awaited, or a thrown error naming the envelope's error. */
export function value<T>(r: { ok: boolean; value?: unknown; error?: unknown }): T {
  if (!r.ok) throw new Error(`call failed: ${JSON.stringify(r.error)}`);
  return r.value as T;
}
