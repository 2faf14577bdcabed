import type { Api } from '../../shared/ipc/contract';
import type { ErrorInfo, FieldIssue, MessageParams, Result } from '../../shared/ipc/envelope';
import { fieldLabel, fieldOfPath } from '../../shared/ipc/fields';
import { i18n } from './i18n';

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

/** How many problems a "Check the form" summary names (as the main process does). */
const MAX_NAMED = 5;

const t = (key: string, named: Record<string, unknown>, plural?: number): string =>
  plural === undefined ? i18n.global.t(key, named) : i18n.global.t(key, named, plural);

/** Whether the catalogue has this key (in the active language, else English). */
const known = (key: string): boolean => i18n.global.te(key) || i18n.global.te(key, 'en');

/** A form field by its schema path, in the active language ("Age bands (item 1)", "年龄段（第 1 项）"); null for the form as a whole. */
export function fieldName(path: readonly (string | number)[] | string): string | null {
  const named = fieldOfPath(path);
  return named ? fieldWords(named.field, named.item) : null;
}

function fieldWords(field: string, item?: number): string {
  const key = `validation.fields.${field}`;
  const name = known(key) ? t(key, {}) : (fieldLabel([field]) ?? field);
  return item === undefined ? name : t('validation.fieldItem', { field: name, item });
}

/**
 * A message from the main process in the active language: its catalogue key with its
 * parameters, or the English `fallback` when the catalogue lacks the key (or there is none).
 * Conventions of the parameters: `field` (+ `item`) names a form field and is translated
 * through `validation.fields`; a numeric `count` picks the plural form; `<name>Key` holds the
 * catalogue key of the words for `{<name>}`.
 */
export function messageText(key: string | undefined, params: MessageParams | undefined, fallback: string): string {
  if (!key || !known(key)) return fallback;
  const named: Record<string, unknown> = { ...params };
  for (const [name, value] of Object.entries(params ?? {})) {
    if (!name.endsWith('Key') || typeof value !== 'string') continue;
    // A parameter `whoKey: 'errors.trust.who.admin'` is the catalogue's words for `{who}`; without them, the English sentence.
    if (!known(value)) return fallback;
    named[name.slice(0, -3)] = t(value, {});
  }
  if (typeof params?.field === 'string') {
    named.field = params.field === '' ? t('validation.form', {}) : fieldWords(params.field, typeof params.item === 'number' ? params.item : undefined);
  }
  return t(key, named, typeof params?.count === 'number' ? params.count : undefined);
}

/** One field issue's own words (what the form shows beside the field). */
export function issueText(issue: FieldIssue): string {
  return messageText(issue.key, issue.params, issue.message);
}

/** A field issue under its field's name as the form shows it ("Age bands (item 1) must be text"), never the schema path. */
export function issueInWords(issue: FieldIssue): string {
  return issueWords(issue, false);
}

/** `lowerFirst`: "Birth date: use the form YYYY-MM-DD" inside a sentence, as the main process words it. */
function issueWords(issue: FieldIssue, lowerFirst: boolean): string {
  const label = fieldName(issue.path);
  const text = issueText(issue);
  if (!label || text.toLowerCase().includes(label.toLowerCase().split(' (')[0]!.split('（')[0]!)) return text;
  return t('validation.labelled', { field: label, message: lowerFirst ? text[0]!.toLowerCase() + text.slice(1) : text });
}

/**
 * The one way an error envelope becomes visible text: its key and parameters in the active
 * language ("Check the form" summaries are worded from their issues), else its English message.
 */
export function errorText(info: ErrorInfo): string {
  if ((info.key === 'validation.checkForm' || info.key === 'validation.checkFormMore') && info.issues?.length && known(info.key)) {
    const named = [...new Set(info.issues.map((issue) => issueWords(issue, true)))];
    const problems = named.slice(0, MAX_NAMED).reduce((a, b) => t('validation.join', { a, b }));
    const more = named.length - MAX_NAMED;
    return more > 0 ? t('validation.checkFormMore', { problems, count: more }, more) : t('validation.checkForm', { problems });
  }
  return messageText(info.key, info.params, info.message);
}

/** A failed call as an Error that keeps the envelope (code, English message, key, field issues); its `message` is in the active language. */
export class ApiError extends Error {
  constructor(readonly info: ErrorInfo) {
    super(errorText(info));
  }
}

/** What to show for anything a call threw: an ApiError in the active language, another error's message. */
export function errorMessage(err: unknown): string {
  if (err instanceof ApiError) return errorText(err.info);
  return err instanceof Error ? err.message : String(err);
}

export function unwrapResult<T>(result: Result<T>): T {
  if (result.ok) return result.value;
  throw new ApiError(result.error);
}

/** Field issues of a VALIDATION/CONFLICT error as { field: message } in the active language. */
export function fieldErrors(err: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (err instanceof ApiError) {
    for (const issue of err.info.issues ?? []) {
      const key = issue.path.split('.').pop() ?? '';
      if (!(key in out)) out[key] = issueText(issue);
    }
  }
  return out;
}
