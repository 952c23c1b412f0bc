import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_SHINGLES, key, shingles, textShingles, winnow } from '../../src/match/fingerprint.ts';
import { buildIndex, indexArticles } from '../../src/match/fingerprint-index.ts';
import { htmlToText } from '../../src/match/page.ts';
import { tokenise } from '../../src/match/tokens.ts';
import { toArticle } from '../../src/store/article.ts';
import { upsertArticles } from '../../src/store/articles.ts';
import { openStore } from '../../src/store/db.ts';
import { markupText, scanMarkupText } from '../../src/text/html-text.ts';
import { sqlOf } from '../helpers/sql-of.ts';
import { tempDir } from '../helpers/tmp.ts';

const vocabulary = 'river city siege aid road bread water night harbour bees orchard port strike talks'.split(
  ' ',
);
const words = (length: number) =>
  fc.array(fc.constantFrom(...vocabulary), { minLength: length, maxLength: length });

function printKeys(text: string): Set<number> {
  const prints = winnow(shingles(tokenise(text)));
  const keys = new Set<number>();
  for (let i = 0; i < prints.high.length; i++) keys.add(key(prints.high[i]!, prints.low[i]!));
  return keys;
}

describe('normalisation', () => {
  it('folds case, NFKC, apostrophes and punctuation', () => {
    expect(tokenise('Don’t  PANIC—the ﬁrst “Ｆｕｌｌ-width” café!').words).toEqual([
      'dont',
      'panic',
      'the',
      'first',
      'full',
      'width',
      'café',
    ]);
  });

  it('numbers sentences at full stops and line breaks', () => {
    expect(tokenise('One two. Three four!\nFive six').sentences).toEqual([0, 0, 1, 1, 2, 2]);
  });
});

