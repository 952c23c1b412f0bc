import { describe, expect, it } from 'vitest';
import { feedUri, rssPlainText, xmlAttribute, xmlSafe, xmlText } from '../../src/feed/text.ts';

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
    expect(rssPlainText('AT&T <b>')).toBe('AT&#x26;T &#x3C;b&gt;');
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
  ] as const)('%s as %s', (url, kind, expected) => {
    expect(feedUri(url, kind)).toBe(expected);
  });
});
