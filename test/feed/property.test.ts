import fc from 'fast-check';
import Parser from 'rss-parser';
import { describe, expect, it } from 'vitest';
import { renderAtom } from '../../src/feed/atom1.ts';
import { renderJsonFeed } from '../../src/feed/json-feed.ts';
import { buildFeedDocument, prepareItem } from '../../src/feed/model.ts';
import { renderRss } from '../../src/feed/rss2.ts';
import { xmlSafe } from '../../src/feed/text.ts';
import { toArticle } from '../../src/store/article.ts';
import { child, children, feedConfig, parseXml, publisher } from './_support.ts';

/** Pieces that break XML writers, mixed into random text of every Unicode plane. */
const nasty = fc.constantFrom(
  '<',
  '>',
  '&',
  '&amp;',
  '&#0;',
  ']]>',
  '<![CDATA[',
  '-->',
  '"',
  "'",
  '\r',
  '\r\n',
  '\t',
  '\u0000',
  '\u0008',
  '\u000B',
  '\u001F',
  '\u007F',
  '\u0085',
  '\uD800',
  '\uDFFF',
  '\uFFFE',
  '\uFFFF',
  '\u202E',
  '🕊️',
  'مرحبا',
  '<script>',
);
const text = fc
  .array(fc.oneof(fc.string({ unit: 'binary' }), nasty, fc.string({ unit: 'grapheme-ascii' })), {
    maxLength: 8,
  })
  .map((parts) => parts.join(''));
/** What the article schema accepts as a name: not blank once trimmed. */
const name = text.map((value) => `N${value}`);

describe('well-formedness over random article text', () => {
  it('RSS and Atom always parse strictly, and titles, authors, categories and links come back', async () => {
    const parser = new Parser();
    await fc.assert(
      fc.asyncProperty(
        name,
        fc.array(name, { minLength: 1, maxLength: 3 }),
        name,
        text,
        text,
        async (title, authors, term, html, summary) => {
          const article = toArticle({
            url: 'https://northwind.example/a?x=1&y=2',
            title,
            published: '2026-01-01',
            authors,
            categories: [{ term, scheme: 'Theme' }],
            html,
            summary,
          });
          const definition = feedConfig({ id: 'p', title: `F${title}` }).feeds[0]!;
          const document = buildFeedDocument(definition, publisher, [
            prepareItem(article, publisher, true, true),
          ]);

          const rss = parseXml(renderRss(document));
          const item = child(child(rss, 'channel')!, 'item')!;
          expect(child(item, 'title')!.text).toBe(xmlSafe(article.title));
          expect(child(item, 'link')!.text).toBe(article.url);
          expect(children(item, 'dc:creator').map((creator) => creator.text)).toEqual(
            article.authors.map((author) => xmlSafe(author.name)),
          );
          expect(child(item, 'category')!.text).toBe(xmlSafe(article.categories[0]!.term));
          expect(child(item, 'content:encoded')!.text).toBe(xmlSafe(document.items[0]!.contentHtml));

          const atom = parseXml(renderAtom(document));
          const entry = child(atom, 'entry')!;
          expect(child(entry, 'title')!.text).toBe(xmlSafe(article.title));
          expect(child(entry, 'category')!.attributes.term).toBe(xmlSafe(article.categories[0]!.term));
          expect(children(entry, 'author').map((author) => child(author, 'name')!.text)).toEqual(
            article.authors.map((author) => xmlSafe(author.name)),
          );

          // An independent, lenient reader gets the same link.
          const read = await parser.parseString(renderRss(document));
          expect(read.items[0]!.link).toBe(article.url);

          const json = JSON.parse(renderJsonFeed(document));
          expect(json.items[0].title).toBe(article.title);
        },
      ),
      { numRuns: 150 },
    );
  });
});
