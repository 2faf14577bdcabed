import type { z } from 'zod';
import type { FieldIssue, MessageParams } from '../../shared/ipc/envelope';
import { fieldLabel, fieldOfPath } from '../../shared/ipc/fields';
import { customMessageKey } from './validationKeys';

type Issue = z.core.$ZodIssue;

/** zod's own English messages (a schema's custom message never starts like these). */
const ZOD_DEFAULT = /^(Invalid|Too (big|small)|Unrecognized key|Expected)/;
/** How many problems the one-line message names; the issues list has them all. */
const MAX_NAMED = 5;

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let v = input;
  for (const key of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<PropertyKey, unknown>)[key];
  }
  return v;
}

const count = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

/**
 * What is wrong: the English words that follow the field's name ("must be a number") and the
 * catalogue key that says the same with `{field}` in it (`validation.mustBeNumber`).
 */
interface Problem {
  words: string;
  key: string;
  params?: MessageParams;
}

function problem(issue: Issue, input: unknown): Problem {
  switch (issue.code) {
    case 'invalid_type': {
      if (valueAt(input, issue.path) === undefined) return { words: 'is required', key: 'validation.required' };
      const expected = String(issue.expected);
      if (expected === 'string') return { words: 'must be text', key: 'validation.mustBeText' };
      if (expected === 'number' || expected === 'bigint') return { words: 'must be a number', key: 'validation.mustBeNumber' };
      if (expected === 'int') return { words: 'must be a whole number', key: 'validation.mustBeWholeNumber' };
      if (expected === 'boolean') return { words: 'must be yes or no', key: 'validation.mustBeYesNo' };
      if (expected === 'array') return { words: 'must be a list', key: 'validation.mustBeList' };
      return { words: 'is not filled in correctly', key: 'validation.notFilledIn' };
    }
    case 'too_small': {
      const min = Number(issue.minimum);
      if (issue.origin === 'string') {
        return min <= 1 ? { words: 'is required', key: 'validation.required' } : { words: `needs at least ${count(min, 'character', 'characters')}`, key: 'validation.minChars', params: { min } };
      }
      if (issue.origin === 'array' || issue.origin === 'set') {
        return min <= 1
          ? { words: 'needs at least one entry', key: 'validation.minOneEntry' }
          : { words: `needs at least ${count(min, 'entry', 'entries')}`, key: 'validation.minEntries', params: { min } };
      }
      if (issue.origin === 'number' || issue.origin === 'int' || issue.origin === 'bigint') {
        return issue.inclusive === false
          ? { words: `must be more than ${min}`, key: 'validation.moreThan', params: { min } }
          : { words: `must be at least ${min}`, key: 'validation.atLeast', params: { min } };
      }
      return { words: 'is too small', key: 'validation.tooSmall' };
    }
    case 'too_big': {
      const max = Number(issue.maximum);
      if (issue.origin === 'string') return { words: `is at most ${count(max, 'character', 'characters')}`, key: 'validation.maxChars', params: { max } };
      if (issue.origin === 'array' || issue.origin === 'set') return { words: `has at most ${count(max, 'entry', 'entries')}`, key: 'validation.maxEntries', params: { max } };
      if (issue.origin === 'number' || issue.origin === 'int' || issue.origin === 'bigint') {
        return issue.inclusive === false
          ? { words: `must be less than ${max}`, key: 'validation.lessThan', params: { max } }
          : { words: `must be at most ${max}`, key: 'validation.atMost', params: { max } };
      }
      return { words: 'is too large', key: 'validation.tooLarge' };
    }
    case 'invalid_format': {
      const pattern = 'pattern' in issue ? String(issue.pattern ?? '') : '';
      if (issue.format === 'date' || issue.format === 'datetime' || pattern.includes('\\d{4}-\\d{2}-\\d{2}')) return { words: 'must be a date like 1957-03-12', key: 'validation.mustBeDate' };
      if (issue.format === 'email') return { words: 'must be an email address', key: 'validation.mustBeEmail' };
      return { words: 'is not in the expected form', key: 'validation.badFormat' };
    }
    case 'invalid_value': {
      if (issue.values.length > 6) return { words: 'is not one of the allowed choices', key: 'validation.notAllowedChoice' };
      const values = issue.values.map(String).join(', ');
      return { words: `must be one of: ${values}`, key: 'validation.oneOf', params: { values } };
    }
    case 'not_multiple_of':
      return { words: `must be a multiple of ${String(issue.divisor)}`, key: 'validation.multipleOf', params: { divisor: String(issue.divisor) } };
    case 'unrecognized_keys': {
      const names = issue.keys.map((k) => fieldLabel([k]) ?? k).join(', ');
      return issue.keys.length === 1
        ? { words: `has a field CareLens does not expect: ${names}`, key: 'validation.unexpectedField', params: { names } }
        : { words: `has fields CareLens does not expect: ${names}`, key: 'validation.unexpectedFields', params: { names } };
    }
    default:
      return { words: 'is not filled in correctly', key: 'validation.notFilledIn' };
  }
}

