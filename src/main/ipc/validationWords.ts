import type { z } from 'zod';
import type { FieldIssue } from '../../shared/ipc/envelope';
import { fieldLabel } from '../../shared/ipc/fields';

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

/** What is wrong, as words that follow the field's name ("must be a number"). */
function problemWords(issue: Issue, input: unknown): string {
  switch (issue.code) {
    case 'invalid_type': {
      if (valueAt(input, issue.path) === undefined) return 'is required';
      const expected = String(issue.expected);
      if (expected === 'string') return 'must be text';
      if (expected === 'number' || expected === 'bigint') return 'must be a number';
      if (expected === 'int') return 'must be a whole number';
      if (expected === 'boolean') return 'must be yes or no';
      if (expected === 'array') return 'must be a list';
      return 'is not filled in correctly';
    }
    case 'too_small': {
      const min = Number(issue.minimum);
      if (issue.origin === 'string') return min <= 1 ? 'is required' : `needs at least ${count(min, 'character', 'characters')}`;
      if (issue.origin === 'array' || issue.origin === 'set') return min <= 1 ? 'needs at least one entry' : `needs at least ${count(min, 'entry', 'entries')}`;
      if (issue.origin === 'number' || issue.origin === 'int' || issue.origin === 'bigint') return issue.inclusive === false ? `must be more than ${min}` : `must be at least ${min}`;
      return 'is too small';
    }
    case 'too_big': {
      const max = Number(issue.maximum);
      if (issue.origin === 'string') return `is at most ${count(max, 'character', 'characters')}`;
      if (issue.origin === 'array' || issue.origin === 'set') return `has at most ${count(max, 'entry', 'entries')}`;
      if (issue.origin === 'number' || issue.origin === 'int' || issue.origin === 'bigint') return issue.inclusive === false ? `must be less than ${max}` : `must be at most ${max}`;
      return 'is too large';
    }
    case 'invalid_format': {
      const pattern = 'pattern' in issue ? String(issue.pattern ?? '') : '';
      if (issue.format === 'date' || issue.format === 'datetime' || pattern.includes('\\d{4}-\\d{2}-\\d{2}')) return 'must be a date like 1957-03-12';
      if (issue.format === 'email') return 'must be an email address';
      return 'is not in the expected form';
    }
    case 'invalid_value':
      return issue.values.length <= 6 ? `must be one of: ${issue.values.map(String).join(', ')}` : 'is not one of the allowed choices';
    case 'not_multiple_of':
      return `must be a multiple of ${String(issue.divisor)}`;
    case 'unrecognized_keys':
      return `has ${issue.keys.length === 1 ? 'a field' : 'fields'} CareLens does not expect: ${issue.keys.map((k) => fieldLabel([k]) ?? k).join(', ')}`;
    default:
      return 'is not filled in correctly';
  }
}

/** One issue as a sentence that names its field: "Birth date must be a date like 1957-03-12". */
function sentence(issue: Issue, input: unknown): string {
  const label = fieldLabel(issue.path.map((p) => (typeof p === 'symbol' ? '' : p)));
  const custom = issue.message && !ZOD_DEFAULT.test(issue.message) ? issue.message : null;
  if (custom) {
    // A schema's own message ("Name is required") usually names its field already.
    if (!label || custom.toLowerCase().includes(label.toLowerCase().split(' (')[0]!)) return custom;
    return `${label}: ${custom[0]!.toLowerCase()}${custom.slice(1)}`;
  }
  const words = problemWords(issue, input);
  return `${label ?? 'The form'} ${label && isPlural(label) ? words.replace(/^is /, 'are ').replace(/^has /, 'have ') : words}`;
}

/** "Folders", "Idle minutes" (but not "Age bands (item 1)", "Sex", "Series"): they take "are". */
function isPlural(label: string): boolean {
  return !label.includes('(') && /[^su]s$/i.test(label);
}

/**
 * A refused input in a clinician's words: one message naming each field and what to fix
 * ("Check the form: Name is required; Birth date must be a date like 1957-03-12"), and the
 * issues with their paths (the form puts each message beside its field).
 */
export function validationWords(issues: readonly Issue[], input: unknown): { message: string; issues: FieldIssue[] } {
  const fieldIssues = issues.map((issue) => ({
    path: issue.path.map(String).join('.'),
    message: issue.message && !ZOD_DEFAULT.test(issue.message) ? issue.message : sentence(issue, input),
  }));
  const named = [...new Set(issues.map((issue) => sentence(issue, input)))];
  const shown = named.slice(0, MAX_NAMED).join('; ');
  const more = named.length > MAX_NAMED ? `; and ${count(named.length - MAX_NAMED, 'more problem', 'more problems')}` : '';
  return { message: `Check the form: ${shown || 'something is not filled in correctly'}${more}.`, issues: fieldIssues };
}
