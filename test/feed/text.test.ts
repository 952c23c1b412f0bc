import { describe, expect, it } from 'vitest';
import { feedUri, xmlHtml } from '../../src/feed/text.ts';
import { validUnicode, xmlAttribute, xmlPlainText, xmlSafe, xmlText } from '../../src/text/xml.ts';

describe('XML text', () => {
  it.each([
    ['tab, newline and carriage return stay', 'a\tb\nc\rd', 'a\tb\nc\rd'],
    ['C0 controls go', 'a\u0000b\u0001c\u001Fd\u000Be\u000Cf', 'abcdef'],
    ['DEL, C1 controls and U+FFFD go', 'a\u007Fb\u0085c\u009Fd\uFFFDe', 'abcde'],
    ['non-characters XML forbids go', 'a\uFFFEb\uFFFFc', 'abc'],
    ['lone surrogates go, pairs stay', 'a\uD800b\uDC00c🕊️d\uD83D', 'abc🕊️d'],
    ['right-to-left marks and text stay', '\u200Fשלום \u202Bمرحبا\u202C', '\u200Fשלום \u202Bمرحبا\u202C'],
  ])('%s', (_name, input, output) => {
    expect(xmlSafe(input)).toBe(output);
  });

  it('escapes for element text, attributes and RSS plain text', () => {
    expect(xmlText('a & b < c > d ]]> \r\n')).toBe('a &amp; b &lt; c &gt; d ]]&gt; &#13;\n');
    expect(xmlAttribute('"a" & <b>\t\n\r')).toBe('&quot;a&quot; &amp; &lt;b&gt;&#9;&#10;&#13;');
    expect(xmlPlainText('AT&T <b>')).toBe('AT&#x26;T &#x3C;b&gt;');
  });
});

describe('text every format carries (validUnicode)', () => {
  it.each([
    ['a lone high or low surrogate becomes U+FFFD', 'a\uD800b\uDC00c', 'a\uFFFDb\uFFFDc'],
    ['two low surrogates are two replacements, not a pair', '\uDFFF\uDC00', '\uFFFD\uFFFD'],
    ['pairs stay', '🕊️\u{1F600}', '🕊️\u{1F600}'],
    ['noncharacters go, in every plane', 'a\uFDD0b\uFDEFc\uFFFEd\u{1FFFE}e\u{10FFFF}f', 'abcdef'],
    ['C0 controls but tab, LF and CR go; DEL and C1 too', 'a\u0000\u0001\t\n\r\u007F\u0085b', 'a\t\n\rb'],
    ['U+FFFD stays (it is text)', 'a\uFFFDb', 'a\uFFFDb'],
  ])('%s', (_name, input, output) => {
    expect(validUnicode(input)).toBe(output);
  });

  it('carries U+FFFD in XML only as an HTML reference, inside HTML', () => {
    expect(xmlHtml('<p>a\uD800b\uFFFDc</p>')).toBe('&lt;p&gt;a&amp;#xFFFD;b&amp;#xFFFD;c&lt;/p&gt;');
    expect(xmlSafe('a\uD800b\uFFFDc')).toBe('abc');
  });
});

describe('feed URIs', () => {
  it.each([
    ['https://northwind.example/a?x=1&y=2#f', 'uri', 'https://northwind.example/a?x=1&y=2#f'],
    ['HTTPS://Northwind.example/A', 'uri', 'HTTPS://Northwind.example/A'],
    ['https://northwind.example/café', 'uri', 'https://northwind.example/caf%C3%A9'],
    ['https://northwind.example/café', 'iri', 'https://northwind.example/café'],
    ['https://northwind.example/a b', 'iri', 'https://northwind.example/a%20b'],
    ['https://northwind.example/"q"', 'uri', 'https://northwind.example/%22q%22'],
    ['https://northwind.example/a[1]|b^c{d}', 'uri', 'https://northwind.example/a%5B1%5D%7Cb%5Ec%7Bd%7D'],
    ['https://northwind.example/a[1]', 'iri', 'https://northwind.example/a%5B1%5D'],
    ['https://northwind.example/100%', 'uri', 'https://northwind.example/100%25'],
    ['https://northwind.example/a%20b', 'uri', 'https://northwind.example/a%20b'],
    ['https://northwind.example/a#b#c', 'uri', 'https://northwind.example/a#b%23c'],
    ['https://northwind.example/\uD800', 'iri', 'https://northwind.example/%EF%BF%BD'],
    ['https://northwind.example/\uFFFD\uE000', 'iri', 'https://northwind.example/%EF%BF%BD%EE%80%80'],
    ['https://[::1]:8080/a b', 'uri', 'https://[::1]:8080/a%20b'],
  ] as const)('%s as %s', (url, kind, expected) => {
    expect(feedUri(url, kind)).toBe(expected);
  });
});
