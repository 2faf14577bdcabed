import type { ChannelName, InputOf, OutputOf } from '../shared/ipc/contract';
import { AppError, type ErrorInfo, type Result } from '../shared/ipc/envelope';
import { SYSTEM_ACTOR } from '../shared/domain/actor';
import type { CliContext } from './types';

/** Thrown for a wrong command line: exit code 2 with the usage. */
export class UsageError extends Error {}

export function printJson(ctx: CliContext, value: unknown): void {
  ctx.io.stdout.write(JSON.stringify(value, null, 2) + '\n');
}

export function printError(ctx: CliContext, error: ErrorInfo): void {
  if (ctx.json) {
    ctx.io.stderr.write(JSON.stringify({ error }) + '\n');
    return;
  }
  ctx.io.stderr.write(`carelens: ${error.message}\n`);
  for (const issue of error.issues ?? []) ctx.io.stderr.write(`  ${issue.path || 'input'}: ${issue.message}\n`);
}

/**
 * Calls a channel as the CLI's system actor and returns its output; throws AppError on
 * failure. The input and output types are the contract's, so a command cannot restate them
 * wrongly; the dispatcher still validates the input (a wrong value from the command line is
 * answered with VALIDATION, as from any other transport).
 */
export async function call<C extends ChannelName>(ctx: CliContext, channel: C, input: NoInfer<InputOf<C>>): Promise<OutputOf<C>> {
  const result = (await ctx.app().call(channel, input, { transport: 'cli', actor: SYSTEM_ACTOR })) as Result<OutputOf<C>>;
  if (!result.ok) throw new AppError(result.error.code, result.error.message, result.error.issues);
  return result.value;
}

/**
 * A command-line value for an input field the contract limits to a few values (a mode, a
 * role, a format), named by type: `unchecked<Role>(values.role)`. The CLI passes it on
 * as it is: the dispatcher validates it like any caller's input and answers VALIDATION
 * naming the allowed values, which is what the user reads for a wrong word.
 */
export function unchecked<T extends string | number>(value: string | number): T {
  return value as T;
}

/** A one-line progress bar on stderr (only on a terminal). */
export function progressBar(ctx: CliContext) {
  let last = 0;
  return {
    update(done: number, total: number, label = '') {
      if (!ctx.io.isTty) return;
      const now = Date.now();
      if (now - last < 100 && done < total) return;
      last = now;
      const width = 30;
      const frac = total > 0 ? Math.min(1, done / total) : 0;
      const bar = '#'.repeat(Math.round(frac * width)).padEnd(width, '.');
      ctx.io.stderr.write(`\r[${bar}] ${Math.round(frac * 100)}% ${label}`.padEnd(90).slice(0, 120));
    },
    done() {
      if (ctx.io.isTty) ctx.io.stderr.write('\n');
    },
  };
}
