import { marked } from 'marked';
import { describe, expect, it } from 'vitest';
import { escapeMarkdown, markdownCell, markdownLink } from '../../src/text/markdown.ts';

/** [what, input, escaped] */
const CASES: Array<[string, unknown, string]> = [
  ['plain text', 'Palmyra, again', 'Palmyra, again'],
  ['a date and a hyphen stay', '2026-03-07 - a note.', '2026-03-07 - a note.'],
  ['emphasis and a link', '*bold* [x](http://e.example)', '\\*bold\\* \\[x\\](http\\://e.example)'],
  ['raw HTML', '<img src=x onerror=alert(1)>', '\\<img src=x onerror=alert(1)\\>'],
  ['a heading mark at the start', '# Owned', '\\# Owned'],
  ['a list number at the start', '1. first', '1\\. first'],
  ['a quote mark at the start, after spaces', '   > quoted', '\\> quoted'],
  [
    'a bare address',
    'see www.evil.example and https://evil.example',
    'see www\\.evil.example and https\\://evil.example',
  ],
  ['a line break cannot start a block', 'title\n# heading', 'title # heading'],
  ['an entity stays text', '&lt;b&gt;', '\\&lt;b\\&gt;'],
  ['control characters and bidi overrides go', 'a\u001b[2J\u202eb', 'a\\[2Jb'],
];

describe('escapeMarkdown', () => {
  it.each(CASES)('%s', (_what, input, escaped) => {
    expect(escapeMarkdown(input)).toBe(escaped);
  });

  it('renders (GFM) to one paragraph of the text, with no element but the paragraph', () => {
    for (const [, input] of CASES) {
      const html = (marked.parse(escapeMarkdown(input), { async: false, gfm: true }) as string).trim();
      expect(html).toMatch(/^<p>[^<]*<\/p>$/);
    }
  });
});

describe('markdownCell and markdownLink', () => {
  it('keeps a cell in its column', () => {
    expect(markdownCell('a | b')).toBe('a \\| b');
    const table = `| one | two |\n| --- | --- |\n| ${markdownCell('x | <b>y</b>')} | z |\n`;
    const html = marked.parse(table, { async: false, gfm: true }) as string;
    expect(html.match(/<td>/g)).toHaveLength(2);
    expect(html).not.toContain('<b>');
  });

  it('links http(s) only', () => {
    expect(markdownLink('https://a.example/(x)')).toBe('<https://a.example/(x)>');
    expect(markdownLink('https://a.example/', 'the [page]')).toBe('[the \\[page\\]](<https://a.example/>)');
    expect(markdownLink('javascript:alert(1)', 'x')).toBe('x');
  });
});
