/**
 * How the renderer writes clinical values for people: one unambiguous date format per interface
 * language (the month as a word or a CJK date: never 03/04/1957, never a raw ISO string), numbers,
 * ages, sex in words. They follow the active locale (`currentLocale()`): English is written
 * en-GB style ("12 Mar 1957"), Chinese as zh-CN ("1957年3月12日"). Any view or component may use them.
 */
import type { Sex } from '../../shared/domain/patient';
import { currentLocale, i18n, type Locale } from './i18n';

/** The Intl locale each interface language writes dates and numbers in: one format per language. */
const INTL_LOCALE: Record<Locale, string> = { en: 'en-GB', 'zh-CN': 'zh-CN' };

/** The Intl locale of the active interface language. */
export function intlLocale(): string {
  return INTL_LOCALE[currentLocale()] ?? 'en-GB';
}

/** A number in the active locale's digits grouping ("12,345", "0.93"); `digits` fixes the decimals. */
export function formatNumber(value: number | null | undefined, digits?: number): string {
  if (value === null || value === undefined || Number.isNaN(value)) return '—';
  const fixed = digits === undefined ? {} : { minimumFractionDigits: digits, maximumFractionDigits: digits };
  return new Intl.NumberFormat(intlLocale(), fixed).format(value);
}

/** A fraction as a percentage in the active locale ("93%", "93.5%"). */
export function formatPercent(fraction: number | null | undefined, digits = 0): string {
  if (fraction === null || fraction === undefined || Number.isNaN(fraction)) return '—';
  return new Intl.NumberFormat(intlLocale(), { style: 'percent', minimumFractionDigits: digits, maximumFractionDigits: digits }).format(fraction);
}

const DATE_ONLY = /^(\d{4})-(\d{2})-(\d{2})$/;

/** A calendar date (YYYY-MM-DD, or the date of an ISO timestamp) as e.g. "12 Mar 1957" (the order follows the locale). */
export function formatDate(iso: string | null | undefined, locale?: string): string {
  if (!iso) return '—';
  const m = DATE_ONLY.exec(iso.slice(0, 10));
  if (!m) return iso;
  // A birth date is a calendar date, not an instant: format it in UTC so no time zone moves it a day.
  const date = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return new Intl.DateTimeFormat(locale ?? intlLocale(), { day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC' }).format(date);
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
  return new Intl.DateTimeFormat(options.locale ?? intlLocale(), {
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

/** An age for a banner: "67 years", "1 year" ("67岁"); under one year old, whole months ("3 months", "3个月"). */
export function formatAge(birthDate: string | null | undefined, today: Date = new Date()): string {
  const { t } = i18n.global;
  const years = ageInYears(birthDate, today);
  if (years === null) return t('format.ageUnknown');
  if (years >= 1) return t('format.years', { n: years }, years);
  const m = DATE_ONLY.exec(birthDate!)!;
  let months = (today.getFullYear() - Number(m[1])) * 12 + today.getMonth() + 1 - Number(m[2]);
  if (today.getDate() < Number(m[3])) months--;
  return t('format.months', { n: months }, months);
}

const SEXES: readonly Sex[] = ['F', 'M', 'O', 'U'];

/** The registered sex in words ("Female", "女"), never a bare letter. */
export function sexInWords(sex: string): string {
  const known = (SEXES as readonly string[]).includes(sex) ? sex : 'U';
  return i18n.global.t(`format.sex.${known}`);
}
