/**
 * The one CSV writer (RFC 4180) every export uses: audit trail, labels, reports, care plans.
 * Pure TypeScript so the CLI, the main process and the renderer can share it.
 */

export type CsvValue = string | number | boolean | null | undefined;

export interface CsvOptions {
  /**
   * Prefix an apostrophe to text a spreadsheet would run as a formula (a leading = + - @,
   * tab or CR: OWASP "CSV injection"). On by default; off only for files CareLens itself
   * reads back (the care-plan catalogue), where the apostrophe would become part of the value.
   */
  defuseFormulas?: boolean;
}

/**
 * One cell: empty for null/undefined (and non-finite numbers), numbers as they are (so a
 * negative number stays a number), text quoted when it holds a quote, comma, line break or
 * leading/trailing white space.
 */
export function csvCell(value: CsvValue, options: CsvOptions = {}): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  let s = value;
  if (options.defuseFormulas !== false && /^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) || /^\s|\s$/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** One row, cells joined by commas, without a line ending. */
export function csvRow(cells: readonly CsvValue[], options: CsvOptions = {}): string {
  return cells.map((c) => csvCell(c, options)).join(',');
}

/** A whole table: header and rows, each row ended by `eol` (CRLF by default, as RFC 4180 says). */
export function toCsv(header: readonly string[], rows: readonly (readonly CsvValue[])[], options: CsvOptions & { eol?: '\r\n' | '\n' } = {}): string {
  const eol = options.eol ?? '\r\n';
  return [header, ...rows].map((r) => csvRow(r, options) + eol).join('');
}
