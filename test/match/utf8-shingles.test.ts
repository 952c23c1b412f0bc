import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { assembleWords, WASM_FILE } from '../../src/match/build-wasm.ts';
import { textShingles } from '../../src/match/fingerprint.ts';
import { markupBytes, markupShingles, utf8Shingles } from '../../src/match/utf8-shingles.ts';
import { scanUtf8MarkupBytes } from '../../src/text/html-text.ts';
import { WORD_PIECES } from './_words.ts';

/** What `utf8Shingles` must equal: `textShingles` of the text a WHATWG decoder makes of the bytes. */
function expectSameAsDecoded(bytes: Uint8Array): void {
  const reference = textShingles(new TextDecoder().decode(bytes));
  const fast = utf8Shingles(bytes);
  expect(fast.words).toBe(reference.words);
  expect([...fast.high]).toEqual([...reference.high]);
  expect([...fast.low]).toEqual([...reference.low]);
}

describe('utf8Shingles (the word pass in WebAssembly)', () => {
  it('loads the module assembled from the committed source', async () => {
    // `npm run wasm` after every change of page-words.wat; this fails when it was forgotten.
    expect(Buffer.from(await assembleWords()).equals(readFileSync(WASM_FILE))).toBe(true);
  });

  it('finds the words and hashes textShingles finds in the same text', () => {
    const texts = fc.array(fc.constantFrom(...WORD_PIECES), { maxLength: 80 });
    fc.assert(
      fc.property(texts, fc.constantFrom(' ', '', '-', "'", '’', '\u00a0', '—'), (parts, glue) =>
        expectSameAsDecoded(Buffer.from(parts.join(glue))),
      ),
      { numRuns: 400 },
    );
  });

  it('reads ill-formed UTF-8 as the decoder does, one replacement character at a time', () => {
    // Truncated, overlong (of a letter, which must not read as one), surrogate, past U+10FFFF and
    // stray continuation bytes, among words.
    const broken = [
      [0xe2, 0x80],
      [0xc3],
      [0xc0, 0xaf],
      [0xc1, 0xa1],
      [0xe0, 0x81, 0xa1],
      [0xf0, 0x80, 0x81, 0xa1],
      [0xe0, 0x83, 0xa9],
      [0xed, 0xa0, 0x80],
      [0xf0, 0x8f, 0xbf, 0xbf],
      [0xf4, 0x90, 0x80, 0x80],
      [0xf5, 0x80],
      [0xf5, 0x80, 0x80, 0x80],
      [0xf7, 0xbf, 0xbf, 0xbf],
      [0x80],
      [0xbf, 0xbf],
      [0xff],
      [0xf0, 0x9f, 0x98],
    ].map((bytes) => Buffer.from(bytes));
    const piece = fc.oneof(
      fc.constantFrom(...WORD_PIECES).map((text) => Buffer.from(text)),
      fc.constantFrom(...broken),
      fc.uint8Array({ maxLength: 6 }).map((bytes) => Buffer.from(bytes)),
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 60 }), (parts) => expectSameAsDecoded(Buffer.concat(parts))),
      { numRuns: 400 },
    );
    // A text that ends inside a character, and one of nothing but broken bytes.
    expectSameAsDecoded(Buffer.from('deux mots é', 'utf8').subarray(0, -1));
    expectSameAsDecoded(Buffer.concat(broken));
  });

  it('gives the same lent or fresh, for texts longer and shorter than the last (its memory grows)', () => {
    const long = Buffer.from(Array.from({ length: 120_000 }, (_, i) => `wörd${(i * 7919) % 5003}`).join(' '));
    for (const bytes of [
      Buffer.from('a b c d e f g'),
      long,
      Buffer.from('one two three four five six'),
      long,
    ]) {
      const fresh = utf8Shingles(bytes);
      const lent = utf8Shingles(bytes, undefined, { lend: true });
      expect([...lent.high]).toEqual([...fresh.high]);
      expect([...lent.low]).toEqual([...fresh.low]);
      expectSameAsDecoded(bytes);
    }
    // Fewer words than a shingle: none.
    expect(utf8Shingles(Buffer.from('only four words here')).high.length).toBe(0);
    expect(utf8Shingles(Buffer.alloc(0)).words).toBe(0);
  });

  it('folds words past Latin-1 by the cache textShingles keeps, and stays right when it fills', () => {
    const many = Buffer.from(Array.from({ length: 25_000 }, (_, i) => `é${i.toString(36)}ŒUVRE`).join(' '));
    const again = Buffer.from(`éa ÉA éa\u0301 ﬁé é0ŒUVRE Éb ${'Éé'.repeat(100)} ${'Œœ'.repeat(100)}`);
    for (const bytes of [many, again, many.subarray(0, 5_000), again]) expectSameAsDecoded(bytes);
  });
});

