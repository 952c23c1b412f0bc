import { type Extension, Feed, type Item } from 'feed';
import { Tokens } from './_tokens.ts';
import type { FeedDocument, FeedItem } from './model.ts';
import { escapeHtml, feedUri, MARKUP_LIKE, rssPlainText, xmlHtml, xmlSafe } from './text.ts';

/**
 * RSS 2.0: `content:encoded` with the full HTML, a `dc:creator` for every author (RSS's own
 * `author` wants an e-mail address and only one of them), categories with the scheme as `domain`,
 * the article's global id as a stable `guid` (its link when the id is the URL), an `atom:link rel=self`, and `dc:rights` per item.
 */

const NAMESPACES =
  '<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom" ' +
  'xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:dc="http://purl.org/dc/elements/1.1/">';

/** Links and permalink guids are URIs in RSS: non-ASCII or spaces are percent-encoded there. */
function rssUri(url: string): string {
  return feedUri(url, 'uri');
}

/**
 * RSS has no way to declare a title plain text or HTML, and readers differ. Plain text is written
 * with `&#x3C;` and `&#x26;` (the RSS Profile's signal that it is text); but text that looks like
 * markup (`</b>`, `&copy;`, see MARKUP_LIKE) is read as HTML by many readers (feedparser among
 * them) and the W3C validator warns about it, so such text is HTML-escaped once more: readers that
 * take it as HTML show the text as written, and nobody renders a tag.
 */
export function rssTitleText(text: string): string {
  const safe = xmlSafe(text);
  return MARKUP_LIKE.test(safe) ? escapeHtml(safe) : safe;
}

export function renderRss(document: FeedDocument): string {
  const tokens = new Tokens();
  const plain = (text: string) => tokens.text(rssPlainText(rssTitleText(text)), 'text', true);
  const self = document.self.rss;
  const feed = new Feed({
    title: plain(document.title),
    description: plain(document.description ?? document.title),
    link: tokens.url(rssUri(document.home)),
    language: tokens.text(document.language),
    copyright: plain(document.copyright),
    updated: new Date(document.updated),
    generator: 'syndicate',
    ...(document.publisher.logo ? { image: tokens.url(rssUri(document.publisher.logo)) } : {}),
    ...(self ? { feedLinks: { rss: tokens.url(rssUri(self), 'attribute') } } : {}),
  });
  for (const item of document.items) feed.addItem(rssItem(item, document.language, tokens, plain));
  const xml = feed.rss2().replace(/<rss\b[^>]*>/, NAMESPACES);
  return `${tokens.fill(xml)}\n`;
}

function rssItem(
  item: FeedItem,
  feedLanguage: string,
  tokens: Tokens,
  plain: (text: string) => string,
): Item {
  const permalink = item.id === item.url;
  const extensions: Extension[] = [
    {
      name: 'dc:creator',
      objects: item.authors.map((author) => ({ _text: plain(author.name) })) as unknown as Record<
        string,
        unknown
      >,
    },
    { name: 'dc:rights', objects: { _text: plain(item.rights) } },
  ];
  if (item.language && item.language.toLowerCase() !== feedLanguage.toLowerCase()) {
    extensions.push({ name: 'dc:language', objects: { _text: tokens.text(item.language) } });
  }
  const rss: Item = {
    title: plain(item.title),
    link: tokens.url(rssUri(item.url)),
    date: new Date(item.updated),
    published: new Date(item.published),
    description: tokens.text(xmlHtml(item.summaryHtml), 'text', true),
    category: item.categories.map((category) => ({
      name: plain(category.term),
      ...(category.scheme === undefined ? {} : { domain: tokens.text(category.scheme, 'attribute') }),
    })),
    extensions,
  };
  // `feed` marks an `id` or `guid` as not a permalink and only a missing one as the link. An id
  // only this store knows is published as its tag: URI, the same one Atom and JSON Feed carry.
  if (!permalink) rss.id = tokens.text(item.atomId);
  if (item.full) rss.content = tokens.text(xmlHtml(item.contentHtml), 'text', true);
  return rss;
}
