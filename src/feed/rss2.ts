import { escapeHtml } from '../text/html.ts';
import { xmlAttribute, xmlPlainText, xmlSafe, xmlText } from '../text/xml.ts';
import { type DocumentSink, renderText } from './_pieces.ts';
import { headerLinks } from './_tokens.ts';
import type { FeedDocument, FeedItem } from './model.ts';
import { feedUri, itemXmlHtml, MARKUP_LIKE } from './text.ts';

/**
 * RSS 2.0: `content:encoded` with the full HTML, a `dc:creator` for every author (RSS's own
 * `author` wants an e-mail address and only one of them), categories with the scheme as `domain`,
 * the article's global id as a stable `guid` (its link when the id is the URL), an `atom:link rel=self`, and `dc:rights` per item. Hub and
 * RFC 5005 archive links are Atom links, as in every RSS feed that has them; an item's image is a
 * `media:content` (RSS's `enclosure` wants a length we do not know).
 *
 * Written directly, element by element, in the layout `feed` gives: a full build renders
 * hundreds of documents, and laying them out through `feed`'s object-to-XML converter (and then
 * escaping around it) took longer than everything else in the build together.
 */

const NAMESPACES =
  '<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom" ' +
  'xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:dc="http://purl.org/dc/elements/1.1/"';
const MEDIA_NAMESPACE = ' xmlns:media="http://search.yahoo.com/mrss/"';
const HISTORY_NAMESPACE = ' xmlns:fh="http://purl.org/syndication/history/1.0"';

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

/** Plain text for an RSS element. */
const plain = (text: string) => xmlPlainText(rssTitleText(text));

const element = (indent: string, name: string, text: string) => `${indent}<${name}>${text}</${name}>\n`;

export function renderRss(document: FeedDocument): string {
  return renderText(writeRss, document);
}

export function writeRss(document: FeedDocument, sink: DocumentSink): void {
  let namespaces = NAMESPACES;
  if (document.items.some((item) => item.image)) namespaces += MEDIA_NAMESPACE;
  if (document.archive?.isArchive) namespaces += HISTORY_NAMESPACE;
  const channel = '        ';
  const home = xmlText(rssUri(document.home));
  let xml = `<?xml version="1.0" encoding="utf-8"?>\n${namespaces}>\n    <channel>\n`;
  xml += element(channel, 'title', plain(document.title));
  xml += element(channel, 'link', home);
  xml += element(channel, 'description', plain(document.description ?? document.title));
  xml += element(channel, 'lastBuildDate', new Date(document.updated).toUTCString());
  xml += element(channel, 'docs', 'https://validator.w3.org/feed/docs/rss2.html');
  xml += element(channel, 'generator', 'syndicate');
  xml += element(channel, 'language', xmlText(document.language));
  if (document.publisher.logo) {
    xml +=
      `${channel}<image>\n` +
      element(`${channel}    `, 'title', plain(document.title)) +
      element(`${channel}    `, 'url', xmlText(rssUri(document.publisher.logo))) +
      element(`${channel}    `, 'link', home) +
      `${channel}</image>\n`;
  }
  xml += element(channel, 'copyright', plain(document.copyright));
  if (document.self.rss) {
    xml += `${channel}<atom:link href="${xmlAttribute(rssUri(document.self.rss))}" rel="self" type="application/rss+xml"/>\n`;
  }
  sink.text(xml + rssHeader(document));
  const { language } = document;
  for (const item of document.items) sink.piece(item, 'rss', language, () => rssItem(item, language));
  sink.text('    </channel>\n</rss>\n');
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

/** An item, in parts: its escaped HTML apart, as the Atom entry carries the same (`DocumentSink`). */
function rssItem(item: FeedItem, feedLanguage: string): string[] {
  const indent = '            ';
  const link = xmlText(rssUri(item.url));
  let xml = '        <item>\n';
  xml += element(indent, 'title', plain(item.title));
  xml += element(indent, 'link', link);
  xml +=
    item.id === item.url
      ? `${indent}<guid isPermaLink="true">${link}</guid>\n`
      : // An id only this store knows is published as its global id, as Atom and JSON Feed do.
        `${indent}<guid isPermaLink="false">${xmlText(item.atomId)}</guid>\n`;
  xml += element(indent, 'pubDate', new Date(item.published).toUTCString());
  const parts = [`${xml}${indent}<description>`, itemXmlHtml(item, 'summaryHtml')];
  xml = '</description>\n';
  if (item.full) {
    parts.push(`${xml}${indent}<content:encoded>`, itemXmlHtml(item, 'contentHtml'));
    xml = '</content:encoded>\n';
  }
  for (const category of item.categories) {
    const domain = category.scheme === undefined ? '' : ` domain="${xmlAttribute(category.scheme)}"`;
    xml += `${indent}<category${domain}>${plain(category.term)}</category>\n`;
  }
  for (const author of item.authors) xml += element(indent, 'dc:creator', plain(author.name));
  xml += element(indent, 'dc:rights', plain(item.rights));
  if (item.language && item.language.toLowerCase() !== feedLanguage.toLowerCase()) {
    xml += element(indent, 'dc:language', xmlText(item.language));
  }
  if (item.image) {
    const type = item.image.type ? ` type="${item.image.type}"` : '';
    xml += `${indent}<media:content url="${xmlAttribute(rssUri(item.image.url))}" medium="image"${type}/>\n`;
  }
  parts.push(`${xml}        </item>\n`);
  return parts;
}
