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
  /** English, for the CLI and the log; the renderer shows `key` with `params` when it knows the key. */
  message: string;
  key?: string;
  params?: MessageParams;
}

/** Values a message key's placeholders take (`{mrn}` in "A patient with MRN {mrn} already exists."). */
export type MessageParams = Record<string, string | number>;

/**
 * A message the renderer translates: a full catalogue key (`errors.patients.mrnTaken`, in the
 * areas `errors`, `validation` or `progress`) and its parameters. The English `message` beside
 * it stays the words of record (CLI, log, a renderer without the key).
 */
export interface MessageRef {
  key: string;
  params?: MessageParams;
}

export interface ErrorInfo {
  code: ErrorCode;
  message: string;
  issues?: FieldIssue[];
  key?: string;
  params?: MessageParams;
}

export type Result<T> = { ok: true; value: T } | { ok: false; error: ErrorInfo };

/** An error a service means to tell the caller about. Anything else becomes INTERNAL. */
export class AppError extends Error {
  readonly issues?: FieldIssue[];
  readonly key?: string;
  readonly params?: MessageParams;

  /**
   * `new AppError(code, message)`, `new AppError(code, message, issues)`, or with a message key:
   * `new AppError(code, message, { key: 'errors.patients.mrnTaken', params: { mrn }, issues? })`.
   */
  constructor(
    readonly code: ErrorCode,
    message: string,
    detail?: FieldIssue[] | (MessageRef & { issues?: FieldIssue[] }),
  ) {
    super(message);
    this.name = 'AppError';
    const ref = Array.isArray(detail) ? { issues: detail } : detail;
    if (ref?.issues) this.issues = ref.issues;
    if (ref && 'key' in ref && ref.key) {
      this.key = ref.key;
      if (ref.params) this.params = ref.params;
    }
  }

  toInfo(): ErrorInfo {
    return errorInfo(this.code, this.message, this);
  }
}

function errorInfo(code: ErrorCode, message: string, extra?: { issues?: FieldIssue[]; key?: string; params?: MessageParams }): ErrorInfo {
  const info: ErrorInfo = { code, message };
  if (extra?.issues) info.issues = extra.issues;
  if (extra?.key) info.key = extra.key;
  if (extra?.key && extra.params) info.params = extra.params;
  return info;
}

export const ok = <T>(value: T): Result<T> => ({ ok: true, value });
export const fail = (code: ErrorCode, message: string, detail?: FieldIssue[] | (MessageRef & { issues?: FieldIssue[] })): Result<never> => ({
  ok: false,
  error: new AppError(code, message, detail).toInfo(),
});

/** Unwraps an envelope, throwing an AppError (for callers that prefer exceptions, like the CLI). */
export function unwrap<T>(result: Result<T>): T {
  if (result.ok) return result.value;
  const { code, message, issues, key, params } = result.error;
  throw new AppError(code, message, key ? { key, params, issues } : issues);
}
