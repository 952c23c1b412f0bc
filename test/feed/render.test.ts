import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Parser from 'rss-parser';
import { describe, expect, it } from 'vitest';
import { renderAtom } from '../../src/feed/atom1.ts';
import { buildFeeds } from '../../src/feed/build.ts';
import { buildFeedDocument, nameUuid, prepareItem } from '../../src/feed/model.ts';
import { renderRss } from '../../src/feed/rss2.ts';
import { cleanHtml, excerpt } from '../../src/feed/source/clean.ts';
import { MARKUP_LIKE } from '../../src/feed/text.ts';
import { toArticle } from '../../src/store/article.ts';
import { escapeHtml } from '../../src/text/html.ts';
import { validUnicode, xmlSafe } from '../../src/text/xml.ts';
import { tempDir } from '../helpers/tmp.ts';
import {
  articles,
  child,
  children,
  feedConfig,
  HOSTILE_HTML,
  HOSTILE_TITLE,
  parseXml,
  publisher,
  seededStore,
} from './_support.ts';

const ATOM = 'http://www.w3.org/2005/Atom';
const DC = 'http://purl.org/dc/elements/1.1/';
const CONTENT = 'http://purl.org/rss/1.0/modules/content/';

/** Article HTML as an XML feed carries it: cleaned, then U+FFFD as an HTML reference. */
function carried(html: string, url: string): string {
  return validUnicode(cleanHtml(html, url)).replaceAll('\uFFFD', '&#xFFFD;');
}

/** RSS plain text as read back: HTML-escaped once more when it looks like markup (see rss2.ts). */
function rssText(text: string): string {
  const safe = xmlSafe(text);
  return MARKUP_LIKE.test(safe) ? escapeHtml(safe) : safe;
}

/** An Atom title as read back: plain text, or escaped HTML when it holds markup-like text. */
function atomTitle(title: string): { type: string; text: string } {
  const text = validUnicode(title);
  return MARKUP_LIKE.test(text)
    ? { type: 'html', text: escapeHtml(text).replaceAll('\uFFFD', '&#xFFFD;') }
    : { type: 'text', text: xmlSafe(title) };
}

async function build() {
  const dir = tempDir();
  const db = await seededStore(join(dir, 'store.sqlite'));
  const config = feedConfig(
    { id: 'all', title: 'All & <everything>', description: 'Every "article"' },
    {
      id: 'ana',
      title: 'Ana',
      filter: { authors: ['Ana Lima'] },
      content: 'summary',
      formats: ['rss', 'atom'],
    },
  );
  const out = join(dir, 'public');
  await buildFeeds(db, config, { out });
  await db.close();
  const read = (name: string) => readFileSync(join(out, name), 'utf8');
  return { read, stored: articles.map(toArticle) };
}

