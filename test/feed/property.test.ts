import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { load } from 'cheerio';
import fc from 'fast-check';
import Parser from 'rss-parser';
import { describe, expect, it } from 'vitest';
import { renderAtom } from '../../src/feed/atom1.ts';
import { renderJsonFeed } from '../../src/feed/json-feed.ts';
import { buildFeedDocument, type FeedDocument, prepareItem } from '../../src/feed/model.ts';
import { renderRss } from '../../src/feed/rss2.ts';
import { feedUri, MARKUP_LIKE } from '../../src/feed/text.ts';
import { type Article, toArticle } from '../../src/store/article.ts';
import { escapeHtml } from '../../src/text/html.ts';
import { validUnicode, xmlSafe } from '../../src/text/xml.ts';
import { tempDir } from '../helpers/tmp.ts';
import { child, children, feedConfig, parseXml, publisher } from './_support.ts';

/**
 * Random article text of every Unicode plane, with the pieces that break feed writers mixed in:
 * XML syntax, markup-like text, controls, lone surrogates, noncharacters, U+FFFD. Each format must
 * stay well-formed and valid Unicode, and read back as the store's text after the documented
 * replacements (`validUnicode`; in XML plain text U+FFFD dropped; Atom titles and RSS plain text that
 * hold markup-like text escaped as HTML).
 */
const nasty = fc.constantFrom(
  '<',
  '>',
  '&',
  '&amp;',
  '&#0;',
  '&#x26;',
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
  '\uDBFF',
  '\uDC00',
  '\uDFFF',
  '\uFFFE',
  '\uFFFF',
  '\uFDD0',
  '\uFDEF',
  '\u{1FFFE}',
  '\u{10FFFF}',
  '\uFFFD',
  '\u202E',
  '🕊️',
  'مرحبا',
  '<script>',
  '</b>',
  '<b>',
  '&copy;',
  'AT&T',
);
const text = fc
  .array(fc.oneof(fc.string({ unit: 'binary' }), nasty, fc.string({ unit: 'grapheme-ascii' })), {
    maxLength: 8,
  })
  .map((parts) => parts.join(''));
/** What the article schema accepts as a name: not blank once trimmed. */
const name = text.map((value) => `N${value}`);
const pathPart = fc.oneof(text, fc.constantFrom('a b', '[x]', 'a|b^c', '%zz', 'caf\u00e9', '#x#y', '{q}'));

const LONE_SURROGATE = /[\uD800-\uDFFF]/u;
const NONCHARACTER = /\p{Noncharacter_Code_Point}/u;
const XML_FORBIDDEN = /[\u0000-\u0008\u000B\u000C\u000E-\u001F]/;
/** The characters the W3C validator allows in a URI (RFC 3986 without the brackets of an IPv6 host). */
const URI = /^[A-Za-z0-9\-._~;/?:@&=+$,!*'()#%]+$/;

function isValidText(value: string): boolean {
  return !LONE_SURROGATE.test(value) && !NONCHARACTER.test(value) && !XML_FORBIDDEN.test(value);
}

/** RSS plain text as read back: XML-safe, and HTML-escaped once more when it looks like markup. */
function rssPlain(value: string): string {
  const safe = xmlSafe(value);
  return MARKUP_LIKE.test(safe) ? escapeHtml(safe) : safe;
}

/** An Atom title as read back: its type, and the text in it. */
function atomTitle(value: string): { type: string; text: string } {
  const carried = validUnicode(value);
  return MARKUP_LIKE.test(carried)
    ? { type: 'html', text: escapeHtml(carried).replaceAll('\uFFFD', '&#xFFFD;') }
    : { type: 'text', text: xmlSafe(value) };
}

/** HTML as the XML formats carry it. */
function xmlHtmlRead(html: string): string {
  return validUnicode(html).replaceAll('\uFFFD', '&#xFFFD;');
}

const articleArbitrary = fc
  .record({
    title: name,
    authors: fc.array(name, { minLength: 1, maxLength: 3 }),
    term: name,
    html: text,
    summary: text,
    path: pathPart,
    id: fc.oneof(fc.constant(undefined), fc.nat().map(String), name),
  })
  .map(({ title, authors, term, html, summary, path, id }) =>
    toArticle({
      url: `https://northwind.example/${path}?x=1&y=2`,
      title,
      published: '2026-01-01',
      authors,
      categories: [{ term, scheme: 'Theme' }],
      html,
      summary,
      ...(id === undefined ? {} : { id }),
    }),
  );

function documentOf(article: Article, title = 'F'): FeedDocument {
  const definition = feedConfig({ id: 'p', title }).feeds[0]!;
  return buildFeedDocument(definition, publisher, [prepareItem(article, publisher, true, true)]);
}

describe('every format over random article text', () => {
  it('RSS: well-formed, valid Unicode, URIs valid, and the text comes back after the documented replacements', async () => {
    const parser = new Parser();
    await fc.assert(
      fc.asyncProperty(articleArbitrary, async (article) => {
        const document = documentOf(article, `F${article.title}`);
        const xml = renderRss(document);
        expect(isValidText(xml)).toBe(true);
        const item = child(child(parseXml(xml), 'channel')!, 'item')!;
        expect(child(item, 'title')!.text).toBe(rssPlain(article.title));
        const link = child(item, 'link')!.text;
        expect(link).toBe(feedUri(article.url, 'uri'));
        expect(link).toMatch(URI);
        expect(children(item, 'dc:creator').map((creator) => creator.text)).toEqual(
          article.authors.map((author) => rssPlain(author.name)),
        );
        expect(child(item, 'category')!.text).toBe(rssPlain(article.categories[0]!.term));
        expect(child(item, 'content:encoded')!.text).toBe(xmlHtmlRead(document.items[0]!.contentHtml));
        const guid = child(item, 'guid')!;
        if (guid.attributes.isPermaLink === 'false') expect(guid.text).toMatch(/^(?:tag:|https?:|urn:uuid:)/);
        // An independent, lenient reader gets the same link.
        const read = await parser.parseString(xml);
        expect(read.items[0]!.link).toBe(link);
      }),
      { numRuns: 150 },
    );
  });

  it('Atom: well-formed, valid Unicode, IRIs valid, titles declared as what they are', () => {
    fc.assert(
      fc.property(articleArbitrary, (article) => {
        const xml = renderAtom(documentOf(article));
        expect(isValidText(xml)).toBe(true);
        const entry = child(parseXml(xml), 'entry')!;
        const title = child(entry, 'title')!;
        expect({ type: title.attributes.type, text: title.text }).toEqual(atomTitle(article.title));
        expect(child(entry, 'link')!.attributes.href).toBe(feedUri(article.url, 'iri'));
        expect(child(entry, 'id')!.text).toMatch(
          /^(?:urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}|https?:\/\/\S+)$/,
        );
        expect(child(entry, 'category')!.attributes.term).toBe(xmlSafe(article.categories[0]!.term));
        expect(children(entry, 'author').map((author) => child(author, 'name')!.text)).toEqual(
          article.authors.map((author) => xmlSafe(author.name)),
        );
      }),
      { numRuns: 150 },
    );
  });

  it('JSON Feed: valid Unicode (no escaped lone surrogate), every string the stored text after validUnicode', () => {
    fc.assert(
      fc.property(articleArbitrary, (article) => {
        const document = documentOf(article);
        const json = renderJsonFeed(document);
        expect(json).not.toMatch(/\\ud[89a-f][0-9a-f]{2}/i);
        const item = JSON.parse(json).items[0];
        for (const value of [
          item.title,
          item.content_html,
          item.summary ?? '',
          ...item.authors.map((a: { name: string }) => a.name),
        ])
          expect(isValidText(value)).toBe(true);
        expect(item.title).toBe(validUnicode(article.title));
        expect(item.content_html).toBe(validUnicode(document.items[0]!.contentHtml));
        expect(item.authors.map((author: { name: string }) => author.name)).toEqual(
          article.authors.map((author) => validUnicode(author.name)),
        );
        expect(item.url).toBe(feedUri(article.url, 'uri'));
        expect(item.url).toMatch(URI);
      }),
      { numRuns: 150 },
    );
  });
});

