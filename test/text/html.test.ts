import { parseFragment } from 'parse5';
import { describe, expect, it } from 'vitest';
import { escapeHtml, htmlLink, safeHref, textToHtml } from '../../src/text/html.ts';

/** The text a real HTML parser reads back from a fragment (what a browser would show). */
function textOf(html: string): string {
  const fragment = parseFragment(html);
  const walk = (node: { nodeName: string; value?: string; childNodes?: unknown[] }): string =>
    node.nodeName === '#text'
      ? node.value!
      : (node.childNodes ?? []).map((child) => walk(child as never)).join('');
  return walk(fragment as never);
}

/** [what, input, escaped] */
const CASES: Array<[string, unknown, string]> = [
  ['plain text', 'Palmyra, again', 'Palmyra, again'],
  ['a script tag', '<script>alert(1)</script>', '&lt;script&gt;alert(1)&lt;/script&gt;'],
  ['an attribute break-out', '" onmouseover="alert(1)', '&quot; onmouseover=&quot;alert(1)'],
  ['a single-quoted break-out', "' autofocus onfocus='x", '&#39; autofocus onfocus=&#39;x'],
  ['a backquote (old browsers quoted attributes with it)', '`x`', '&#96;x&#96;'],
  ['an entity stays text', '&amp; &lt;', '&amp;amp; &amp;lt;'],
  ['control characters go', 'a\u001b[2Jb\u0000c', 'a[2Jbc'],
  ['a bidi override goes', '\u202eevil', 'evil'],
  ['line breaks are kept as LF', 'a\r\nb', 'a\nb'],
  ['a number', 42, '42'],
  ['undefined', undefined, ''],
];

describe('escapeHtml', () => {
  it.each(CASES)('%s', (_what, input, escaped) => {
    expect(escapeHtml(input)).toBe(escaped);
  });

  it('reads back, in text and in a quoted attribute, as the safe text, with no element made', () => {
    for (const [, input] of CASES) {
      const expected = escapeHtml(input)
        .replaceAll('&lt;', '<')
        .replaceAll('&gt;', '>')
        .replaceAll('&quot;', '"')
        .replaceAll('&#39;', "'")
        .replaceAll('&#96;', '`')
        .replaceAll('&amp;', '&');
      expect(textOf(`<p>${escapeHtml(input)}</p>`)).toBe(expected);
      const element = parseFragment(`<a title="${escapeHtml(input)}" class='${escapeHtml(input)}'>x</a>`)
        .childNodes[0] as { attrs: Array<{ name: string; value: string }> };
      expect(element.attrs.map((attribute) => attribute.name)).toEqual(['title', 'class']);
      expect(element.attrs[0]!.value).toBe(expected);
    }
  });
});

describe('safeHref and htmlLink', () => {
  it.each([
    ['https://peaceblog.example/a b', 'https://peaceblog.example/a%20b'],
    ['http://peaceblog.example/', 'http://peaceblog.example/'],
    ['javascript:alert(1)', undefined],
    [' JaVaScRiPt:alert(1)', undefined],
    ['data:text/html,<script>x</script>', undefined],
    ['/relative', undefined],
    [42, undefined],
  ])('safeHref(%j)', (input, href) => {
    expect(safeHref(input)).toBe(href);
  });

  it('links http(s) only, and shows anything else as text', () => {
    expect(htmlLink('https://a.example/?q="x"', '<b>t</b>')).toBe(
      '<a href="https://a.example/?q=%22x%22" rel="noopener noreferrer nofollow">&lt;b&gt;t&lt;/b&gt;</a>',
    );
    expect(htmlLink('javascript:alert(1)')).toBe('<span class="url">javascript:alert(1)</span>');
  });
});

describe('textToHtml', () => {
  it.each([
    ['one paragraph', 'Hello', '<p>Hello</p>'],
    ['paragraphs at blank lines', 'one\n\ntwo\r\n\r\nthree', '<p>one</p>\n<p>two</p>\n<p>three</p>'],
    ['markup stays text', '<img src=x onerror=alert(1)>', '<p>&lt;img src=x onerror=alert(1)&gt;</p>'],
    ['nothing but space', ' \n\n ', ''],
  ])('%s', (_what, input, html) => {
    expect(textToHtml(input)).toBe(html);
  });
});
