import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { htmlLineText, markupText, scanMarkupText, scanUtf8MarkupText } from '../../src/text/html-text.ts';

/** [what, html, markupText, htmlLineText] */
const CASES: Array<[string, string, string, string]> = [
  ['paragraphs are lines', '<p>one</p><p>two</p>', 'one\ntwo', 'one two'],
  ['inline tags join words', 'wo<b>rd</b>s', 'words', 'words'],
  ['a line break', 'a<br>b', 'a\nb', 'a b'],
  ['entities decoded', '&lt;b&gt; &amp; &#x263A; &eacute;', '<b> & ☺ é', '<b> & ☺ é'],
  [
    'scripts, styles and the head say nothing',
    '<head><title>t</title></head><script>alert(1)</script><style>p{}</style><p>text</p>',
    'text',
    'text',
  ],
  ['comments say nothing', 'a<!-- <p>hidden</p> -->b', 'ab', 'ab'],
  ['a stray < is text', 'a < b', 'a < b', 'a < b'],
  ['an unclosed script hides the rest', 'a<script>b', 'a', 'a'],
  ['whitespace runs collapse', '<p>  a \t b  </p>\n\n<p>c</p>', 'a b\nc', 'a b c'],
  ['SVG is drawing, not text', '<svg><text>label</text></svg>after', 'after', 'after'],
];

describe('HTML to text', () => {
  it.each(CASES)('%s', (_what, html, text, line) => {
    expect(markupText(html)).toBe(text);
    expect(htmlLineText(html)).toBe(line);
    // The fast scanner finds the same words.
    expect(scanMarkupText(html).split(/\s+/).filter(Boolean)).toEqual(text.split(/\s+/).filter(Boolean));
    expect(scanUtf8MarkupText(Buffer.from(html))).toBe(scanMarkupText(html));
  });

  it('scans UTF-8 bytes to the text it finds in the decoded page, whatever the page holds', () => {
    // Markup, entities (named, numeric, broken, of surrogates) and text in any script, in any order.
    const piece = fc.oneof(
      fc.string({ unit: 'grapheme' }),
      fc.string({ unit: 'binary' }),
      fc.constantFrom(
        '<p>',
        '</p>',
        '<b>',
        '</b>',
        '<br/>',
        '<!-- c -->',
        '<script>x<y</script>',
        '<title>é</title>',
      ),
      fc.constantFrom('<a href="x>y" title=\'’\'>', '<svg><text>t</text></svg>', '< ', '</ >', '<!x>', '<'),
      fc.constantFrom(
        '&amp;',
        '&eacute;',
        '&#x263A;',
        '&#xD800;',
        '&#128512;',
        '&notit;',
        '&',
        '&#;',
        '&rsquo',
      ),
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 40 }), (pieces) => {
        const bytes = Buffer.from(pieces.join(''));
        expect(scanUtf8MarkupText(bytes)).toBe(scanMarkupText(bytes.toString('utf8')));
      }),
      { numRuns: 2000 },
    );
  });

  it('reads tag names in any case, and only the names it knows as what they are', () => {
    expect(scanMarkupText('<DIV>a</DIV><Div>b</dIV>c<SCRIPT>x</Script>d<StYlE>p{}</STYLE>e')).toBe(
      '\na\n\nb\ncde',
    );
    // Names that begin as known ones do, and names built to hash as `script` and `p` do in the scan
    // (it classifies a tag by a hash of its name): content kept, no line break.
    expect(scanMarkupText('<pre>a</pre><prefix>b</prefix><br><bread>c</bread>')).toBe('\na\nb\nc');
    expect(scanMarkupText('x<cypxooi>kept</cypxooi>y<ovxrklr>z</ovxrklr>')).toBe('xkeptyz');
  });

  it('bounds what it keeps, and stays linear on hostile markup', () => {
    expect(markupText('<p>abcdef</p>', { maxChars: 3 })).toBe('abc');
    expect(scanMarkupText('abcdef', { maxChars: 3 })).toBe('abc');
    const hostile = '<a b="'.repeat(200_000);
    expect(scanMarkupText(hostile)).toBe('');
    expect(markupText('<p>'.repeat(200_000) + 'x')).toBe('x');
  });
});
