import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_SHINGLES,
  key,
  shingles,
  textShingles,
  toInt64,
  winnow,
} from '../../src/match/fingerprint.ts';
import {
  buildIndex,
  IndexWriter,
  indexArticles,
  packFingerprints,
} from '../../src/match/fingerprint-index.ts';
import { htmlToText } from '../../src/match/page.ts';
import { allPostings } from '../../src/match/postings.ts';
import { tokenise } from '../../src/match/tokens.ts';
import { toArticle } from '../../src/store/article.ts';
import type { Sql } from '../../src/store/sql.ts';
import { markupText, scanMarkupText } from '../../src/text/html-text.ts';
import { describeEngines } from '../helpers/engines.ts';
import { orphanPostings, storeArticles } from './_articles.ts';
import { WORD_PIECES } from './_words.ts';

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

  it('ends a sentence at a mark followed by closing quotes and space, not at one a comma or colon follows', () => {
    const sentences = (text: string) => Math.max(...tokenise(text).sentences) + 1;
    expect(sentences('It rained. “Then what?” She left. (It was late.) Nobody came.')).toBe(5);
    expect(sentences('Fin du match ! ¿Qué pasa? Nada.')).toBe(3);
    // One sentence each, as a reader counts them.
    expect(sentences('It works with calls (e.g., Google Meet, Zoom), payments and CRM tools.')).toBe(1);
    expect(sentences('To answer these questions (and more!), We started a series.')).toBe(1);
    expect(sentences('Jangan menganiaya mereka: “…Dan janganlah kebencian kepada suatu kaum.”')).toBe(1);
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
  const texts = fc.array(fc.constantFrom(...WORD_PIECES), { maxLength: 80 }).map((parts) => parts.join(' '));

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

  it('lent arrays hold what fresh ones do, for texts longer and shorter than the last', () => {
    const long = Array.from({ length: 9_000 }, (_, i) => `w${(i * 7919) % 5003}`).join(' ');
    for (const text of ['a b c d e f g h i j k l m n o p', long, 'one two three four five six', long]) {
      const fresh = winnow(textShingles(text));
      const lentShingles = textShingles(text, undefined, { lend: true });
      expect(lentShingles.high.length).toBe(Math.max(0, lentShingles.words - 4));
      const lent = winnow(lentShingles, undefined, { lend: true });
      expect([...lent.high]).toEqual([...fresh.high]);
      expect([...lent.low]).toEqual([...fresh.low]);
      expect([...lent.positions]).toEqual([...fresh.positions]);
    }
  });

  it('textShingles keeps the hashes of written words from text to text, and stays right when the cache fills', () => {
    // More distinct words past ASCII than the cache holds, then the first ones again in other forms.
    const many = Array.from({ length: 25_000 }, (_, i) => `é${i.toString(36)}ŒUVRE`).join(' ');
    // Words too long to keep are hashed each time (a hostile page's one endless word costs no memory).
    const again = `éa ÉA éa\u0301 ﬁé é0ŒUVRE Éb ${'Éé'.repeat(100)} ${'éÉ'.repeat(100)} ${'Éé'.repeat(100)}`;
    for (const text of [many, again, many.slice(0, 5_000), again]) {
      const reference = shingles(tokenise(text));
      const fast = textShingles(text);
      expect([...fast.high]).toEqual([...reference.high]);
      expect([...fast.low]).toEqual([...reference.low]);
    }
  });

  const inline = ['b', 'i', 'a href="/x?a=1&amp;b=2"', 'span class="x"', 'em'];
  const block = ['p', 'div', 'li', 'h2', 'blockquote', 'td'];
  const fragments = fc
    .array(
      fc.oneof(
        fc.constantFrom(...WORD_PIECES),
        fc.constantFrom('&amp;', '&eacute;', '&#39;', '&nbsp;', '&lt;tag&gt;', '&copy', '&unknown;', 'a < b'),
        fc
          .tuple(fc.constantFrom(...inline), fc.constantFrom(...WORD_PIECES))
          .map(([tag, word]) => `<${tag}>${word}</${tag.split(' ')[0]}>`),
        fc
          .tuple(fc.constantFrom(...block), fc.constantFrom(...WORD_PIECES))
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

describeEngines('index builds', (engine) => {
  const articles = Array.from({ length: 4500 }, (_, i) =>
    toArticle({
      id: `a-${i}`,
      url: `https://northwind.example/${i}`,
      title: `Article ${i}`,
      published: '2026-01-01',
      html: `<p>${Array.from({ length: 40 }, (_, j) => `w${(i * 7 + j * 13) % 997} x${(i + j) % 31}`).join(' ')}.</p>`,
    }),
  );
  const dump = async (sql: Sql) => ({
    docs: (
      await sql.all<{ article_id: string; article_hash: string; words: number; fingerprints: Uint8Array }>(
        'SELECT article_id, article_hash, words, fingerprints FROM fingerprinted_articles ORDER BY article_id',
      )
    ).map((row) => ({ ...row, fingerprints: Buffer.from(row.fingerprints).toString('hex') })),
    // Every posting, in a canonical order (a row's postings are in no order).
    postings: (await allPostings(sql))
      .map((posting) => `${posting.high}:${posting.low}:${posting.doc}`)
      .sort(),
    // Each article's postings point back at it.
    orphans: await orphanPostings(sql),
  });

  it('buildIndex on worker threads writes the same index as indexArticles on this thread', async () => {
    const serial = await engine.open();
    await storeArticles(serial, articles);
    expect(await indexArticles(serial)).toEqual({ indexed: 4500, unchanged: 0, removed: 0 });
    const parallel = await engine.open();
    await storeArticles(parallel, articles);
    expect(await buildIndex(parallel, undefined, { threads: 2 })).toEqual({
      indexed: 4500,
      unchanged: 0,
      removed: 0,
    });
    expect(await dump(parallel)).toEqual(await dump(serial));
    // A second build has nothing to do; an article gone from the store loses its rows.
    expect(await buildIndex(parallel, undefined, { threads: 2 })).toMatchObject({
      indexed: 0,
      unchanged: 4500,
    });
    await parallel.run("DELETE FROM articles WHERE id = 'a-7'");
    await buildIndex(parallel, undefined, { threads: 2 });
    expect((await dump(parallel)).orphans).toBe(0);
  }, 120_000);

  it('stores each fingerprint as the signed 64-bit high * 2^32 + low, exactly, on every engine', async () => {
    const sql = await engine.open();
    // Fingerprints whose halves reach the corners of the signed range; a few hundred rows cross
    // the multi-row statements' boundaries.
    const corners = [
      [-2147483648, 0],
      [2147483647, -1],
      [-1, -1],
      [0, 1],
      [123456789, -294967295],
    ];
    const prints = {
      high: new Int32Array([
        ...corners.map(([high]) => high!),
        ...Array.from({ length: 900 }, (_, i) => i * 4_772_000 - 2_147_000_000),
      ]),
      low: new Int32Array([
        ...corners.map(([, low]) => low!),
        ...Array.from({ length: 900 }, (_, i) => i * 9_544_371),
      ]),
      positions: new Int32Array(905),
    };
    await storeArticles(sql, [articles[0]!]);
    const writer = new IndexWriter(sql);
    await sql.tx(() =>
      writer.writeBatch([{ id: articles[0]!.id, hash: 'h', words: 905, blob: packFingerprints(prints) }]),
    );
    const inOrder = (a: bigint, b: bigint) => (a < b ? -1 : a > b ? 1 : 0);
    // Read as text: exact on both engines, where a number past 2^53 would not be.
    const stored = [...new Set((await allPostings(sql)).map((posting) => toInt64(posting.high, posting.low)))]
      .sort(inOrder)
      .map(String);
    const expected = [...new Set(Array.from(prints.high, (high, i) => toInt64(high, prints.low[i]!)))]
      .sort(inOrder)
      .map(String);
    expect(stored).toEqual(expected);
    expect(stored[0]).toBe('-9223372036854775808');
    expect(stored.at(-1)).toBe('9223372036854775807');
    // Re-indexing the article removes every one of them again, found from the packed blob.
    await sql.tx(() =>
      writer.writeBatch([
        {
          id: articles[0]!.id,
          hash: 'h2',
          words: 1,
          blob: packFingerprints({
            high: new Int32Array([5]),
            low: new Int32Array([6]),
            positions: new Int32Array([0]),
          }),
        },
      ]),
    );
    expect((await allPostings(sql)).map((posting) => toInt64(posting.high, posting.low))).toEqual([
      toInt64(5, 6),
    ]);
  });
});
