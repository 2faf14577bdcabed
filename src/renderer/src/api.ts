import type { Api } from '../../shared/ipc/contract';
import type { ErrorInfo, FieldIssue, Result } from '../../shared/ipc/envelope';
import { fieldLabel } from '../../shared/ipc/fields';

/**
 * The renderer's one door to the main process: `window.api`, given by the Electron
 * preload or by the web host's script. Tests replace it with `setApi`.
 */
let current: Api | null = null;

export function api(): Api {
  if (current) return current;
  if (typeof window !== 'undefined' && window.api) return window.api;
  throw new Error('CareLens API is missing: open the app through Electron or the URL `carelens serve` printed.');
}

export function setApi(replacement: Api | null): void {
  current = replacement;
}

/** A failed call as an Error that keeps the envelope's code and field issues. */
export class ApiError extends Error {
  constructor(readonly info: ErrorInfo) {
    super(info.message);
  }
}

export function unwrapResult<T>(result: Result<T>): T {
  if (result.ok) return result.value;
  throw new ApiError(result.error);
}

/** Field issues of a VALIDATION/CONFLICT error as { field: message }. */
export function fieldErrors(err: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (err instanceof ApiError) {
    for (const issue of err.info.issues ?? []) {
      const key = issue.path.split('.').pop() ?? '';
      if (!(key in out)) out[key] = issue.message;
    }
  }
  return out;
}

/** A field issue under its field's name as the form shows it ("Age bands (item 1) must be text"), never the schema path. */
export function issueInWords(issue: FieldIssue): string {
  const label = fieldLabel(issue.path);
  return !label || issue.message.toLowerCase().includes(label.toLowerCase()) ? issue.message : `${label}: ${issue.message}`;
}
