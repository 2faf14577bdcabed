import type { z } from 'zod';

/**
 * Who may call a channel. Checked in the main process for every call.
 * 'public' channels work before login (status, login itself).
 */
export type Access = 'public' | 'clinician' | 'reviewer' | 'admin';

/**
 * What the audit trail records for a call: reads of patient data, changes, ML work,
 * exports. 'none' for calls that touch no patient data (status, settings reads).
 */
export type AuditKind = 'none' | 'read' | 'change' | 'ml' | 'export' | 'auth';

export interface ChannelDef<I extends z.ZodType, O> {
  input: I;
  /** Phantom: carries the output type only. */
  output: O;
  access: Access;
  audit: AuditKind;
  doc: string;
}

/** Declares a channel. `output` is a type parameter only; nothing is checked at run time. */
export function channel<O>() {
  return <I extends z.ZodType>(def: { input: I; access: Access; audit: AuditKind; doc: string }): ChannelDef<I, O> => ({
    ...def,
    output: undefined as unknown as O,
  });
}

/** A push event's payload type (phantom). Event names are 'feature:event'. */
export interface EventDef<P> {
  payload: P;
}

export function event<P>(): EventDef<P> {
  return { payload: undefined as unknown as P };
}
