/**
 * `carelens`: the same services as the app, from a terminal. A local administration
 * tool: it acts as the built-in 'system' actor on the data folder it is given.
 */
import { parseArgs } from 'node:util';
import { AppError } from '../shared/ipc/envelope';
import { createApp, appVersion, type App } from '../main/app/createApp';
import { consoleLogger } from '../main/core/logger';
import { resolveDataDir } from '../main/core/paths';
import { patientsCommands } from './commands/patients';
import { serveCommand } from './commands/serve';
import { imagingCommands } from './commands/imaging';
import { labelsCommands } from './commands/labels';
import { mlCommands } from './commands/ml';
import { careplansCommands } from './commands/careplans';
import { reportsCommands } from './commands/reports';
import { trustCommands } from './commands/trust';
import { pacsCommands } from './commands/pacs';
import { measurementsCommands } from './commands/measurements';
import { foldersCommand } from './commands/folders';
import { printError, UsageError } from './output';
import type { CliCommand, CliContext, CliIo } from './types';

export const commands: CliCommand[] = [serveCommand, ...patientsCommands, ...imagingCommands, ...labelsCommands, ...mlCommands, ...careplansCommands, ...reportsCommands, ...trustCommands, ...pacsCommands, ...measurementsCommands, foldersCommand];

function help(io: CliIo): void {
  io.stdout.write(`CareLens ${appVersion()}: a local-first clinician workstation, from the terminal.

Usage: carelens <command> [options]

Commands:
${commands.map((c) => `  ${c.name.padEnd(18)} ${c.summary}`).join('\n')}

Options for every command:
  --data-dir D   the data folder (default: $CARELENS_DATA_DIR, else the per-user CareLens folder)
  --json         machine-readable output on stdout; errors stay on stderr
  --help         this text, or a command's usage (carelens <command> --help)

CareLens is decision support: every model output is for a clinician to check.
`);
}

/** Runs the CLI; returns the exit code (0 ok, 1 failed, 2 wrong usage). */
export async function main(argv: string[], io: CliIo = { stdout: process.stdout, stderr: process.stderr, isTty: Boolean(process.stderr.isTTY) }): Promise<number> {
  // Global options may stand anywhere; the rest belongs to the command.
  const { values, tokens } = parseArgs({
    args: argv,
    options: { 'data-dir': { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' }, version: { type: 'boolean' } },
    strict: false,
    allowPositionals: true,
    tokens: true,
  });
  const globalIdx = new Set<number>();
  for (const t of tokens ?? []) {
    if (t.kind === 'option' && ['data-dir', 'json', 'help', 'version'].includes(t.name)) {
      globalIdx.add(t.index);
      if (t.name === 'data-dir' && t.inlineValue === false) globalIdx.add(t.index + 1);
    }
  }
  const rest = argv.filter((_, i) => !globalIdx.has(i));
  if (values.version) {
    io.stdout.write(`${appVersion()}\n`);
    return 0;
  }
  const [name, ...args] = rest;
  if (!name || name === 'help') {
    help(io);
    return name || values.help ? 0 : 2;
  }
  const command = commands.find((c) => c.name === name);
  if (!command) {
    io.stderr.write(`carelens: unknown command "${name}". Run carelens --help for the list.\n`);
    return 2;
  }
  if (values.help) {
    io.stdout.write(`${command.summary}\n\nUsage:\n${command.usage.replace(/^/gm, '  ')}\n`);
    return 0;
  }
  const dataDir = resolveDataDir(typeof values['data-dir'] === 'string' ? values['data-dir'] : null);
  let app: App | null = null;
  const ctx: CliContext = {
    io,
    dataDir,
    json: Boolean(values.json),
    app(runtime = 'cli') {
      app ??= createApp({ dataDir, runtime, logger: consoleLogger('carelens', io.stderr) });
      return app;
    },
  };
  try {
    return await command.run(ctx, args);
  } catch (err) {
    if (err instanceof UsageError || (err as { code?: string }).code?.startsWith?.('ERR_PARSE_ARGS')) {
      io.stderr.write(`carelens ${name}: ${(err as Error).message}\nUsage:\n${command.usage.replace(/^/gm, '  ')}\n`);
      return 2;
    }
    if (err instanceof AppError) {
      printError(ctx, err.toInfo());
      return 1;
    }
    printError(ctx, { code: 'INTERNAL', message: (err as Error).message ?? String(err) });
    return 1;
  } finally {
    await (app as App | null)?.close();
  }
}

// Run when executed directly (bin/carelens.js requires the built bundle and calls main).
if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(`carelens: ${(err as Error).stack ?? String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
