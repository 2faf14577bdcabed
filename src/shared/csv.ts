/**
 * The one CSV writer (RFC 4180) every export uses: audit trail, labels, reports, care plans.
 * Pure TypeScript so the CLI, the main process and the renderer can share it.
 */

export type CsvValue = string | number | boolean | null | undefined;

/**
 * Every writer defuses formulas: text a spreadsheet would run (a leading = + - @, tab or CR:
 * OWASP "CSV injection") gets an apostrophe in front. There is no way to turn it off: files that
 * CareLens reads back (the care-plan catalogue and outcomes) take it off again on import
 * (`undefuseFormula`), so they survive a round trip and are still safe to open in a spreadsheet.
 */
const FORMULA_START = /^[=+\-@\t\r]/;

/** Whether a spreadsheet would run this text as a formula (or a DDE command). */
export function startsLikeFormula(text: string): boolean {
  return FORMULA_START.test(text);
}

/** The inverse of the writer's defusing, for a cell CareLens reads back: "'=x" -> "=x"; anything else as it is. */
export function undefuseFormula(cell: string): string {
  return cell.startsWith("'") && startsLikeFormula(cell.slice(1)) ? cell.slice(1) : cell;
}

/**
 * One cell: empty for null/undefined (and non-finite numbers), numbers as they are (so a
 * negative number stays a number), text quoted when it holds a quote, comma, line break or
 * leading/trailing white space.
 */
export function csvCell(value: CsvValue): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  let s = value;
  if (startsLikeFormula(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) || /^\s|\s$/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** One row, cells joined by commas, without a line ending. */
export function csvRow(cells: readonly CsvValue[]): string {
  return cells.map((c) => csvCell(c)).join(',');
}

/** A whole table: header and rows, each row ended by `eol` (CRLF by default, as RFC 4180 says). */
export function toCsv(header: readonly string[], rows: readonly (readonly CsvValue[])[], options: { eol?: '\r\n' | '\n' } = {}): string {
  const eol = options.eol ?? '\r\n';
  return [header, ...rows].map((r) => csvRow(r) + eol).join('');
}
