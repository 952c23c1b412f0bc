import { describe, expect, it } from 'vitest';
import { csvCell, csvRow } from '../../src/text/csv.ts';
import { parseCsv } from '../report/_csv.ts';

/** [what, input, cell] */
const CASES: Array<[string, unknown, string]> = [
  ['plain text', 'Palmyra', 'Palmyra'],
  ['a comma', 'a, b', '"a, b"'],
  ['a quote', 'say "hi"', '"say ""hi"""'],
  ['a formula', '=HYPERLINK("http://evil.example","x")', `"'=HYPERLINK(""http://evil.example"",""x"")"`],
  ['a plus', '+1+1', "'+1+1"],
  ['a minus', '-2+3', "'-2+3"],
  ['an at sign', '@SUM(A1)', "'@SUM(A1)"],
  ['a formula after a tab or CR', '\t=1+1', ' =1+1'],
  ['a line break is a space: one record, one line', 'one\r\ntwo', 'one two'],
  ['control characters and bidi overrides go', 'a\u001b[2J\u202eb\u0000', 'a[2Jb'],
  ['undefined and null are empty', undefined, ''],
  ['a number', 3, '3'],
];

describe('csvCell', () => {
  it.each(CASES)('%s', (_what, input, cell) => {
    expect(csvCell(input)).toBe(cell);
  });

  it('a row reads back (RFC 4180) as one record of the cells', () => {
    const values = CASES.map(([, input]) => input);
    const row = csvRow(values);
    expect(row.endsWith('\r\n')).toBe(true);
    expect(row.slice(0, -2)).not.toMatch(/[\r\n]/);
    const records = parseCsv(row);
    expect(records).toHaveLength(1);
    expect(records[0]).toEqual(
      CASES.map(([, , cell]) => (cell.startsWith('"') ? cell.slice(1, -1).replaceAll('""', '"') : cell)),
    );
  });
});