describe('markupShingles (the markup scan in WebAssembly)', () => {
  /** What the scan must give: `scanUtf8MarkupBytes`'s text, and `utf8Shingles` of it. */
  function expectSameAsScanned(html: Buffer, maxChars = Number.POSITIVE_INFINITY): void {
    const reference = scanUtf8MarkupBytes(html, { maxChars });
    expect(markupBytes(html, maxChars).toString('latin1')).toBe(reference.toString('latin1'));
    const fresh = utf8Shingles(reference);
    const fast = markupShingles(html, maxChars);
    expect(fast.words).toBe(fresh.words);
    expect([...fast.high]).toEqual([...fresh.high]);
    expect([...fast.low]).toEqual([...fresh.low]);
  }

  // Markup of every kind the scan treats apart: block, inline, raw-text and skipped elements, in any
  // case, closed or not, self-closed; comments (closed or not) and declarations; quoted attributes
  // holding '>'; stray '<' and '</'; entities; whitespace runs; end tags followed by what may end
  // them (a no-break space, a vertical tab, '/') or not ('</scriptx>').
  const markup = fc.constantFrom(
    '<p>',
    '</p>',
    '<DIV class="a">',
    '</Div >',
    '<b>',
    '</b>',
    '<br/>',
    '<hr>',
    '<li>',
    '<!-- a <p>comment</p> -->',
    '<!--',
    '-->',
    '<!DOCTYPE html>',
    '<!x',
    '<script>if (a < b) x = "</p>";</script>',
    '<SCRIPT type="x">words</scriptx> more</Script\u000b>',
    '<script>',
    '</script>',
    '<style>p{}</style\u00a0>',
    '<title>Le &eacute;t&eacute;</title>',
    '<textarea/>kept',
    '<svg><text>drawn</text></svg>',
    '<head><meta charset="utf-8"></head>',
    '<template>t</template>',
    '<nav>skipped</nav >',
    '<a href="x>y" title=\'’>\'>',
    '<img alt=">">',
    '<a b=">',
    '< ',
    '</ >',
    '<',
    '</',
    'a < b',
    '&amp;',
    '&nbsp;',
    '&#x263A;',
    '&#128512;',
    '&eacute',
    '&unknown;',
    '&',
    '\n    \t',
    '  ',
    '\r\n',
    '\u000c',
  );
  const pages = fc
    .array(fc.oneof(markup, fc.constantFrom(...WORD_PIECES), fc.string({ unit: 'grapheme', maxLength: 8 })), {
      maxLength: 60,
    })
    .map((parts) => Buffer.from(parts.join('')));

  it('takes out the text the scan in JavaScript takes out, and the same shingles', () => {
    fc.assert(
      fc.property(pages, (html) => expectSameAsScanned(html)),
      { numRuns: 1500 },
    );
  });

  it('keeps to maxChars as the scan in JavaScript does on text without entities', () => {
    const plain = pages.map((html) => Buffer.from(html.toString('utf8').replaceAll('&', 'and')));
    fc.assert(
      fc.property(plain, fc.integer({ min: 0, max: 200 }), (html, maxChars) =>
        expectSameAsScanned(html, maxChars),
      ),
      { numRuns: 500 },
    );
  });

  it('ends a raw-text element where the scan in JavaScript does on a page that is not valid UTF-8', () => {
    // A page labelled UTF-8 may hold any byte: a lone 0xA0 reads as a no-break space to the scan's
    // pattern (`</style[\s/>]` over the bytes read as Latin-1), which ends the element there.
    const raw = (...parts: Array<string | number[]>) =>
      Buffer.concat(parts.map((part) => (typeof part === 'string' ? Buffer.from(part) : Buffer.from(part))));
    expectSameAsScanned(raw('<style>x</style', [0xa0], '>one two <style>y</style', [0x85], '>three'));
    expectSameAsScanned(raw('<title>a', [0xe9], '</title', [0xa0], '>b ', [0xff, 0xfe], ' c'));
  });

  it('stays linear on hostile markup', () => {
    for (const hostile of [
      '<a href="'.repeat(20_000),
      '<'.repeat(100_000),
      '<script>'.repeat(20_000),
      '<!--'.repeat(30_000),
      `${'&amp;'.repeat(40_000)}<p>`.repeat(2),
      '</'.repeat(50_000),
    ])
      expectSameAsScanned(Buffer.from(hostile));
  });
});