describe('winnowing', () => {
  it('catches every shared run of t words, whatever surrounds it', () => {
    fc.assert(
      fc.property(
        words(DEFAULT_SHINGLES.t),
        words(30),
        words(30),
        words(30),
        words(30),
        (run, a, b, c, d) => {
          const left = printKeys([...a, ...run, ...b].join(' '));
          const right = printKeys([...c, ...run, ...d].join(' '));
          expect([...left].some((k) => right.has(k))).toBe(true);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('never matches on a run shorter than k words', () => {
    const left = printKeys('alpha beta gamma delta one two three four five six seven eight nine');
    const right = printKeys('zulu yankee xray whiskey one two three four victor uniform tango sierra romeo');
    expect([...left].some((k) => right.has(k))).toBe(false);
  });

  it('is the same text whatever the markup and case', () => {
    expect(printKeys('The Siege of LOWER Vessa, entered its third week on Saturday.')).toEqual(
      printKeys('the siege of lower vessa entered its third   week on saturday'),
    );
  });
});

describe('the fast paths agree with the reference ones', () => {
  // Words in many scripts, with apostrophes, marks, digits, astral letters and odd punctuation.
  const pieces = [
    'siege',
    'Vessa',
    'DON’T',
    "l'eau",
    'café',
    'ﬁrst',
    'Ｆｕｌｌ',
    'naïve',
    'Straße',
    'ΣΟΦΙΑ',
    'москва',
    '東京',
    'العربية',
    '१२३',
    '𝐁𝐨𝐥𝐝',
    'e\u0301te\u0301',
    '2026',
    "'quoted'",
    '—',
    '...',
    '\n\n',
    ' ',
    '\ud800',
    '’’',
    "it's",
  ];
  const texts = fc.array(fc.constantFrom(...pieces), { maxLength: 80 }).map((parts) => parts.join(' '));

  it('textShingles hashes the words tokenise finds, as shingles does', () => {
    fc.assert(
      fc.property(texts, fc.constantFrom('', '-', '.', "'"), (text, glue) => {
        const joined = text.replaceAll(' ', glue || ' ');
        const reference = shingles(tokenise(joined));
        const fast = textShingles(joined);
        expect(fast.words).toBe(tokenise(joined).words.length);
        expect([...fast.high]).toEqual([...reference.high]);
        expect([...fast.low]).toEqual([...reference.low]);
      }),
      { numRuns: 300 },
    );
  });

  const inline = ['b', 'i', 'a href="/x?a=1&amp;b=2"', 'span class="x"', 'em'];
  const block = ['p', 'div', 'li', 'h2', 'blockquote', 'td'];
  const fragments = fc
    .array(
      fc.oneof(
        fc.constantFrom(...pieces),
        fc.constantFrom('&amp;', '&eacute;', '&#39;', '&nbsp;', '&lt;tag&gt;', '&copy', '&unknown;', 'a < b'),
        fc
          .tuple(fc.constantFrom(...inline), fc.constantFrom(...pieces))
          .map(([tag, word]) => `<${tag}>${word}</${tag.split(' ')[0]}>`),
        fc
          .tuple(fc.constantFrom(...block), fc.constantFrom(...pieces))
          .map(([tag, word]) => `<${tag}>${word}</${tag}>`),
        fc.constantFrom(
          '<br>',
          '<hr/>',
          '<!-- a comment with words -->',
          '<script>var words = "no";</script>',
          '<style>p{}</style>',
          '<img alt="x">',
        ),
      ),
      { maxLength: 60 },
    )
    .map((parts) => parts.join(''));

  it('scanMarkupText finds the words markupText (and htmlToText) find in ordinary markup', () => {
    fc.assert(
      fc.property(fragments, (html) => {
        const reference = tokenise(htmlToText(html)).words;
        expect(tokenise(markupText(html)).words).toEqual(reference);
        expect(tokenise(scanMarkupText(html)).words).toEqual(reference);
      }),
      { numRuns: 300 },
    );
  });

  it('markupText gives the text htmlToText gives, line breaks included', () => {
    fc.assert(
      fc.property(fragments, (html) => {
        expect(markupText(html)).toBe(htmlToText(html));
      }),
      { numRuns: 200 },
    );
  });

  it('scanMarkupText is linear on hostile markup (no tag end, no quote end, nested opens)', () => {
    for (const hostile of [
      '<a href="'.repeat(20_000),
      '<'.repeat(100_000),
      '<script>'.repeat(20_000),
      '<!--'.repeat(30_000),
    ]) {
      expect(typeof scanMarkupText(hostile)).toBe('string');
    }
    expect(scanMarkupText(`<p>${'word '.repeat(1000)}</p>`, { maxChars: 100 }).length).toBeLessThan(200);
  });
});

describe('index builds', () => {
  it('buildIndex on worker threads writes the same index as indexArticles on this thread', async () => {
    const articles = Array.from({ length: 4500 }, (_, i) =>
      toArticle({
        id: `a-${i}`,
        url: `https://northwind.example/${i}`,
        title: `Article ${i}`,
        published: '2026-01-01',
        html: `<p>${Array.from({ length: 40 }, (_, j) => `w${(i * 7 + j * 13) % 997} x${(i + j) % 31}`).join(' ')}.</p>`,
      }),
    );
    const dump = (db: ReturnType<typeof openStore>) => ({
      docs: db
        .prepare(
          'SELECT article_id, article_hash, words, hex(fingerprints) AS f FROM fingerprinted_articles ORDER BY article_id',
        )
        .all(),
      rows: db.prepare('SELECT count(*) AS n, sum(hash % 1000003) AS s FROM fingerprints').get(),
      // Each article's inverted-index rows point back at it.
      orphans: db
        .prepare(
          'SELECT count(*) AS n FROM fingerprints WHERE doc NOT IN (SELECT doc FROM fingerprinted_articles)',
        )
        .get(),
    });
    const serial = openStore(join(tempDir(), 'serial.sqlite'));
    await upsertArticles(sqlOf(serial), articles);
    expect(indexArticles(serial)).toEqual({ indexed: 4500, unchanged: 0, removed: 0 });
    const parallel = openStore(join(tempDir(), 'parallel.sqlite'));
    await upsertArticles(sqlOf(parallel), articles);
    expect(await buildIndex(parallel, undefined, { threads: 2 })).toEqual({
      indexed: 4500,
      unchanged: 0,
      removed: 0,
    });
    expect(dump(parallel)).toEqual(dump(serial));
    // A second build has nothing to do; an article gone from the store loses its rows.
    expect(await buildIndex(parallel, undefined, { threads: 2 })).toMatchObject({
      indexed: 0,
      unchanged: 4500,
    });
    parallel.prepare("DELETE FROM articles WHERE id = 'a-7'").run();
    await buildIndex(parallel, undefined, { threads: 2 });
    expect(dump(parallel).orphans).toEqual({ n: 0 });
    serial.close();
    parallel.close();
  }, 120_000);
});
