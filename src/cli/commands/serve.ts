import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { nameBackend } from '../../main/ml/backend';
import { startWebHost } from '../../main/ipc/webHost';
import { printJson, UsageError } from '../output';
import type { CliCommand } from '../types';

/** The built renderer: beside the bundle (out/main -> out/renderer), or from the repo's out/. */
export function findRendererDir(): string | null {
  const candidates = [path.join(__dirname, '../renderer'), path.join(__dirname, '../../renderer'), path.join(__dirname, '../../out/renderer'), path.join(__dirname, '../../../out/renderer')];
  return candidates.find((dir) => fs.existsSync(path.join(dir, 'index.html'))) ?? null;
}

export const serveCommand: CliCommand = {
  name: 'serve',
  summary: 'Start the loopback web host (the real UI in a browser) and print its URL.',
  usage: 'carelens serve [--port N] [--data-dir D] [--json]',
  async run(ctx, args) {
    const { values } = parseArgs({ args, options: { port: { type: 'string' } }, strict: true });
    const port = values.port ? Number(values.port) : 0;
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port must be a number from 0 to 65535, not ${values.port}`);
    const app = ctx.app('web');
    const rendererDir = findRendererDir();
    const trust = app.features.trust.service;
    const audience = (session: string, name: string) => trust.mayReceiveEvents(session, name);
    const host = await startWebHost({ dispatch: app.dispatch, events: app.core.events, logger: app.core.logger, rendererDir, port, audience });
    if (ctx.json) printJson(ctx, { url: host.url, loginUrl: host.loginUrl, port: host.port, token: host.token, dataDir: ctx.dataDir });
    else {
      ctx.io.stdout.write(`CareLens web host (loopback only) on data folder ${ctx.dataDir}\n`);
      ctx.io.stdout.write(`Open (works once, for 2 minutes): ${host.loginUrl}\n`);
      if (!rendererDir) ctx.io.stdout.write('No renderer build found: run `npm run build` for the UI; the API is served.\n');
      ctx.io.stdout.write('Press Enter for another sign-in link, Ctrl+C to stop.\n');
    }
    // A sign-in link works once: Enter in this terminal prints a fresh one (another browser, an expired link).
    const onLine = () => ctx.io.stdout.write(`Open (works once, for 2 minutes): ${host.mintLoginUrl()}\n`);
    if (!ctx.json && process.stdin.isTTY) process.stdin.on('data', onLine);
    // Load the ML backend after start-up, off the request path, so the status bar can show it.
    setTimeout(() => {
      nameBackend(app.core.logger)
        .then((info) => app.features.setBackend(info))
        .catch((err: Error) => app.features.setBackend({ name: null, detail: `no backend: ${err.message}` }));
    }, 500).unref();
    await new Promise<void>((resolve) => {
      const stop = () => resolve();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
    process.stdin.off('data', onLine);
    if (process.stdin.isTTY) process.stdin.pause();
    await host.close();
    await app.close();
    return 0;
  },
};
