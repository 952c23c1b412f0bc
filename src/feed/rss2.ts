import { type Extension, Feed, type Item } from 'feed';
import { headerLinks, insertIntoHeader, Tokens } from './_tokens.ts';
import type { FeedDocument, FeedItem } from './model.ts';
import { feedUri, rssPlainText } from './text.ts';

/**
 * RSS 2.0: `content:encoded` with the full HTML, a `dc:creator` for every author (RSS's own
 * `author` wants an e-mail address and only one of them), categories with the scheme as `domain`,
 * the article id as a stable `guid`, an `atom:link rel=self`, and `dc:rights` per item.
 */

const NAMESPACES =
  '<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom" ' +
  'xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:dc="http://purl.org/dc/elements/1.1/">';

/** Links and permalink guids are URIs in RSS: non-ASCII or spaces are percent-encoded there. */
function rssUri(url: string): string {
  return feedUri(url, 'uri');
}

export function renderRss(document: FeedDocument): string {
  const tokens = new Tokens();
  const plain = (text: string) => tokens.text(rssPlainText(text), 'text', true);
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
  const xml = feed.rss2().replace(/<rss\b[^>]*>/, namespaces(document));
  return `${tokens.fill(insertIntoHeader(xml, '<item>', '</channel>', rssHeader(document)))}\n`;
}

const MEDIA_NAMESPACE = ' xmlns:media="http://search.yahoo.com/mrss/"';
const HISTORY_NAMESPACE = ' xmlns:fh="http://purl.org/syndication/history/1.0"';

function namespaces(document: FeedDocument): string {
  let extra = '';
  if (document.items.some((item) => item.image)) extra += MEDIA_NAMESPACE;
  if (document.archive?.isArchive) extra += HISTORY_NAMESPACE;
  return extra ? NAMESPACES.replace(/>$/, `${extra}>`) : NAMESPACES;
}

/** Hub and archive links (RFC 5005 in RSS is Atom's links), and the archive marker. */
function rssHeader(document: FeedDocument): string {
  const type = 'application/rss+xml';
  const { archive } = document;
  const links = headerLinks('atom:link', '        ', [
    ...document.hubs.map((hub) => ({ rel: 'hub', href: hub })),
    { rel: 'current', href: archive?.isArchive ? archive.current?.rss : undefined, type },
    { rel: 'prev-archive', href: archive?.prev?.rss, type },
    { rel: 'next-archive', href: archive?.next?.rss, type },
  ]);
  return archive?.isArchive ? `${links}        <fh:archive/>\n` : links;
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
    description: tokens.text(item.summaryHtml),
    category: item.categories.map((category) => ({
      name: plain(category.term),
      ...(category.scheme === undefined ? {} : { domain: tokens.text(category.scheme, 'attribute') }),
    })),
    extensions,
  };
  // `feed` marks an `id` or `guid` as not a permalink and only a missing one as the link.
  if (item.image) {
    const attributes: Record<string, string> = {
      url: tokens.text(rssUri(item.image.url), 'attribute'),
      medium: 'image',
    };
    if (item.image.type) attributes.type = item.image.type;
    extensions.push({ name: 'media:content', objects: { _attributes: attributes } });
  }
  if (!permalink) rss.id = tokens.text(item.id);
  if (item.full) rss.content = tokens.text(item.contentHtml);
  return rss;
}
