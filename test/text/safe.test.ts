import { describe, expect, it } from 'vitest';
import { safeForTerminal, safeLine, safeLines } from '../../src/text/safe.ts';

const ESC = '\u001b';
const BEL = '\u0007';

/** [what, input, safeLine, safeLines, safeForTerminal] */
const CASES: Array<[string, string, string, string, string]> = [
  ['plain text', 'Palmyra, again', 'Palmyra, again', 'Palmyra, again', 'Palmyra, again'],
  ['a tab', 'a\tb', 'a b', 'a\tb', 'a\\u{9}b'],
  [
    'CRLF, lone CR, LF',
    'one\r\ntwo\rthree\nfour',
    'one two three four',
    'one\ntwo\nthree\nfour',
    'one\\u{d}\\u{a}two\\u{d}three\\u{a}four',
  ],
  ['Unicode line and paragraph separators', 'a\u2028b\u2029c', 'a b c', 'a\nb\nc', 'a\u2028b\u2029c'],
  [
    'a screen clear with a fake verdict',
    `${ESC}[2J${ESC}[32mALL GOOD`,
    '[2J[32mALL GOOD',
    '[2J[32mALL GOOD',
    '\\u{1b}[2J\\u{1b}[32mALL GOOD',
  ],
  [
    'an OSC 8 link',
    `${ESC}]8;;http://evil.example/${BEL}click`,
    ']8;;http://evil.example/click',
    ']8;;http://evil.example/click',
    '\\u{1b}]8;;http://evil.example/\\u{7}click',
  ],
  ['a C1 CSI', '\u009b2J', '2J', '2J', '\\u{9b}2J'],
  ['NUL and DEL', 'a\u0000b\u007fc', 'abc', 'abc', 'a\\u{0}b\\u{7f}c'],
  ['a bidi override', '\u202egnp.exe', 'gnp.exe', 'gnp.exe', '\\u{202e}gnp.exe'],
  ['bidi isolates', '\u2066x\u2069', 'x', 'x', '\\u{2066}x\\u{2069}'],
  ['bidi marks (LRM, RLM, ALM)', 'a\u200eb\u200fc\u061cd', 'abcd', 'abcd', 'a\\u{200e}b\\u{200f}c\\u{61c}d'],
  ['right-to-left text without controls stays', 'مرحبا שלום', 'مرحبا שלום', 'مرحبا שלום', 'مرحبا שלום'],
];

describe('safe text', () => {
  it.each(CASES)('%s', (_what, input, line, lines, terminal) => {
    expect(safeLine(input)).toBe(line);
    expect(safeLines(input)).toBe(lines);
    expect(safeForTerminal(input)).toBe(terminal);
  });

  it('takes any value, null and undefined as empty', () => {
    expect(safeLine(undefined)).toBe('');
    expect(safeLines(null)).toBe('');
    expect(safeLine(42)).toBe('42');
  });

  it('is linear: a megabyte of escape sequences in one pass', () => {
    const big = `${ESC}[`.repeat(500_000);
    expect(safeLine(big)).toBe('['.repeat(500_000));
    expect(safeForTerminal(big)).toBe('\\u{1b}['.repeat(500_000));
  });
});
