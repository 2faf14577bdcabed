import { describe, expect, it } from 'vitest';
import { formatDate, formatDateTime } from './format';

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