describe('RSS 2.0 output', () => {
  it('is well-formed and carries titles, links, guids, authors, categories and rights as stored', async () => {
    const { read, stored } = await build();
    const rss = parseXml(read('all.xml'));
    expect(rss.name).toBe('rss');
    const channel = child(rss, 'channel')!;
    expect(child(channel, 'title')!.text).toBe('All & <everything>');
    const self = children(channel, 'atom:link').find((link) => link.attributes.rel === 'self')!;
    expect(self.uri).toBe(ATOM);
    expect(self.attributes.href).toBe('https://northwind.example/feeds/all.xml');
    expect(child(channel, 'lastBuildDate')!.text).toBe('Tue, 03 Mar 2026 10:00:00 GMT');

    const items = children(channel, 'item');
    expect(items.map((item) => child(item, 'link')!.text)).toEqual(stored.map((article) => article.url));
    const [first, , note] = items;
    expect(child(first!, 'title')!.text).toBe(rssText(HOSTILE_TITLE));
    expect(child(first!, 'guid')!.attributes.isPermaLink).toBe('true');
    // An id only the store knows is made global: a name-based UUID URN, as Atom's id.
    expect(child(note!, 'guid')!.text).toBe(nameUuid('https://northwind.example/', 'nw-1234'));
    expect(child(note!, 'guid')!.attributes.isPermaLink).toBe('false');
    const creators = children(first!, 'dc:creator');
    expect(creators[0]!.uri).toBe(DC);
    expect(creators.map((creator) => creator.text)).toEqual([
      'Ana Lima',
      'Omar <Haddad> & "Sons"',
      'Zoë Ötzi',
    ]);
    expect(children(first!, 'author')).toEqual([]);
    expect(
      children(first!, 'category').map((category) => [category.attributes.domain, category.text]),
    ).toEqual([
      ['Theme', 'Peace and Security'],
      ['Region <x>', 'A <b> & "c"'],
      [undefined, 'ceasefire'],
      [undefined, 'tag ]]> <z>'],
    ]);
    expect(child(first!, 'dc:rights')!.text).toBe(
      'Copyright © Ana Lima, Omar <Haddad> & "Sons" and Zoë Ötzi, Northwind Review, 2026',
    );
    // A feed without own authors credits the publisher, named once.
    expect(children(note!, 'dc:creator').map((creator) => creator.text)).toEqual(['Northwind Review']);
    expect(child(note!, 'dc:rights')!.text).toBe('Copyright © Northwind Review, 2026');
    // An article in another language than the feed says so.
    expect(child(note!, 'dc:language')!.text).toBe('fr');
    expect(child(first!, 'dc:language')).toBeUndefined();
  });

  it('carries the cleaned article HTML and ends every item with the attribution', async () => {
    const { read, stored } = await build();
    const items = children(child(parseXml(read('all.xml')), 'channel')!, 'item');
    const encoded = child(items[0]!, 'content:encoded')!;
    expect(encoded.uri).toBe(CONTENT);
    expect(encoded.text.startsWith(`${carried(HOSTILE_HTML, stored[0]!.url)}\n`)).toBe(true);
    for (const [index, item] of items.entries()) {
      const article = stored[index]!;
      for (const html of [child(item, 'content:encoded')!.text, child(item, 'description')!.text]) {
        const credit = html.slice(html.lastIndexOf('<p class="credit">'));
        expect(credit).toContain(`<a href="${article.url.replaceAll('&', '&amp;')}">`);
        expect(credit).toContain('First published by Northwind Review');
        expect(credit).toMatch(/Copyright © .*2026<\/p><\/div>$/);
      }
    }
  });

  it('is read back by rss-parser with the same titles, links and HTML', async () => {
    const { read, stored } = await build();
    const parser = new Parser({ customFields: { item: [['dc:creator', 'creators', { keepArray: true }]] } });
    const feed = await parser.parseString(read('all.xml'));
    expect(feed.title).toBe('All & <everything>');
    expect(feed.items.map((item) => item.title)).toEqual(stored.map((article) => rssText(article.title)));
    expect(feed.items.map((item) => item.link)).toEqual(stored.map((article) => article.url));
    const first = feed.items[0] as unknown as { creators: string[]; 'content:encoded': string };
    expect(first['content:encoded']).toContain(carried(HOSTILE_HTML, stored[0]!.url));
    expect(first.creators).toEqual(['Ana Lima', 'Omar <Haddad> & "Sons"', 'Zoë Ötzi']);
  });

  it('carries only the summary, with the attribution, in a summary feed', async () => {
    const { read } = await build();
    const items = children(child(parseXml(read('ana.xml')), 'channel')!, 'item');
    expect(items.map((item) => child(item, 'title')!.text)).toEqual([
      rssText(HOSTILE_TITLE),
      'Water & borders',
      'Old Ana piece',
    ]);
    expect(child(items[0]!, 'content:encoded')).toBeUndefined();
    expect(child(items[0]!, 'description')!.text).toMatch(
      /^<p>Talks &amp; hopes &lt;rise&gt;\.<\/p>\n<div class="syndicate-attribution"><p class="credit">/,
    );
  });
});

