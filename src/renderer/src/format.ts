/**
 * How the renderer writes clinical values for people: one unambiguous date format (the month
 * as a word: never 03/04/1957, never a raw ISO string), ages, sex in words. Pure functions:
 * any view or component may use them.
 */
import type { Sex } from '../../shared/domain/patient';

const DATE_ONLY = /^(\d{4})-(\d{2})-(\d{2})$/;

/** A calendar date (YYYY-MM-DD, or the date of an ISO timestamp) as e.g. "12 Mar 1957" (the order follows the locale). */
export function formatDate(iso: string | null | undefined, locale?: string): string {
  if (!iso) return '—';
  const m = DATE_ONLY.exec(iso.slice(0, 10));
  if (!m) return iso;
  // A birth date is a calendar date, not an instant: format it in UTC so no time zone moves it a day.
  const date = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return new Intl.DateTimeFormat(locale, { day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC' }).format(date);
}

/**
 * An instant (an ISO timestamp: audit rows, imports, exports, reviews) in the user's own time
 * zone and locale, e.g. "12 Mar 2026, 14:05": the same month-as-a-word format as formatDate,
 * never raw ISO or a trailing "Z". `seconds` for the audit trail, where order within a minute matters.
 */
export function formatDateTime(iso: string | null | undefined, options: { seconds?: boolean; locale?: string } = {}): string {
  if (!iso) return '—';
  const at = Date.parse(iso);
  if (Number.isNaN(at)) return iso;
  return new Intl.DateTimeFormat(options.locale, {
    day: 'numeric',
    month: 'short',
    year: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    ...(options.seconds ? { second: '2-digit' } : {}),
  }).format(new Date(at));
}

/** Whole years from a birth date (YYYY-MM-DD) to `today` (local calendar); null when unknown or in the future. */
export function ageInYears(birthDate: string | null | undefined, today: Date = new Date()): number | null {
  const m = birthDate ? DATE_ONLY.exec(birthDate) : null;
  if (!m) return null;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  let years = today.getFullYear() - y;
  if (today.getMonth() + 1 < mo || (today.getMonth() + 1 === mo && today.getDate() < d)) years--;
  return years < 0 ? null : years;
}

/** An age for a banner: "67 years", "1 year"; under one year old, whole months ("3 months"). */
export function formatAge(birthDate: string | null | undefined, today: Date = new Date()): string {
  const years = ageInYears(birthDate, today);
  if (years === null) return 'age unknown';
  if (years >= 1) return `${years} year${years === 1 ? '' : 's'}`;
  const m = DATE_ONLY.exec(birthDate!)!;
  let months = (today.getFullYear() - Number(m[1])) * 12 + today.getMonth() + 1 - Number(m[2]);
  if (today.getDate() < Number(m[3])) months--;
  return `${months} month${months === 1 ? '' : 's'}`;
}

const SEX_WORDS: Record<Sex, string> = { F: 'Female', M: 'Male', O: 'Other', U: 'Unknown' };

/** The registered sex in words ("Female"), never a bare letter. */
export function sexInWords(sex: string): string {
  return SEX_WORDS[sex as Sex] ?? 'Unknown';
}
