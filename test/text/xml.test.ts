import { SaxesParser } from 'saxes';
import { describe, expect, it } from 'vitest';
import { validUnicode, xmlAttribute, xmlPlainText, xmlSafe, xmlText } from '../../src/text/xml.ts';

/** What a strict XML parser reads back from `<e a="…">…</e>`. */
function readBack(attribute: string, text: string): { attribute: string; text: string } {
  const parser = new SaxesParser();
  const seen = { attribute: '', text: '' };
  parser.on('opentag', (tag) => {
    seen.attribute = String(tag.attributes.a ?? '');
  });
  parser.on('text', (value) => {
    seen.text += value;
  });
  parser.write(`<e a="${attribute}">${text}</e>`).close();
  return seen;
}

/** [what, input, validUnicode, xmlSafe] */
const CASES: Array<[string, string, string, string]> = [
  ['plain text', 'Palmyra & Aleppo', 'Palmyra & Aleppo', 'Palmyra & Aleppo'],
  ['a lone high surrogate', 'a\uD800b', 'a\uFFFDb', 'ab'],
  ['a lone low surrogate', 'a\uDC00b', 'a\uFFFDb', 'ab'],
  ['a real pair stays', 'dove 🕊️', 'dove 🕊️', 'dove 🕊️'],
  ['noncharacters', 'a\uFFFEb\uFDD0c\u{10FFFF}', 'abc', 'abc'],
  ['C0 controls but tab, LF, CR', 'a\u0000\u0001\u001b\t\n\rb', 'a\t\n\rb', 'a\t\n\rb'],
  ['DEL and C1 controls', 'a\u007f\u0085\u009bb', 'ab', 'ab'],
  [
    'markup is text here',
    '<script>alert(1)</script>',
    '<script>alert(1)</script>',
    '<script>alert(1)</script>',
  ],
  ['a CDATA end', ']]>', ']]>', ']]>'],
];

describe('validUnicode and xmlSafe', () => {
  it.each(CASES)('%s', (_what, input, valid, safe) => {
    expect(validUnicode(input)).toBe(valid);
    expect(xmlSafe(input)).toBe(safe);
  });
});

describe('xmlText, xmlAttribute and xmlPlainText', () => {
  it.each(CASES)('%s: a strict XML parser reads back the safe text', (_what, input, _valid, safe) => {
    const back = readBack(xmlAttribute(input), xmlText(input));
    expect(back.text).toBe(safe);
    // Tabs and line breaks in an attribute survive as references (a parser would make them spaces).
    expect(back.attribute).toBe(safe);
    expect(readBack('', xmlPlainText(input)).text).toBe(safe);
  });

  it('writes the references each place needs', () => {
    expect(xmlText('a & <b> \r')).toBe('a &amp; &lt;b&gt; &#13;');
    expect(xmlAttribute('"\t\n')).toBe('&quot;&#9;&#10;');
    expect(xmlPlainText('AT&T <b>')).toBe('AT&#x26;T &#x3C;b&gt;');
  });
});