describe('Atom 1.0 output', () => {
  it('is well-formed with xml:lang, authors on every entry, rights, categories and links', async () => {
    const { read, stored } = await build();
    const feed = parseXml(read('all.atom'));
    expect(feed.uri).toBe(ATOM);
    expect(feed.attributes['xml:lang']).toBe('en');
    const links = children(feed, 'link').map((link) => [link.attributes.rel, link.attributes.href]);
    expect(links).toEqual([
      ['alternate', 'https://northwind.example/'],
      ['self', 'https://northwind.example/feeds/all.atom'],
    ]);
    expect(child(feed, 'updated')!.text).toBe('2026-03-03T10:00:00.000Z');
    const entries = children(feed, 'entry');
    expect(entries).toHaveLength(stored.length);
    for (const [index, entry] of entries.entries()) {
      const article = stored[index]!;
      const title = child(entry, 'title')!;
      // Markup-like text (the hostile title's </script>) is declared html and escaped.
      expect({ type: title.attributes.type, text: title.text }).toEqual(atomTitle(article.title));
      expect(child(entry, 'link')!.attributes.href).toBe(article.url);
      expect(children(entry, 'author').length).toBeGreaterThan(0);
      expect(child(entry, 'rights')!.text).toMatch(/^Copyright © /);
      expect(child(entry, 'content')!.attributes.type).toBe('html');
    }
    const first = entries[0]!;
    expect(children(first, 'author').map((author) => child(author, 'name')!.text)).toEqual([
      'Ana Lima',
      'Omar <Haddad> & "Sons"',
      'Zoë Ötzi',
    ]);
    expect(child(children(first, 'author')[1]!, 'uri')!.text).toBe(
      'https://northwind.example/authors/omar?a=1&b=2',
    );
    expect(children(first, 'category').map((category) => category.attributes)).toEqual([
      {
        term: 'Peace and Security',
        label: 'Peace and Security',
        scheme: 'https://northwind.example/themes/',
      },
      {
        term: 'A <b> & "c"',
        label: 'Label & <y>',
        scheme: 'https://northwind.example/schemes/Region%20%3Cx%3E',
      },
      { term: 'ceasefire', label: 'ceasefire' },
      { term: 'tag ]]> <z>', label: 'tag ]]> <z>' },
    ]);
    expect(child(first, 'content')!.text.startsWith(`${carried(HOSTILE_HTML, stored[0]!.url)}\n`)).toBe(true);
    // Ids: the URL when the article is known by it, a name-based UUID URN otherwise
    // (the same id the RSS guid carries).
    expect(child(first, 'id')!.text).toBe(stored[0]!.url);
    expect(entries.map((entry) => entry.attributes['xml:lang'])).toEqual([
      undefined,
      undefined,
      'fr',
      undefined,
    ]);
    expect(child(entries[2]!, 'id')!.text).toBe(nameUuid('https://northwind.example/', 'nw-1234'));
  });

  it('tells apart entries whose updated dates tie, keeping the day', () => {
    const items = ['a', 'b', 'c'].map((name) =>
      prepareItem(
        toArticle({ url: `https://northwind.example/${name}`, title: name, published: '2026-02-20' }),
        publisher,
        true,
        true,
      ),
    );
    const document = buildFeedDocument(feedConfig({ id: 'x', title: 'x' }).feeds[0]!, publisher, items);
    const updated = children(parseXml(renderAtom(document)), 'entry').map(
      (entry) => child(entry, 'updated')!.text,
    );
    expect(updated).toEqual([
      '2026-02-20T00:00:00.000Z',
      '2026-02-20T00:00:01.000Z',
      '2026-02-20T00:00:02.000Z',
    ]);
  });

  it('is read back by rss-parser with the same titles and links', async () => {
    const { read, stored } = await build();
    const feed = await new Parser().parseString(read('all.atom'));
    // rss-parser does not decode html titles: it gives the escaped text as written.
    expect(feed.items.map((item) => item.title)).toEqual(
      stored.map((article) => atomTitle(article.title).text),
    );
    expect(feed.items.map((item) => item.link)).toEqual(stored.map((article) => article.url));
  });
});

