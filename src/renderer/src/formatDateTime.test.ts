import { afterEach, describe, expect, it } from 'vitest';
import { formatAge, formatDate, formatDateTime, formatNumber, formatPercent, sexInWords } from './format';
import { setLocale } from './i18n';

describe('formatDateTime: one date-and-time format, never raw ISO', () => {
  it('writes an instant in the local time zone with the month as a word, like formatDate', () => {
    const iso = '2026-03-12T14:05:09.123Z';
    const local = new Date(iso);
    const text = formatDateTime(iso, { locale: 'en-GB' });
    expect(text).not.toMatch(/T\d{2}:|Z\b|\d{4}-\d{2}-\d{2}/);
    expect(text).toContain(formatDate(`${local.getFullYear()}-${String(local.getMonth() + 1).padStart(2, '0')}-${String(local.getDate()).padStart(2, '0')}`, 'en-GB'));
    expect(text).toContain(`${String(local.getHours()).padStart(2, '0')}:${String(local.getMinutes()).padStart(2, '0')}`);
    expect(text).not.toContain(':09');
    expect(formatDateTime(iso, { locale: 'en-GB', seconds: true })).toContain(':09');
  });

  it('says "—" for nothing and leaves text that is no time alone', () => {
    expect(formatDateTime(null)).toBe('—');
    expect(formatDateTime('not a time')).toBe('not a time');
  });
});

describe('dates, numbers, ages and sex follow the interface language', () => {
  afterEach(() => setLocale('en'));

  it('English writes dates en-GB style, Chinese as a CJK date', () => {
    setLocale('en');
    expect(formatDate('1957-03-12')).toBe('12 Mar 1957');
    setLocale('zh-CN');
    expect(formatDate('1957-03-12')).toBe('1957年3月12日');
    const text = formatDateTime('2026-03-12T14:05:09.123Z');
    expect(text).toMatch(/^2026年3月1[23]日 \d{2}:05$/);
    expect(text).not.toMatch(/[A-Za-z]/);
  });

  it('numbers and percentages use the locale; ages and sex are words of the language', () => {
    setLocale('en');
    expect(formatNumber(12345.678, 1)).toBe('12,345.7');
    expect(formatPercent(0.935, 1)).toBe('93.5%');
    const on = new Date(2026, 2, 12);
    expect(formatAge('1957-03-12', on)).toBe('69 years');
    expect(formatAge('2025-03-12', on)).toBe('1 year');
    expect(formatAge('2025-12-01', on)).toBe('3 months');
    expect(formatAge(null)).toBe('age unknown');
    expect(sexInWords('M')).toBe('Male');
    setLocale('zh-CN');
    expect(formatNumber(12345.678, 1)).toBe('12,345.7');
    expect(formatPercent(0.935, 1)).toBe('93.5%');
    expect(formatAge('1957-03-12', on)).toBe('69岁');
    expect(formatAge('2025-03-12', on)).toBe('1岁');
    expect(formatAge('2025-12-01', on)).toBe('3个月');
    expect(formatAge(null)).toBe('年龄未知');
    expect(sexInWords('M')).toBe('男');
    expect(sexInWords('F')).toBe('女');
    expect(sexInWords('O')).toBe('其他');
    expect(sexInWords('?')).toBe('未知');
  });
});
