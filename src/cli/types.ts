import type { App } from '../main/app/createApp';

export interface CliIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  /** Whether stderr is a terminal (progress bars only then). */
  isTty: boolean;
}

export interface CliContext {
  io: CliIo;
  /** --data-dir, CARELENS_DATA_DIR, or the per-user default. */
  dataDir: string;
  json: boolean;
  /**
   * Builds the app on the data folder (once; the CLI closes it after the command).
   * `runtime` is 'web' for `carelens serve`, 'cli' otherwise.
   */
  app(runtime?: 'cli' | 'web'): App;
}

/** One `carelens <name>` command. Returns the process exit code. */
export interface CliCommand {
  name: string;
  summary: string;
  usage: string;
  run(ctx: CliContext, args: string[]): Promise<number>;
}