describe('large and hostile bodies', () => {
  it('carries a 1 MB body whole, in RSS and Atom', () => {
    const paragraph = '<p>Ceasefire & talks ]]> <em>continue</em> — مرحبا 🕊️</p>\n';
    const html = paragraph.repeat(Math.ceil(1_048_576 / Buffer.byteLength(paragraph)));
    const article = toArticle({
      url: 'https://northwind.example/big',
      title: 'Big',
      published: '2026-01-01',
      html,
    });
    const document = buildFeedDocument(feedConfig({ id: 'big', title: 'Big' }).feeds[0]!, publisher, [
      prepareItem(article, publisher, true, false),
    ]);
    // Whole: every paragraph, as the HTML parser writes it back (`&` and `>` escaped).
    const expected = '<p>Ceasefire &amp; talks ]]&gt; <em>continue</em> — مرحبا 🕊️</p>\n'.repeat(
      Math.ceil(1_048_576 / Buffer.byteLength(paragraph)),
    );
    const rssItem = child(child(parseXml(renderRss(document)), 'channel')!, 'item')!;
    expect(child(rssItem, 'content:encoded')!.text).toBe(expected);
    const entry = child(parseXml(renderAtom(document)), 'entry')!;
    expect(child(entry, 'content')!.text).toBe(expected);
  });

  it('removes active content and makes links absolute, so that readers and validators accept it', () => {
    const html =
      '<p onclick="steal()">Hi <a href="/about">about</a> <img src="pic.png" style="x:expression(1)"></p>' +
      '<script>alert(1)</script><iframe src="https://evil.example/"></iframe><custom-tag>kept text</custom-tag>' +
      '<a href="javascript:alert(1)">js</a><!-- note -->';
    const article = toArticle({
      url: 'https://northwind.example/a/b',
      title: 'T',
      published: '2026-01-01',
      html,
    });
    const item = prepareItem(article, publisher, true, false);
    expect(item.contentHtml).toBe(
      '<p>Hi <a href="https://northwind.example/about">about</a> <img src="https://northwind.example/a/pic.png"></p>' +
        'kept text<a>js</a>',
    );
  });
});

describe('relative links in clean HTML', () => {
  it('are made absolute, the rest of the HTML written back as the HTML parser read it', () => {
    const html =
      "<p class='x'>See <a href=\"/search?a=1&amp;b=2\" title='t'>this</a>,<br/> <img alt=map src=maps/a.png> " +
      '<a href="#notes">notes</a> and <a href="https://example.org/">that</a>. href="/not-a-tag"</p>';
    const article = toArticle({
      url: 'https://northwind.example/2026/03/story',
      title: 'T',
      published: '2026-01-01',
      html,
    });
    expect(prepareItem(article, publisher, true, false).contentHtml).toBe(
      '<p class="x">See <a href="https://northwind.example/search?a=1&amp;b=2" title="t">this</a>,<br> ' +
        '<img alt="map" src="https://northwind.example/2026/03/maps/a.png"> ' +
        '<a href="https://northwind.example/2026/03/story#notes">notes</a> and <a href="https://example.org/">that</a>. href="/not-a-tag"</p>',
    );
  });
});

describe('URLs that are not valid URIs as stored', () => {
  it('are percent-encoded where the format needs a URI, and kept as stored where an IRI will do', () => {
    const spaced = 'https://northwind.example/2026/naïve café?q=ü';
    const accented = 'https://northwind.example/2026/naïve-café';
    const items = [spaced, accented].map((url) =>
      prepareItem(toArticle({ url, title: 'T', published: '2026-01-01' }), publisher, true, true),
    );
    const document = buildFeedDocument(feedConfig({ id: 'u', title: 'U' }).feeds[0]!, publisher, items);
    const rssLinks = children(child(parseXml(renderRss(document)), 'channel')!, 'item').map(
      (item) => child(item, 'link')!.text,
    );
    expect(rssLinks).toEqual([
      'https://northwind.example/2026/na%C3%AFve%20caf%C3%A9?q=%C3%BC',
      'https://northwind.example/2026/na%C3%AFve-caf%C3%A9',
    ]);
    const atomLinks = children(parseXml(renderAtom(document)), 'entry').map(
      (entry) => child(entry, 'link')!.attributes.href,
    );
    expect(atomLinks).toEqual(['https://northwind.example/2026/na%C3%AFve%20caf%C3%A9?q=%C3%BC', accented]);
  });
});

describe('summaries made from the body', () => {
  it('take the text of the HTML, references decoded, cut at a word near 280 characters', () => {
    expect(
      excerpt(
        '<p>Tom &amp; Jerry&nbsp;&#x263A; &eacute;t&eacute; <em>cr</em>oss</p><script>x()</script><p>Next</p>',
      ),
    ).toBe('Tom & Jerry ☺ été cross Next');
    const long = `<p>${'word '.repeat(100)}</p>`;
    const cut = excerpt(long);
    expect(cut.endsWith('word…')).toBe(true);
    expect(cut.length).toBeLessThanOrEqual(281);
    // Markup-heavy bodies are read far enough to fill the summary.
    const heavy = `${'<span class="x"></span>'.repeat(400)}<p>${'late '.repeat(80)}</p>`;
    expect(excerpt(heavy).startsWith('late late')).toBe(true);
  });
});
