import type { z } from 'zod';
import { channels, isChannelName, type ChannelName, type OutputOf, type ParsedInputOf } from '../../shared/ipc/contract';
import { AppError, type Result } from '../../shared/ipc/envelope';
import type { Access, AuditKind } from '../../shared/ipc/define';
import type { Logger } from '../core/logger';
import type { Actor } from '../../shared/domain/actor';
import { validationWords } from './validationWords';


export interface CallContext {
  transport: 'electron' | 'web' | 'cli' | 'test';
  /** The logged-in user, or null before login. */
  actor: Actor | null;
  /** A transport's session handle (the web host's cookie session, the Electron window's). */
  sessionId?: string;
}

export type Handler<C extends ChannelName> = (input: ParsedInputOf<C>, ctx: CallContext) => Promise<OutputOf<C>> | OutputOf<C>;
export type HandlerTable = { [C in ChannelName]: Handler<C> };
/** The handlers of one feature: a feature's index.ts returns these for its own channels. */
export type FeatureHandlers<Prefix extends string> = { [C in ChannelName as C extends `${Prefix}:${string}` ? C : never]: Handler<C> };

/** What the dispatcher tells the gate around every call (roles, audit). */
export interface CallRecord {
  channel: string;
  access: Access | null;
  audit: AuditKind | null;
  ctx: CallContext;
  input: unknown;
  result: Result<unknown>;
}

/**
 * Hooks around every call: `authorize` throws an AppError (FORBIDDEN, UNAUTHENTICATED,
 * LOCKED) to refuse a call; `record` sees every call and its outcome (the audit trail).
 */
export interface Gate {
  authorize(channel: ChannelName, access: Access, ctx: CallContext): void;
  record(call: CallRecord): void;
}

/** The name recorded as "who" for provenance: the actor's username, or 'local' before login exists. */
export function actorName(ctx: CallContext): string {
  return ctx.actor?.username ?? 'local';
}

export const openGate: Gate = {
  authorize() {},
  record() {},
};

export type Dispatch = (channel: unknown, input: unknown, ctx: CallContext) => Promise<Result<unknown>>;

/**
 * The one dispatch table both transports (Electron IPC, web host) and the CLI serve:
 * checks the channel exists and has a handler, asks the gate, validates the input with
 * the contract's schema, runs the handler, and always answers with a result envelope.
 */
export function createDispatcher(handlers: HandlerTable, gate: Gate, logger: Logger): Dispatch {
  return async (channel, input, ctx) => {
    let result: Result<unknown>;
    const def = isChannelName(channel) ? channels[channel] : null;
    try {
      if (!def || !isChannelName(channel)) {
        throw new AppError('VALIDATION', 'CareLens does not know this action. Update or restart CareLens; if it keeps happening, tell your administrator.', {
          key: 'errors.unknownAction',
        });
      }
      // A contract channel without a handler is a build fault, whoever calls and with whatever
      // input: checked first, so it answers INTERNAL (and is logged) rather than hiding
      // behind a refusal or a validation error.
      const handler = Object.prototype.hasOwnProperty.call(handlers, channel) ? (handlers[channel] as unknown) : undefined;
      if (typeof handler !== 'function') throw new Error(`No handler for the contract channel ${channel}`);
      gate.authorize(channel, def.access, ctx);
      const parsed = (def.input as z.ZodType).safeParse(input);
      if (!parsed.success) {
        // In the words of the form, never the channel's name: a person reads this message.
        const words = validationWords(parsed.error.issues, input);
        throw new AppError('VALIDATION', words.message, { key: words.key, params: words.params, issues: words.issues });
      }
      result = { ok: true, value: await (handler as (input: unknown, ctx: CallContext) => unknown)(parsed.data, ctx) };
    } catch (err) {
      if (err instanceof AppError) {
        result = { ok: false, error: err.toInfo() };
      } else {
        const ref = Math.random().toString(36).slice(2, 10);
        logger.error(`call ${String(channel).slice(0, 80)} failed [${ref}]`, err);
        result = {
          ok: false,
          error: { code: 'INTERNAL', message: `Something went wrong inside CareLens (reference ${ref}); it is in the log.`, key: 'errors.internal', params: { ref } },
        };
      }
    }
    try {
      gate.record({ channel: String(channel).slice(0, 120), access: def?.access ?? null, audit: def?.audit ?? null, ctx, input, result });
    } catch (err) {
      logger.error('audit record failed', err);
    }
    return result;
  };
}