/**
 * The field an issue is about, as message parameters the renderer translates through the
 * catalogue's `validation.fields` map: `field` is the last named key of the path ('' for the
 * form as a whole), `item` the 1-based list position when the path ends in one.
 */
function fieldParams(path: readonly PropertyKey[]): { field: string; item?: number } {
  return fieldOfPath(path.map((p) => (typeof p === 'symbol' ? '' : String(p)))) ?? { field: '' };
}

interface Worded {
  /** The English sentence, as today. */
  text: string;
  key?: string;
  params?: MessageParams;
}

/** A schema's own message ("Name is required"), keyed when the catalogue knows it. */
function customWords(custom: string): Worded {
  const key = customMessageKey(custom);
  return key ? { text: custom, key } : { text: custom };
}

/** One issue as a sentence that names its field: "Birth date must be a date like 1957-03-12". */
function sentence(issue: Issue, input: unknown): Worded {
  const label = fieldLabel(issue.path.map((p) => (typeof p === 'symbol' ? '' : p)));
  const custom = issue.message && !ZOD_DEFAULT.test(issue.message) ? issue.message : null;
  if (custom) {
    // A schema's own message ("Name is required") usually names its field already. (The
    // renderer words these from the issues, label and all, in the active language.)
    if (!label || custom.toLowerCase().includes(label.toLowerCase().split(' (')[0]!)) return { text: custom };
    return { text: `${label}: ${custom[0]!.toLowerCase()}${custom.slice(1)}` };
  }
  const p = problem(issue, input);
  const field = fieldParams(issue.path);
  const plural = !!label && isPlural(label);
  // `count` picks the English verb ("is" / "are") for a plural field name such as "Folders".
  const params: MessageParams = { ...field, ...p.params, count: plural ? 2 : 1 };
  return {
    text: `${label ?? 'The form'} ${plural ? p.words.replace(/^is /, 'are ').replace(/^has /, 'have ') : p.words}`,
    key: p.key,
    params,
  };
}

/** "Folders", "Idle minutes" (but not "Age bands (item 1)", "Sex", "Series"): they take "are". */
function isPlural(label: string): boolean {
  return !label.includes('(') && /[^su]s$/i.test(label);
}

/** Only defined properties, so an issue without a key reads `{ path, message }`. */
function keyed<T extends object>(base: T, w: Worded): T & { key?: string; params?: MessageParams } {
  return { ...base, ...(w.key ? { key: w.key } : {}), ...(w.key && w.params ? { params: w.params } : {}) };
}

/**
 * A refused input in a clinician's words: one message naming each field and what to fix
 * ("Check the form: Name is required; Birth date must be a date like 1957-03-12"), and the
 * issues with their paths (the form puts each message beside its field). Each issue carries a
 * `validation.*` key with its field as a parameter; the summary's key is `validation.checkForm`
 * (`validation.checkFormMore` past five problems), whose problems the renderer words from the
 * issues in the active language.
 */
export function validationWords(issues: readonly Issue[], input: unknown): { message: string; issues: FieldIssue[]; key: string; params?: MessageParams } {
  const fieldIssues = issues.map((issue) => {
    const custom = issue.message && !ZOD_DEFAULT.test(issue.message) ? issue.message : null;
    const base = { path: issue.path.map(String).join('.') };
    if (custom) return keyed({ ...base, message: custom }, customWords(custom));
    const s = sentence(issue, input);
    return keyed({ ...base, message: s.text }, s);
  });
  const named = [...new Set(issues.map((issue) => sentence(issue, input).text))];
  const shown = named.slice(0, MAX_NAMED).join('; ');
  const extra = named.length - MAX_NAMED;
  const more = extra > 0 ? `; and ${count(extra, 'more problem', 'more problems')}` : '';
  return {
    message: `Check the form: ${shown || 'something is not filled in correctly'}${more}.`,
    issues: fieldIssues,
    key: extra > 0 ? 'validation.checkFormMore' : 'validation.checkForm',
    ...(extra > 0 ? { params: { count: extra } } : {}),
  };
}
