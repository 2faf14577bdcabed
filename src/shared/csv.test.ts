import { describe, expect, it } from 'vitest';
import { csvCell, csvRow, toCsv, undefuseFormula } from './csv';

describe('the CSV writer', () => {
  it('quotes what RFC 4180 needs quoted and leaves the rest', () => {
    expect(csvCell('plain')).toBe('plain');
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell('two\nlines')).toBe('"two\nlines"');
    expect(csvCell(' padded ')).toBe('" padded "');
    expect(csvCell('王小东')).toBe('王小东');
  });

  it('writes empties, numbers and booleans as values', () => {
    expect(csvCell(null)).toBe('');
    expect(csvCell(undefined)).toBe('');
    expect(csvCell(Number.NaN)).toBe('');
    expect(csvCell(-2.5)).toBe('-2.5');
    expect(csvCell(true)).toBe('true');
  });

  it('defuses formulas unless told the file is read back by CareLens', () => {
    expect(csvCell('=HYPERLINK("x")')).toBe('"\'=HYPERLINK(""x"")"');
    expect(csvCell('+1')).toBe("'+1");
    expect(csvCell('@SUM(A1)')).toBe("'@SUM(A1)");
    expect(csvCell('-x')).toBe("'-x");
    expect(csvCell('\tcmd')).toBe("'\tcmd");
    expect(undefuseFormula("'=HYPERLINK(1)")).toBe('=HYPERLINK(1)');
    expect(undefuseFormula("'plain")).toBe("'plain");
  });

  it('joins rows and tables with the line ending asked for', () => {
    expect(csvRow(['a', 1, null])).toBe('a,1,');
    expect(toCsv(['h1', 'h2'], [['a', 'b']])).toBe('h1,h2\r\na,b\r\n');
    expect(toCsv(['h'], [['x']], { eol: '\n' })).toBe('h\nx\n');
  });
});
