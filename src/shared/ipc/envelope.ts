/**
 * The result envelope every call returns, across every transport.
 * Thrown errors never cross a process boundary as they are (Electron keeps only
 * `message`), so services throw `AppError` and transports turn it into this shape.
 */

export const ERROR_CODES = [
  'VALIDATION',
  'NOT_FOUND',
  'CONFLICT',
  'FORBIDDEN',
  'UNAUTHENTICATED',
  'LOCKED',
  'CANCELLED',
  'UNSUPPORTED',
  'INTERNAL',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

/** One problem with one field of an input (zod's issues, flattened to plain data). */
export interface FieldIssue {
  /** Dotted path of the field, '' for the input as a whole. */
  path: string;
  message: string;
}

export interface ErrorInfo {
  code: ErrorCode;
  message: string;
  issues?: FieldIssue[];
}

export type Result<T> = { ok: true; value: T } | { ok: false; error: ErrorInfo };

/** An error a service means to tell the caller about. Anything else becomes INTERNAL. */
export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly issues?: FieldIssue[],
  ) {
    super(message);
    this.name = 'AppError';
  }

  toInfo(): ErrorInfo {
    return this.issues ? { code: this.code, message: this.message, issues: this.issues } : { code: this.code, message: this.message };
  }
}

export const ok = <T>(value: T): Result<T> => ({ ok: true, value });
export const fail = (code: ErrorCode, message: string, issues?: FieldIssue[]): Result<never> => ({
  ok: false,
  error: issues ? { code, message, issues } : { code, message },
});

/** Unwraps an envelope, throwing an AppError (for callers that prefer exceptions, like the CLI). */
export function unwrap<T>(result: Result<T>): T {
  if (result.ok) return result.value;
  throw new AppError(result.error.code, result.error.message, result.error.issues);
}