const PYTHON = '/usr/bin/python3';
const feedparser =
  existsSync(PYTHON) && spawnSync(PYTHON, ['-c', 'import feedparser'], { encoding: 'utf8' }).status === 0;

describe.skipIf(!feedparser)('feedparser over random article text', () => {
  it('reads back every title and link of a feed of random articles, in RSS and Atom', () => {
    const sample = fc.sample(articleArbitrary, { numRuns: 60, seed: 20261201 });
    // One article per URL and id: a feed holds each article once.
    const articles = [...new Map(sample.map((article) => [article.url, article])).values()].filter(
      (article, index, all) => all.findIndex((other) => other.id === article.id) === index,
    );
    const definition = feedConfig({ id: 'p', title: 'Random' }).feeds[0]!;
    const document = buildFeedDocument(
      definition,
      publisher,
      articles.map((article) => prepareItem(article, publisher, true, true)),
    );
    const dir = tempDir();
    writeFileSync(join(dir, 'p.xml'), renderRss(document));
    writeFileSync(join(dir, 'p.atom'), renderAtom(document));
    const run = spawnSync(PYTHON, ['test/feed/_feedparser.py', join(dir, 'p.xml'), join(dir, 'p.atom')], {
      encoding: 'utf8',
    });
    expect(run.status, run.stderr).toBe(0);
    const parsed = JSON.parse(run.stdout) as Record<
      string,
      { bozo: boolean; bozo_exception: string; entries: Array<{ title: string; link: string }> }
    >;
    const rss = parsed[join(dir, 'p.xml')]!;
    const atom = parsed[join(dir, 'p.atom')]!;
    for (const feed of [rss, atom]) {
      expect(feed.bozo, feed.bozo_exception).toBe(false);
      expect(feed.entries).toHaveLength(articles.length);
    }
    // feedparser normalises line ends in XML text (as every XML parser must) and trims titles; a
    // title written as escaped HTML it gives as HTML, which a reader shows as its text.
    const normal = (value: string) => value.replace(/\r\n?/g, '\n').trim();
    const shown = (value: string, html: boolean) => normal(html ? load(value, null, false).text() : value);
    expect(
      rss.entries.map((entry, index) =>
        shown(entry.title, MARKUP_LIKE.test(xmlSafe(articles[index]!.title))),
      ),
    ).toEqual(articles.map((article) => normal(xmlSafe(article.title))));
    expect(
      atom.entries.map((entry, index) =>
        shown(entry.title, atomTitle(articles[index]!.title).type === 'html'),
      ),
    ).toEqual(
      articles.map((article) =>
        normal(
          atomTitle(article.title).type === 'html' ? validUnicode(article.title) : xmlSafe(article.title),
        ),
      ),
    );
    // feedparser turns a literal `&amp;` in an RSS link into `&` (it repairs feeds that escape twice).
    const link = (url: string) => url.replaceAll('&amp;', '&');
    expect(rss.entries.map((entry) => entry.link)).toEqual(
      articles.map((article) => link(feedUri(article.url, 'uri'))),
    );
    expect(atom.entries.map((entry) => entry.link)).toEqual(
      articles.map((article) => feedUri(article.url, 'iri')),
    );
  });
});
